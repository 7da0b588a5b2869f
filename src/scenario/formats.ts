/**
 * Bytes per element of each number format, block scales included. MXFP4 (OCP Microscaling): 4-bit elements with
 * one 8-bit scale per 32 → 4.25 bits. NVFP4: 4-bit elements with one FP8 scale per 16 (plus one FP32 per tensor,
 * negligible) → 4.5 bits. FP8 block scales (DeepSeek: one FP32 per 128 × 128 block) add 0.02 % and are left out.
 */
import type { ActFormat, Scenario, WeightFormat } from './schema';

export const FORMAT_BYTES: Record<WeightFormat | ActFormat, number> = {
  fp32: 4,
  bf16: 2,
  fp8: 1,
  int8: 1,
  mxfp4: 4.25 / 8,
  nvfp4: 4.5 / 8,
};

/**
 * Bytes per routed row in the all-to-all: dispatch goes in FP8 when the experts are 8-bit or narrower (DeepSeek
 * quantises tokens before sending them), else at the activation format; combine returns activations.
 */
export function allToAllBytesPerRow(s: Pick<Scenario, 'dModel' | 'actFormat' | 'expertFormat'>): {
  dispatch: number;
  combine: number;
} {
  const a = FORMAT_BYTES[s.actFormat];
  const x = FORMAT_BYTES[s.expertFormat];
  return { dispatch: s.dModel * Math.min(a, Math.max(1, x)), combine: s.dModel * a };
}
