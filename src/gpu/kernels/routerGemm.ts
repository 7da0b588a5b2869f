/** Router GEMM runner (shaders/routerGemm.wgsl): logits[T, E] = X[T, d] · W_r[d, E], tiled. */

import { type KernelModule, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';
import { GEMM_TILE, VEC4_TILE } from '../planner';

const ROUTER_BINDINGS = ['P', 'X', 'W', 'L'] as const;
export const routerGemmProgram: KernelProgram = {
  shader: 'routerGemm',
  constants: GEMM_TILE,
  bindings: ROUTER_BINDINGS,
};
/** vec4 path (d and E multiples of 4): same tile geometry, no workgroup memory. */
export const routerGemmVec4Program: KernelProgram = {
  shader: 'routerGemmVec4',
  constants: VEC4_TILE,
  bindings: ROUTER_BINDINGS,
};

/** Dispatch size for an M×N output. */
export function routerGemmGrid(
  m: number,
  n: number,
  tile: { TM: number; TN: number } = GEMM_TILE,
): [number, number] {
  return [Math.ceil(n / tile.TN), Math.ceil(m / tile.TM)];
}

export const routerGemm: KernelModule = {
  programs: (_cfg, v) => [v.routerVec4 ? routerGemmVec4Program : routerGemmProgram],
  prepare(ctx, l) {
    const vec4 = l.variant.routerVec4;
    return singleDispatch(
      ctx,
      vec4 ? routerGemmVec4Program : routerGemmProgram,
      { P: l.params, X: range(l, 'x'), W: range(l, 'router'), L: range(l, 'logits') },
      routerGemmGrid(l.cfg.tokens, l.cfg.experts, vec4 ? VEC4_TILE : GEMM_TILE),
    );
  },
};
