/**
 * Routed experts on one expert-parallel chip: padded rows of SwiGLU FLOPs against the weights of the experts it
 * touches (streamed from HBM, or read from SRAM where pinned) and the rows' activations, plus launches and the
 * software cost per routed row. The per-rank loops call expertTime thousands of times per projection, so the
 * chip and shape are folded once into coefficients (see ranks.ts).
 */
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export interface ExpertCoefficients {
  secPerPaddedRow: number;
  computeRamp: number;
  weightBytes: number;
  actBytesPerRow: number;
  sramOnly: boolean;
  secPerMemByte: number;
  secPerSramByte: number;
  memRamp: number;
  launches: number;
  dispatchPerRow: number;
  /** Serving stack's extra time per touched expert slot (software.ts expertSlotTime). */
  perSlot: number;
}

/**
 * Coefficients of one chip holding 1/shard of each expert it serves; `memEff` is the share of the chip's memory
 * ceiling the serving stack's expert kernels reach.
 */
export function expertCoefficients(
  X: ChipSpec,
  m: ModelShape,
  shard: number,
  memEff = 1,
  perSlot = 0,
): ExpertCoefficients {
  const sramOnly = X.memBytes <= 0;
  return {
    secPerPaddedRow: m.expertFlopsPerRow / shard / (X.flops[m.expertPrec] * X.computeEffMax),
    computeRamp: X.computeRamp / X.computeEffMax,
    weightBytes: m.expertBytes / shard,
    actBytesPerRow: m.expertActBytesPerRow / shard,
    sramOnly,
    secPerMemByte: sramOnly ? 0 : 1 / (X.memBw * X.memEffMax * memEff),
    secPerSramByte: 1 / (X.sramBw * X.memEffMax * memEff),
    memRamp: X.memRamp / X.memEffMax,
    launches: 3 * X.launch,
    dispatchPerRow: X.dispatchPerToken,
    perSlot,
  };
}

/** Expert phase of one chip: real and padded rows, weights of `streamed` slots from HBM and `resident` from SRAM. */
export function expertTime(
  k: ExpertCoefficients,
  rows: number,
  padded: number,
  streamed: number,
  resident: number,
): number {
  const compute = padded > 0 ? padded * k.secPerPaddedRow + k.computeRamp : 0;
  let hbm = 0;
  let sram = resident * k.weightBytes;
  if (k.sramOnly) sram += streamed * k.weightBytes + rows * k.actBytesPerRow;
  else hbm = streamed * k.weightBytes + rows * k.actBytesPerRow;
  const memory =
    (hbm > 0 ? hbm * k.secPerMemByte + k.memRamp : 0) + (sram > 0 ? sram * k.secPerSramByte + k.memRamp : 0);
  return Math.max(compute, memory) + k.launches + rows * k.dispatchPerRow + (streamed + resident) * k.perSlot;
}
