/**
 * Expert FFN runner for decode-sized segments (shaders/ffnUpGemv.wgsl, ffnDownGemv.wgsl): one workgroup per
 * (expert, column slice), so each touched expert's weights stream once per block of 4 rows, read as consecutive
 * floats by consecutive invocations. The grid is E × column slices, known on the host (empty experts return at
 * once), so it needs no tile list; the engine picks this path by `gemvFfnByDefault`.
 */

import type { LayerConfig } from '../../workload';
import { capacityOf } from '../../workload';
import type { KernelModule, KernelVariant } from '../layerGpu';
import { range } from '../layerGpu';
import { bindGroup, type KernelProgram } from '../pipelines';

/**
 * Invocations per workgroup of both kernels (each computes 4 columns): 64 on a GPU (two warps, coalesced rows of
 * 1 KiB); 16 on a software adapter, which runs a workgroup on one thread, so smaller workgroups give its threads
 * more, evener pieces (measured 1.3–1.5× faster than 64 there at T = 32–64 with src/gpu/experiments/decodeFfn.ts).
 */
export const GEMV_GPU_WG = 64;
export const GEMV_SOFTWARE_WG = 16;
/**
 * Split-K shares of the down projection on a GPU: with d = 1024 and E = 16 the plain grid is 64 workgroups of
 * 64 invocations, too few for a GPU with a hundred cores; 4 shares give 4× the workgroups. Not measured here (no
 * GPU on this machine); a software adapter runs 1 (see the engine's variant).
 */
export const GEMV_GPU_SPLIT_K = 4;

/**
 * The rule: the GEMV path runs when an expert's expected rows (T·k / E, or the capacity, rounded up to the block
 * size B) are at most GEMV_MAX_ROWS, two blocks of 4. Both paths read every weight once per block of 4 rows (the
 * tiled vec4 kernels have no shared memory either), so the difference is the grid: below a tile (32 rows) most of
 * a tiled workgroup's invocations lie past its expert's segment and return at once, and every workgroup first
 * searches the tile list, while the GEMV grid is exactly experts × column slices. Past a few blocks a GEMV
 * invocation walks its blocks serially and the tiled grid's row tiles run in parallel. Measured on SwiftShader
 * (src/gpu/experiments/decodeFfn.ts, d = 128, f = 256, E = 16, k = 2): GEMV faster at 1–8 rows per expert
 * (T = 8–64), even or slower at 16 (T = 128).
 */
export const GEMV_MAX_ROWS = 8;

export function expectedRowsPerExpert(cfg: LayerConfig): number {
  const E = cfg.experts;
  const C = capacityOf(cfg);
  const B = Math.max(1, cfg.blockSize);
  const mean = cfg.routingMode === 'expert-choice' ? C : (cfg.tokens * cfg.topK) / E;
  const kept = C > 0 ? Math.min(mean, C) : mean;
  return Math.ceil(kept / B) * B;
}

/** Whether a layer's routed experts run the GEMV path by default (d and f multiples of 4: vec4 reads). */
export function gemvFfnByDefault(cfg: LayerConfig): boolean {
  return cfg.dModel % 4 === 0 && cfg.ffnSize % 4 === 0 && expectedRowsPerExpert(cfg) <= GEMV_MAX_ROWS;
}

/** The up projection with `workgroup` invocations per workgroup. */
export function ffnUpGemvProgram(workgroup: number): KernelProgram {
  return {
    shader: 'ffnUpGemv',
    constants: { WG: workgroup },
    bindings: ['P', 'X', 'rowToken', 'info', 'W1', 'W3', 'H'],
  };
}

/** The down projection with `splitK` shares of k per workgroup (1: no split). */
export function ffnDownGemvProgram(workgroup: number, splitK: number): KernelProgram {
  return {
    shader: 'ffnDownGemv',
    constants: { WG: workgroup, KS: splitK },
    bindings: ['P', 'H', 'info', 'W2', 'Y'],
  };
}

const programsFor = (v: KernelVariant) => [
  ffnUpGemvProgram(v.gemvWorkgroup),
  ffnDownGemvProgram(v.gemvWorkgroup, v.gemvSplitK),
];

export const expertFfnGemv: KernelModule = {
  programs: (_cfg, v) => programsFor(v),
  prepare(ctx, l) {
    const [upProgram, downProgram] = programsFor(l.variant);
    const up = ctx.pipelines.get(upProgram);
    const down = ctx.pipelines.get(downProgram);
    const upGroup = bindGroup(ctx.device, upProgram, up, {
      P: l.params,
      X: range(l, 'x'),
      rowToken: range(l, 'rowToken'),
      info: range(l, 'info'),
      W1: range(l, 'w1'),
      W3: range(l, 'w3'),
      H: range(l, 'hidden'),
    });
    const downGroup = bindGroup(ctx.device, downProgram, down, {
      P: l.params,
      H: range(l, 'hidden'),
      info: range(l, 'info'),
      W2: range(l, 'w2'),
      Y: range(l, 'rows'),
    });
    const E = l.cfg.experts;
    const wg = l.variant.gemvWorkgroup;
    const upSlices = Math.ceil(l.cfg.ffnSize / (4 * wg));
    const downSlices = Math.ceil(l.cfg.dModel / ((4 * wg) / l.variant.gemvSplitK));
    return {
      encode(pass) {
        pass.setPipeline(up);
        pass.setBindGroup(0, upGroup);
        pass.dispatchWorkgroups(upSlices, E);
        pass.setPipeline(down);
        pass.setBindGroup(0, downGroup);
        pass.dispatchWorkgroups(downSlices, E);
      },
    };
  },
};
