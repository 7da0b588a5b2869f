/**
 * How a scenario's chips are organised, and whether the model fits. Weights and KV cache must fit the usable
 * memory of each chip (HBM, or SRAM on chips without HBM). With the 'grow' policy a model that does not fit gets
 * pipeline stages (up to one layer per stage) and then wider stages, until it does.
 */

import type { Scenario } from '../scenario';
import { USABLE_MEMORY } from './facts';
import type { BatchWork } from './serving';
import type { ModelShape } from './shape';
import type { ChipSpec, HardwareSpec, SystemLayout } from './types';

export function capacityOf(c: ChipSpec): number {
  return (c.memBytes > 0 ? c.memBytes : c.sramBytes) * USABLE_MEMORY;
}

/** KV-cache bytes held for the whole batch (decode: every sequence's context; prefill: the prompt tokens). */
export function kvTotalBytes(work: BatchWork, m: ModelShape): number {
  return work.kvTokens * m.kvBytesPerToken * m.layers;
}

export function expertSlots(s: Scenario): number {
  return s.experts + (s.expertPlacement === 'eplb' ? s.redundantExperts : 0);
}

function nonExpertBytes(m: ModelShape): number {
  return (
    m.layers * m.attnBytes +
    m.moeLayers * (m.sharedBytes + m.routerBytes) +
    m.denseLayers * m.denseBytes +
    m.headBytes
  );
}

const MAX_WIDTH = 1 << 16;

/** Smallest integer multiplier ≥ 1 for which fits(mult) holds (fits is monotone), or MAX_WIDTH. */
function smallestWidth(fits: (mult: number) => boolean): number {
  if (fits(1)) return 1;
  let hi = 2;
  while (hi < MAX_WIDTH && !fits(hi)) hi *= 2;
  if (!fits(hi)) return MAX_WIDTH;
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function planSystem(s: Scenario, m: ModelShape, hw: HardwareSpec, work: BatchWork): SystemLayout {
  const X = hw.experts;
  const A = hw.attention;
  const attentionPool = s.attentionChips > 0 ? s.attentionChips : hw.attentionChips;
  const grow = s.fitPolicy === 'grow';
  const slots = expertSlots(s);
  const expertTotal = m.moeLayers * slots * m.expertBytes;
  const kvTotal = kvTotalBytes(work, m);
  const other = nonExpertBytes(m);
  const tp = Math.max(1, Math.min(s.tensorParallel, s.chipCount));

  if (attentionPool > 0) {
    // Two pools: attention side holds everything but routed experts; expert side only routed experts.
    const capA = capacityOf(A);
    const capX = capacityOf(X);
    const tpA = Math.min(tp, attentionPool);
    const attnBytes = (chips: number) => other / tpA + (kvTotal * tpA) / (chips * Math.min(tpA, m.kvSplit));
    const needA = smallestWidth((w) => attnBytes(attentionPool * w) <= capA) * attentionPool;
    // Chips needed is the ideal lower bound (everything spread perfectly); the layout is what is projected.
    const needX = Math.max(1, Math.ceil(expertTotal / capX));
    const fits = attnBytes(attentionPool) <= capA && expertTotal / s.chipCount <= capX;
    const aChips = grow ? needA : attentionPool;
    const xChips = grow ? Math.max(s.chipCount, needX) : s.chipCount;
    const shard = xChips > slots ? Math.floor(xChips / slots) : 1;
    return {
      stageChips: xChips,
      stages: 1,
      expertRanks: Math.floor(xChips / shard),
      expertShard: shard,
      tensorParallel: tpA,
      dataParallel: aChips / tpA,
      attentionChips: aChips,
      totalChips: aChips + xChips,
      chipsNeeded: Math.max(1, Math.ceil((other + kvTotal) / capA)) + needX,
      fits,
      bytesPerChip: expertTotal / xChips,
      capacityPerChip: capX,
      microBatch: work.stepTokens,
      grown: aChips + xChips > attentionPool + s.chipCount,
    };
  }

  const cap = capacityOf(X);
  const L = Math.max(1, m.layers);
  const ep = Math.max(1, Math.min(s.expertParallel, s.chipCount));
  // Expert TP: each expert's matrices split over etp chips, so one expert group spans ep · etp chips.
  const etp = Math.max(1, Math.min(s.expertTensorParallel, Math.floor(s.chipCount / ep)));
  // Per-chip bytes with P pipeline stages and stages `w` times wider (EP, DP and, when asked, TP scale with w).
  const bytes = (P: number, w: number, tpw: number) => {
    const chips = s.chipCount * w;
    return (
      other / (P * tpw) +
      expertTotal / (P * ep * etp * w) +
      (kvTotal * tpw) / (P * chips * Math.min(tpw, m.kvSplit))
    );
  };
  // TP degree that fits at (P, w): the smallest power-of-two multiple of the scenario's TP up to tp·w (more TP
  // splits weights but, for MLA, replicates the latent KV cache), or 0 when none fits.
  const tpFor = (P: number, w: number): number => {
    for (let x = tp; x <= tp * w; x *= 2) if (bytes(P, w, x) <= cap) return x;
    return bytes(P, w, tp * w) <= cap ? tp * w : 0;
  };
  const fitsAt = (P: number, w: number) => tpFor(P, w) > 0;
  // Fewest stages that fit (per-chip bytes fall as stages grow): binary search.
  let P = L;
  if (fitsAt(1, 1)) P = 1;
  else if (fitsAt(L, 1)) {
    let lo = 1;
    while (P - lo > 1) {
      const mid = (lo + P) >> 1;
      if (fitsAt(mid, 1)) P = mid;
      else lo = mid;
    }
  }
  const w = fitsAt(P, 1) ? 1 : smallestWidth((x) => fitsAt(L, x));
  const needP = fitsAt(P, 1) ? P : L;
  const fits = bytes(1, 1, tp) <= cap;
  const useP = grow ? needP : 1;
  const useW = grow ? w : 1;
  const tpUse = grow ? tpFor(useP, useW) || tp * useW : tp;
  const stageChips = s.chipCount * useW;
  const R = ep * useW;
  // More ranks than expert copies: each expert is split over the ranks left over, as with expert TP.
  const autoShard = R > slots ? Math.floor(R / slots) : 1;
  return {
    stageChips,
    stages: useP,
    expertRanks: Math.floor(R / autoShard),
    expertShard: autoShard * etp,
    tensorParallel: tpUse,
    dataParallel: stageChips / tpUse,
    attentionChips: 0,
    totalChips: stageChips * useP,
    chipsNeeded: Math.max(1, Math.ceil((other + expertTotal + kvTotal) / cap)),
    fits,
    bytesPerChip: bytes(useP, useW, tpUse),
    capacityPerChip: cap,
    microBatch: work.stepTokens / useP,
    grown: useP > 1 || useW > 1,
  };
}
