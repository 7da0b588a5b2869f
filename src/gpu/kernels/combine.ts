/** Combine runner (shaders/combine.wgsl): weighted sum of each token's expert rows in a fixed order, plus shared. */

import type { KernelModule } from '../layerGpu';
import { range } from '../layerGpu';
import { bindGroup, dispatch1d, type KernelProgram } from '../pipelines';

export const combineProgram: KernelProgram = { shader: 'combine' };
const WG = 256;

export const combine: KernelModule = {
  programs: () => [combineProgram],
  prepare(ctx, l) {
    const pipeline = ctx.pipelines.get(combineProgram);
    const group = bindGroup(ctx.device, pipeline, [
      l.params,
      range(l, 'weights'),
      range(l, 'positions'),
      range(l, 'rows'),
      range(l, 'sharedOut'),
      range(l, 'out'),
      range(l, 'scores'),
      range(l, 'ecRow'),
    ]);
    return {
      encode(pass) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        dispatch1d(pass, Math.ceil((l.cfg.tokens * l.cfg.dModel) / WG));
      },
    };
  },
};
