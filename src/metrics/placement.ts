/**
 * Expert placement over expert-parallel ranks. A placement is computed once from a layer's historical load
 * (as DeepSeek's EPLB does from recent statistics) and then applied to every batch; it never sees the batch it
 * is judged on.
 */

/** How experts are spread over expert-parallel ranks. */
export type Placement = 'round-robin' | 'load-aware' | 'eplb';

export interface ExpertPlacement {
  ranks: number;
  /** Copies of each expert. */
  replicas: Int32Array;
  /** Slots: the expert each slot holds and the rank it lives on. */
  slotExpert: Int32Array;
  slotRank: Int32Array;
  /** True when packing would have left the busiest rank above round-robin's, so round-robin was kept. */
  fellBack: boolean;
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
    return { ranks: R, replicas, slotExpert, slotRank, fellBack: false };
  }
  const extra = mode === 'eplb' ? Math.max(0, Math.floor(redundant)) : 0;
  if (extra > 0) {
    const per = new Float64Array(E);
    for (let e = 0; e < E; e++) per[e] = load[e];
    for (let i = 0; i < extra; i++) {
      let best = 0;
      for (let e = 1; e < E; e++) if (per[e] > per[best]) best = e;
      replicas[best]++;
      per[best] = load[best] / replicas[best];
    }
  }
  const S = E + extra;
  const slotExpert = new Int32Array(S);
  const slotLoad = new Float64Array(S);
  const first = new Int32Array(E);
  let s = 0;
  for (let e = 0; e < E; e++) {
    first[e] = s;
    for (let r = 0; r < replicas[e]; r++) {
      slotExpert[s] = e;
      slotLoad[s] = load[e] / replicas[e];
      s++;
    }
  }
  // Experts by load per replica, heaviest first, ties toward the lower index. A native numeric sort of packed
  // keys (load quantised to 1/1024, then 1023 − e) avoids a JS comparator, the slowest part of a projection.
  const keys = new Float64Array(E);
  let packed = E <= 1024;
  for (let e = 0; e < E && packed; e++) {
    const q = Math.round((load[e] / replicas[e]) * 1024);
    if (!(q >= 0 && q < 2 ** 42)) packed = false;
    keys[e] = q * 1024 + (1023 - e);
  }
  const experts: number[] = [];
  if (packed) {
    keys.sort();
    for (let i = E - 1; i >= 0; i--) experts.push(1023 - (keys[i] % 1024));
  } else {
    for (let e = 0; e < E; e++) experts.push(e);
    experts.sort((a, b) => load[b] / replicas[b] - load[a] / replicas[a] || a - b);
  }
  const order: number[] = [];
  for (const e of experts) for (let r = 0; r < replicas[e]; r++) order.push(first[e] + r);
  const perRank = Math.ceil(S / R);
  const slotRank = new Int32Array(S);
  // Min-heap of ranks with free slots, keyed by (load, rank index): O(S log R) instead of scanning every rank.
  const heap = new Int32Array(R);
  const rankLoad = new Float64Array(R);
  const rankUsed = new Int32Array(R);
  let size = R;
  for (let r = 0; r < R; r++) heap[r] = r;
  const less = (a: number, b: number) => rankLoad[a] < rankLoad[b] || (rankLoad[a] === rankLoad[b] && a < b);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && less(heap[l + 1], heap[l]) ? l + 1 : l;
      if (!less(heap[c], heap[i])) return;
      const t = heap[c];
      heap[c] = heap[i];
      heap[i] = t;
      i = c;
    }
  };
  for (let k = 0; k < S; k++) {
    const slot = order[k];
    const best = heap[0];
    slotRank[slot] = best;
    rankLoad[best] += slotLoad[slot];
    if (++rankUsed[best] >= perRank) heap[0] = heap[--size];
    down(0);
  }
  const packedPlacement = { ranks: R, replicas, slotExpert, slotRank, fellBack: false };
  // Greedy packing with equal slots per rank can lose to round-robin on some loads (e.g. [3,5,5,3,4,4,3] on 3
  // ranks); a balancer never makes the busiest rank worse than the plain placement, so keep the better one.
  const plain = placeExperts(load, R, 'round-robin');
  return busiestRank(load, packedPlacement) <= busiestRank(load, plain)
    ? packedPlacement
    : { ...plain, fellBack: true };
}

/** The heaviest rank's load under a placement (each replica takes an equal share of its expert's load). */
export function busiestRank(load: ArrayLike<number>, p: ExpertPlacement): number {
  const rankLoad = new Float64Array(p.ranks);
  for (let s = 0; s < p.slotExpert.length; s++) {
    const e = p.slotExpert[s];
    rankLoad[p.slotRank[s]] += load[e] / p.replicas[e];
  }
  let max = 0;
  for (const v of rankLoad) max = Math.max(max, v);
  return max;
}
