/**
 * Count runner: tokens per expert, deterministic and without atomics (so no clear pass either): per-chunk
 * histograms (shaders/countChunks.wgsl), then a scan along each expert's row of hist[E, chunks] (countScan.wgsl,
 * one workgroup per expert) that leaves the rank of every chunk's first pair for the chunked scatter.
 */

import type { KernelModule } from '../layerGpu';
import { range } from '../layerGpu';
import { bindGroup, dispatch1d, type KernelProgram } from '../pipelines';

/** Invocations per workgroup of the chunk kernels (WG in countChunks.wgsl and scatterChunks.wgsl). */
export const CHUNK_WG = 64;
/** Experts per workgroup of the scan (one invocation each). */
const SCAN_WG = 4;
export const countChunksProgram: KernelProgram = {
  shader: 'countChunks',
  constants: { WG: CHUNK_WG },
  bindings: ['P', 'ids', 'hist'],
};
export const countScanProgram: KernelProgram = {
  shader: 'countScan',
  constants: { WG: SCAN_WG },
  bindings: ['P', 'hist', 'counts'],
};

/**
 * Deterministic count without atomics (shaders/countChunks.wgsl, countScan.wgsl): per-chunk histograms, then a
 * scan along each expert's row that leaves every chunk's starting rank for the chunked scatter. Needs no clear.
 */
export const countChunked: KernelModule = {
  programs: () => [countChunksProgram, countScanProgram],
  prepare(ctx, l) {
    const chunksPipe = ctx.pipelines.get(countChunksProgram);
    const scanPipe = ctx.pipelines.get(countScanProgram);
    const chunksGroup = bindGroup(ctx.device, countChunksProgram, chunksPipe, {
      P: l.params,
      ids: range(l, 'ids'),
      hist: range(l, 'chunkHist'),
    });
    const scanGroup = bindGroup(ctx.device, countScanProgram, scanPipe, {
      P: l.params,
      hist: range(l, 'chunkHist'),
      counts: range(l, 'counts'),
    });
    return {
      encode(pass) {
        pass.setPipeline(chunksPipe);
        pass.setBindGroup(0, chunksGroup);
        dispatch1d(pass, Math.ceil(l.memory.chunks / CHUNK_WG));
        pass.setPipeline(scanPipe);
        pass.setBindGroup(0, scanGroup);
        dispatch1d(pass, Math.ceil(l.cfg.experts / SCAN_WG));
      },
    };
  },
};
