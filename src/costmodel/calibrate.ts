/**
 * Calibration against this device. The device micro-benchmark (copy bandwidth, f32 matmul rate) becomes a
 * ChipSpec for "this device"; the same roofline that projects other chips then predicts each measured stage,
 * and the prediction error per stage says how far to trust the projections. One constant is fitted: the
 * per-kernel overhead (launch, synchronisation), as the median of (measured − roofline) over the stages.
 */

import { idealChip } from './chips';
import { opTime } from './roofline';
import type { ChipSpec } from './types';

export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  /** A software adapter (SwiftShader) is labelled in every result. */
  isFallbackAdapter?: boolean;
}

/** The device micro-benchmark result (src/gpu). */
export interface DeviceBench {
  /** Streaming copy bandwidth, GB/s (bytes read + written). */
  copyGBs: number;
  /** f32 tiled matmul rate, GFLOP/s. */
  matmulGflops: number;
  adapter: AdapterInfo;
}

/** One measured stage: its analytic work (src/gpu/work.ts stageWork) and measured median time. */
export interface StageMeasurement {
  stage: string;
  flops: number;
  /** Bytes the stage must at least move (read + written). */
  bytes: number;
  measuredMs: number;
  /** Kernels (dispatches) the stage issues; 1 when omitted. */
  kernels?: number;
}

export interface StagePrediction {
  stage: string;
  measuredMs: number;
  /** Roofline alone and roofline + fitted per-kernel overhead. */
  rooflineMs: number;
  predictedMs: number;
  /** (predicted − measured) / measured, in %. */
  errorPct: number;
  rooflineErrorPct: number;
  bound: 'compute' | 'memory';
  /** Achieved fraction of the device roofline. */
  efficiency: number;
}

export interface Calibration {
  chip: ChipSpec;
  software: boolean;
  label: string;
  /** Fitted per-kernel overhead, µs. */
  overheadUs: number;
  stages: StagePrediction[];
  medianAbsErrorPct: number;
  maxAbsErrorPct: number;
  /** Total over stages: measured vs predicted (the layer as a whole). */
  totalMeasuredMs: number;
  totalPredictedMs: number;
  totalErrorPct: number;
}

export function isSoftwareAdapter(a: AdapterInfo): boolean {
  return (
    a.isFallbackAdapter === true || /swiftshader/i.test(`${a.architecture ?? ''} ${a.description ?? ''}`)
  );
}

export function adapterLabel(a: AdapterInfo): string {
  const name =
    [a.vendor, a.architecture, a.description].filter((x) => x && x.trim() !== '').join(' ') || 'this device';
  return isSoftwareAdapter(a) ? `${name} (software adapter)` : name;
}

/** A ChipSpec for this device: measured rates are achieved rates, so efficiency is 1 and there is no ramp. */
export function deviceChip(bench: DeviceBench, overheadUs = 0): ChipSpec {
  if (!(bench.copyGBs > 0) || !(bench.matmulGflops > 0)) {
    throw new Error('the device benchmark needs positive copy bandwidth and matmul rate');
  }
  const f = bench.matmulGflops * 1e9;
  return idealChip({
    id: 'this-device',
    name: adapterLabel(bench.adapter),
    status: 'estimate',
    source: 'device micro-benchmark (copy bandwidth, f32 matmul)',
    // WebGPU runs everything in f32: one rate for every precision.
    flops: { fp4: f, fp8: f, bf16: f, fp32: f },
    memBw: bench.copyGBs * 1e9,
    memBytes: 4e9,
    launch: overheadUs * 1e-6,
  });
}

function rooflineMs(chip: ChipSpec, s: StageMeasurement): number {
  return opTime(chip, s.flops, 'fp32', s.bytes, 0) * 1e3;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Predict a stage's time on a device chip (roofline + kernels × overhead). */
export function predictStageMs(chip: ChipSpec, s: StageMeasurement): number {
  return rooflineMs(chip, s) + (s.kernels ?? 1) * chip.launch * 1e3;
}

/** Derive this device's spec, fit the per-kernel overhead, and report the prediction error per stage. */
export function calibrate(bench: DeviceBench, stages: readonly StageMeasurement[]): Calibration {
  const bare = deviceChip(bench);
  const valid = stages.filter((s) => s.measuredMs > 0 && Number.isFinite(s.measuredMs));
  const residualsUs = valid.map(
    (s) => (Math.max(0, s.measuredMs - rooflineMs(bare, s)) * 1e3) / (s.kernels ?? 1),
  );
  const overheadUs = median(residualsUs);
  const chip = deviceChip(bench, overheadUs);
  const preds: StagePrediction[] = valid.map((s) => {
    const roof = rooflineMs(chip, s);
    const pred = predictStageMs(chip, s);
    const computeMs = (s.flops / chip.flops.fp32) * 1e3;
    return {
      stage: s.stage,
      measuredMs: s.measuredMs,
      rooflineMs: roof,
      predictedMs: pred,
      errorPct: ((pred - s.measuredMs) / s.measuredMs) * 100,
      rooflineErrorPct: ((roof - s.measuredMs) / s.measuredMs) * 100,
      bound: computeMs >= roof - 1e-12 && s.flops > 0 ? 'compute' : 'memory',
      efficiency: roof / s.measuredMs,
    };
  });
  const abs = preds.map((p) => Math.abs(p.errorPct));
  const totalMeasuredMs = preds.reduce((a, p) => a + p.measuredMs, 0);
  const totalPredictedMs = preds.reduce((a, p) => a + p.predictedMs, 0);
  return {
    chip,
    software: isSoftwareAdapter(bench.adapter),
    label: adapterLabel(bench.adapter),
    overheadUs,
    stages: preds,
    medianAbsErrorPct: median(abs),
    maxAbsErrorPct: abs.length ? Math.max(...abs) : 0,
    totalMeasuredMs,
    totalPredictedMs,
    totalErrorPct: totalMeasuredMs > 0 ? ((totalPredictedMs - totalMeasuredMs) / totalMeasuredMs) * 100 : 0,
  };
}
