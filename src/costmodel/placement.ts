/**
 * Expert placement over expert-parallel ranks. A placement is computed once from a layer's historical load
 * (as DeepSeek's EPLB does from recent statistics) and then applied to every batch; it never sees the batch it
 * is judged on.
 */

import type { Placement } from './types';

export interface ExpertPlacement {
  ranks: number;
  /** Copies of each expert. */
  replicas: Int32Array;
  /** Slots: the expert each slot holds and the rank it lives on. */
  slotExpert: Int32Array;
  slotRank: Int32Array;
}

/**
 * Round-robin puts expert e on rank e mod R. Load-aware packs experts, heaviest first, onto the least-loaded rank
 * that has a free slot (slots per rank = ceil(E/R)). EPLB first gives `redundant` extra replicas, one at a time,
 * to the expert with the highest load per replica, then packs the replicas the same way (DeepSeek EPLB,
 * flat/global policy).
 */
export function placeExperts(
  load: ArrayLike<number>,
  ranks: number,
  mode: Placement,
  redundant = 0,
): ExpertPlacement {
  const E = load.length;
  const R = Math.max(1, ranks);
  const replicas = new Int32Array(E).fill(1);
  if (mode === 'round-robin') {
    const slotExpert = new Int32Array(E);
    const slotRank = new Int32Array(E);
    for (let e = 0; e < E; e++) {
      slotExpert[e] = e;
      slotRank[e] = e % R;
    }
    return { ranks: R, replicas, slotExpert, slotRank };
  }
  const extra = mode === 'eplb' ? Math.max(0, Math.floor(redundant)) : 0;
  for (let i = 0; i < extra; i++) {
    let best = 0;
    let bestLoad = -1;
    for (let e = 0; e < E; e++) {
      const per = load[e] / replicas[e];
      if (per > bestLoad) {
        bestLoad = per;
        best = e;
      }
    }
    replicas[best]++;
  }
  const S = E + extra;
  const slotExpert = new Int32Array(S);
  const slotLoad = new Float64Array(S);
  let s = 0;
  for (let e = 0; e < E; e++) {
    for (let r = 0; r < replicas[e]; r++) {
      slotExpert[s] = e;
      slotLoad[s] = load[e] / replicas[e];
      s++;
    }
  }
  const order = Array.from({ length: S }, (_, i) => i).sort(
    (a, b) => slotLoad[b] - slotLoad[a] || slotExpert[a] - slotExpert[b],
  );
  const perRank = Math.ceil(S / R);
  const rankLoad = new Float64Array(R);
  const rankUsed = new Int32Array(R);
  const slotRank = new Int32Array(S);
  for (const slot of order) {
    let best = -1;
    for (let r = 0; r < R; r++) {
      if (rankUsed[r] >= perRank) continue;
      if (best < 0 || rankLoad[r] < rankLoad[best]) best = r;
    }
    slotRank[slot] = best;
    rankLoad[best] += slotLoad[slot];
    rankUsed[best]++;
  }
  return { ranks: R, replicas, slotExpert, slotRank };
}
