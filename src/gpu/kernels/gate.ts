/**
 * Gate runner (shaders/gate.wgsl): scores, selection bias, group filter, top-k (lower index wins ties),
 * renormalise and route scale, one invocation per token. Expert-choice mode writes the scores only.
 */

import { type KernelModule, type LayerGpu, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';

export const gateProgram: KernelProgram = { shader: 'gate' };
const WG = 64;

/** The gate's bindings; the fused kernel adds the router GEMM's inputs after them. */
const gateBindings = (l: LayerGpu) => [
  l.params,
  range(l, 'logits'),
  range(l, 'bias'),
  range(l, 'scores'),
  range(l, 'ids'),
  range(l, 'weights'),
  range(l, 'slotScores'),
];

export const gate: KernelModule = {
  programs: () => [gateProgram],
  prepare: (ctx, l) => singleDispatch(ctx, gateProgram, gateBindings(l), Math.ceil(l.cfg.tokens / WG)),
};

/** Router GEMM + gate in one pass (shaders/routerGate.wgsl): vec4 sizes and E ≤ FUSED_GATE_MAX_E (one workgroup row). */
export const routerGateProgram: KernelProgram = { shader: 'routerGate' };
export const FUSED_GATE_MAX_E = 64;
/** Tokens per workgroup of the fused kernel (FT in routerGate.wgsl). */
const FUSED_TOKENS = 16;

export const routerGate: KernelModule = {
  programs: () => [routerGateProgram],
  prepare: (ctx, l) =>
    singleDispatch(
      ctx,
      routerGateProgram,
      [...gateBindings(l), range(l, 'x'), range(l, 'router')],
      Math.ceil(l.cfg.tokens / FUSED_TOKENS),
    ),
};
