/**
 * Analytic work per stage (FLOPs and the bytes a stage must at least move), so a measured time becomes an
 * efficiency: the stage's roofline time on this device (max of FLOPs / matmul rate, bytes / copy bandwidth,
 * both from the device micro-benchmark) divided by its measured median.
 */
import type { LayerConfig, LayerResult } from '../workload';

export type StageName = 'router' | 'gate' | 'count' | 'offsets' | 'scatter' | 'ffn' | 'shared' | 'combine';

export const STAGE_LABELS: Record<StageName, string> = {
  router: 'router GEMM',
  gate: 'gate / top-k',
  count: 'count',
  offsets: 'offsets',
  scatter: 'scatter',
  ffn: 'expert FFN',
  shared: 'shared experts',
  combine: 'combine',
};

export interface StageWork {
  flops: number;
  bytes: number;
}

export interface DeviceRoofline {
  /** Streaming copy bandwidth, GB/s (bytes read + written). */
  copyGBps: number;
  /** f32 tiled matmul rate, GFLOP/s. */
  matmulGflops: number;
  source: 'timestamp' | 'wall';
}

export function stageWork(
  cfg: LayerConfig,
  r: LayerResult,
  logitsSupplied: boolean,
): Partial<Record<StageName, StageWork>> {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const E = cfg.experts;
  const f = cfg.ffnSize;
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? 0 : cfg.topK;
  let keptRows = 0;
  let touched = 0;
  for (let e = 0; e < E; e++) {
    keptRows += r.kept[e];
    if (r.kept[e] > 0) touched++;
  }
  const pairs = ec ? keptRows : T * k;
  const w: Partial<Record<StageName, StageWork>> = {};
  if (!logitsSupplied) w.router = { flops: 2 * T * d * E, bytes: 4 * (T * d + d * E + T * E) };
  w.gate = { flops: 0, bytes: 4 * (2 * T * E + 3 * T * k) };
  if (!ec) w.count = { flops: 0, bytes: 4 * T * k };
  w.offsets = { flops: 0, bytes: 4 * 6 * E };
  w.scatter = { flops: 0, bytes: 4 * (ec ? 2 * T * E + 2 * keptRows : 4 * T * k) };
  w.ffn = {
    flops: 6 * keptRows * d * f,
    bytes: 4 * (3 * touched * d * f + 2 * keptRows * d + 2 * keptRows * f),
  };
  if (cfg.sharedExperts > 0) {
    const fs = cfg.sharedFfnSize;
    w.shared = {
      flops: 6 * cfg.sharedExperts * T * d * fs,
      bytes: 4 * cfg.sharedExperts * (3 * d * fs + 2 * T * d),
    };
  }
  w.combine = { flops: 2 * pairs * d, bytes: 4 * (pairs * d + T * d + 2 * pairs) };
  return w;
}

/** Roofline time (ms) of some work on a device. */
export function rooflineMs(work: StageWork, roof: DeviceRoofline): number {
  return Math.max(work.flops / (roof.matmulGflops * 1e6), work.bytes / (roof.copyGBps * 1e6));
}

/** Fraction of the device roofline a stage reached (1 = at the roofline). */
export function efficiency(work: StageWork, medianMs: number, roof: DeviceRoofline): number {
  if (!(medianMs > 0)) return Number.NaN;
  return rooflineMs(work, roof) / medianMs;
}
