/**
 * Count runner (shaders/count.wgsl): tokens per expert from workgroup-private histograms merged with atomics.
 * The counters must be cleared before the pass: `clearCounts` encodes that (a clearBuffer, outside any pass).
 */

import type { KernelModule, LayerGpu } from '../layerGpu';
import { range } from '../layerGpu';
import { bindGroup, dispatch1d, type KernelProgram } from '../pipelines';

export const countProgram: KernelProgram = { shader: 'count' };
const WG = 256;
const ITEMS = 16;

export function clearCounts(enc: GPUCommandEncoder, l: LayerGpu): void {
  enc.clearBuffer(l.buffers.counts, 0, l.memory.buffers.counts);
}

export const count: KernelModule = {
  programs: () => [countProgram],
  prepare(ctx, l) {
    const pipeline = ctx.pipelines.get(countProgram);
    const group = bindGroup(ctx.device, pipeline, [l.params, range(l, 'ids'), range(l, 'counts')]);
    const items = l.cfg.tokens * l.cfg.topK;
    return {
      encode(pass) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        dispatch1d(pass, Math.ceil(items / (WG * ITEMS)));
      },
    };
  },
};
