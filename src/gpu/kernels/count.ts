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

export const countChunksProgram: KernelProgram = { shader: 'countChunks' };
export const countScanProgram: KernelProgram = { shader: 'countScan' };
const CHUNK_WG = 64;

/**
 * Deterministic count without atomics (shaders/countChunks.wgsl, countScan.wgsl): per-chunk histograms, then a
 * scan down each expert's column that leaves every chunk's starting rank for the chunked scatter. Needs no clear.
 */
export const countChunked: KernelModule = {
  programs: () => [countChunksProgram, countScanProgram],
  prepare(ctx, l) {
    const chunksPipe = ctx.pipelines.get(countChunksProgram);
    const scanPipe = ctx.pipelines.get(countScanProgram);
    const chunksGroup = bindGroup(ctx.device, chunksPipe, [l.params, range(l, 'ids'), range(l, 'chunkHist')]);
    const scanGroup = bindGroup(ctx.device, scanPipe, [l.params, range(l, 'chunkHist'), range(l, 'counts')]);
    return {
      encode(pass) {
        pass.setPipeline(chunksPipe);
        pass.setBindGroup(0, chunksGroup);
        dispatch1d(pass, Math.ceil(l.memory.chunks / CHUNK_WG));
        pass.setPipeline(scanPipe);
        pass.setBindGroup(0, scanGroup);
        dispatch1d(pass, Math.ceil(l.cfg.experts / CHUNK_WG));
      },
    };
  },
};
