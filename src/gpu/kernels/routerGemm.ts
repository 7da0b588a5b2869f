/** Router GEMM runner (shaders/routerGemm.wgsl): logits[T, E] = X[T, d] · W_r[d, E], tiled. */

import type { KernelModule } from '../layerGpu';
import { range } from '../layerGpu';
import { bindGroup, type KernelProgram } from '../pipelines';
import { GEMM_TILE } from '../planner';

export const routerGemmProgram: KernelProgram = { shader: 'routerGemm', constants: GEMM_TILE };

/** Dispatch size for an M×N output. */
export function routerGemmGrid(m: number, n: number): [number, number] {
  return [Math.ceil(n / GEMM_TILE.TN), Math.ceil(m / GEMM_TILE.TM)];
}

export const routerGemm: KernelModule = {
  programs: () => [routerGemmProgram],
  prepare(ctx, l) {
    const pipeline = ctx.pipelines.get(routerGemmProgram);
    const group = bindGroup(ctx.device, pipeline, [
      l.params,
      range(l, 'x'),
      range(l, 'router'),
      range(l, 'logits'),
    ]);
    const [gx, gy] = routerGemmGrid(l.cfg.tokens, l.cfg.experts);
    return {
      encode(pass) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(gx, gy);
      },
    };
  },
};
