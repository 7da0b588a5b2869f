import type { LayerResult } from '../workload';

/** Relative tolerance for float outputs (f32 on the GPU vs f64-accumulated reference). */
export const FLOAT_TOLERANCE = 1e-3;

export interface Verification {
  status: 'verified' | 'mismatch' | 'skipped';
  detail: string;
  maxRelError?: number;
}

function firstIntMismatch(name: string, a: Int32Array, b: Int32Array): string | null {
  if (a.length !== b.length) return `${name}: length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${name}[${i}] = ${a[i]}, reference ${b[i]}`;
  return null;
}

/** Largest |a − b| relative to the largest |b| (so tiny outputs do not inflate the error). */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return scale > 0 ? worst / scale : worst;
}

/** Integer outputs must match exactly, float outputs within FLOAT_TOLERANCE. */
export function compareWithReference(gpu: LayerResult, ref: LayerResult): Verification {
  const ints: [string, Int32Array, Int32Array][] = [
    ['topk_ids', gpu.topkIds, ref.topkIds],
    ['counts', gpu.counts, ref.counts],
    ['kept', gpu.kept, ref.kept],
    ['offsets', gpu.offsets, ref.offsets],
    ['positions', gpu.positions, ref.positions],
    ['expert-choice tokens', gpu.ecTokens, ref.ecTokens],
  ];
  for (const [name, a, b] of ints) {
    const problem = firstIntMismatch(name, a, b);
    if (problem) return { status: 'mismatch', detail: `GPU and CPU reference disagree: ${problem}.` };
  }
  const weights = maxRelativeError(gpu.topkWeights, ref.topkWeights);
  const y = maxRelativeError(gpu.y, ref.y);
  const worst = Math.max(weights, y);
  if (!(worst <= FLOAT_TOLERANCE)) {
    return {
      status: 'mismatch',
      detail: `GPU output differs from the CPU reference by ${worst.toExponential(2)} (tolerance ${FLOAT_TOLERANCE}).`,
      maxRelError: worst,
    };
  }
  return {
    status: 'verified',
    detail: `Verified against the CPU reference: ids, counts, offsets and positions equal; outputs within ${worst.toExponential(1)} (tolerance ${FLOAT_TOLERANCE}).`,
    maxRelError: worst,
  };
}
