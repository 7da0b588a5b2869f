/**
 * Gate runner (shaders/gate.wgsl): scores, selection bias, group filter, top-k (lower index wins ties),
 * renormalise and route scale, one invocation per token. Expert-choice mode writes the scores only.
 */

import { type KernelModule, type LayerGpu, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';

const WG = 64;
/** The gate's bindings (gate.wgsl and gateCore.wgsl); the fused kernel adds the router GEMM's inputs after them. */
const GATE_BINDINGS = ['P', 'L', 'bias', 'S', 'ids', 'wts', 'slotScore'] as const;
export const gateProgram: KernelProgram = { shader: 'gate', constants: { WG }, bindings: GATE_BINDINGS };

const gateResources = (l: LayerGpu) => ({
  P: l.params,
  L: range(l, 'logits'),
  bias: range(l, 'bias'),
  S: range(l, 'scores'),
  ids: range(l, 'ids'),
  wts: range(l, 'weights'),
  slotScore: range(l, 'slotScores'),
});

export const gate: KernelModule = {
  programs: () => [gateProgram],
  prepare: (ctx, l) => singleDispatch(ctx, gateProgram, gateResources(l), Math.ceil(l.cfg.tokens / WG)),
};

/** Router GEMM + gate in one pass (shaders/routerGate.wgsl): vec4 sizes and E ≤ FUSED_GATE_MAX_E (one workgroup row). */
/** Workgroup of the fused kernel: FX vec4 expert columns × FY rows of 4 tokens (FX, FY in routerGate.wgsl). */
const FUSED_FX = 16;
const FUSED_FY = 4;
export const FUSED_GATE_MAX_E = 4 * FUSED_FX;
/** Tokens per workgroup of the fused kernel (FT in routerGate.wgsl). */
const FUSED_TOKENS = 4 * FUSED_FY;
export const routerGateProgram: KernelProgram = {
  shader: 'routerGate',
  constants: { FX: FUSED_FX, FY: FUSED_FY },
  bindings: [...GATE_BINDINGS, 'X', 'W'],
};

export const routerGate: KernelModule = {
  programs: () => [routerGateProgram],
  prepare: (ctx, l) =>
    singleDispatch(
      ctx,
      routerGateProgram,
      { ...gateResources(l), X: range(l, 'x'), W: range(l, 'router') },
      Math.ceil(l.cfg.tokens / FUSED_TOKENS),
    ),
};
