/**
 * Expert FFN runner (shaders/ffnUp.wgsl, ffnDown.wgsl): a grouped SwiGLU GEMM over the expert segments.
 * The tile list and the dispatch size come from the offsets kernel (dispatchWorkgroupsIndirect), so the layer
 * never waits for the host. Shared experts reuse the same kernels in dense mode (row r = token r).
 */

import type { KernelModule } from '../layerGpu';
import { range, uniformSlot } from '../layerGpu';
import { bindGroup, type KernelProgram } from '../pipelines';
import { GEMM_TILE, VEC4_TILE } from '../planner';

export const ffnUpProgram: KernelProgram = { shader: 'ffnUp', constants: GEMM_TILE };
export const ffnDownProgram: KernelProgram = { shader: 'ffnDown', constants: GEMM_TILE };
export const ffnUpVec4Program: KernelProgram = { shader: 'ffnUpVec4', constants: VEC4_TILE };
export const ffnDownVec4Program: KernelProgram = { shader: 'ffnDownVec4', constants: VEC4_TILE };
const pick = (vec4: boolean) =>
  vec4 ? [ffnUpVec4Program, ffnDownVec4Program] : [ffnUpProgram, ffnDownProgram];
const FFN_PARAMS_BYTES = 32;

/** Routed experts: indirect dispatch over the tile list. */
export const expertFfn: KernelModule = {
  programs: (_cfg, v) => pick(v.ffnVec4),
  prepare(ctx, l) {
    const [upProgram, downProgram] = pick(l.variant.ffnVec4);
    const up = ctx.pipelines.get(upProgram);
    const down = ctx.pipelines.get(downProgram);
    const fp = uniformSlot(l.ffnParams, 0, FFN_PARAMS_BYTES);
    const upGroup = bindGroup(ctx.device, up, [
      l.params,
      range(l, 'x'),
      range(l, 'rowToken'),
      range(l, 'info'),
      range(l, 'w1'),
      range(l, 'w3'),
      range(l, 'hidden'),
      fp,
    ]);
    const downGroup = bindGroup(ctx.device, down, [
      l.params,
      range(l, 'hidden'),
      range(l, 'info'),
      range(l, 'w2'),
      range(l, 'rows'),
      fp,
    ]);
    return {
      encode(pass) {
        pass.setPipeline(up);
        pass.setBindGroup(0, upGroup);
        pass.dispatchWorkgroupsIndirect(l.args, 0);
        pass.setPipeline(down);
        pass.setBindGroup(0, downGroup);
        pass.dispatchWorkgroupsIndirect(l.args, 12);
      },
    };
  },
};

/** Shared experts: dense over all tokens, summed in index order into sharedOut. */
export const sharedFfn: KernelModule = {
  programs: (_cfg, v) => pick(v.sharedVec4),
  prepare(ctx, l) {
    const [upProgram, downProgram] = pick(l.variant.sharedVec4);
    const tile = l.variant.sharedVec4 ? VEC4_TILE : GEMM_TILE;
    const up = ctx.pipelines.get(upProgram);
    const down = ctx.pipelines.get(downProgram);
    const T = l.cfg.tokens;
    const fs = l.cfg.sharedFfnSize;
    const groups = Array.from({ length: l.cfg.sharedExperts }, (_, s) => {
      const fp = uniformSlot(l.ffnParams, 1 + s, FFN_PARAMS_BYTES);
      return {
        up: bindGroup(ctx.device, up, [
          l.params,
          range(l, 'x'),
          range(l, 'rowToken'),
          range(l, 'info'),
          range(l, 'sharedW1'),
          range(l, 'sharedW3'),
          range(l, 'sharedHidden'),
          fp,
        ]),
        down: bindGroup(ctx.device, down, [
          l.params,
          range(l, 'sharedHidden'),
          range(l, 'info'),
          range(l, 'sharedW2'),
          range(l, 'sharedOut'),
          fp,
        ]),
      };
    });
    const rowTiles = Math.ceil(T / tile.TM);
    return {
      encode(pass) {
        for (const g of groups) {
          pass.setPipeline(up);
          pass.setBindGroup(0, g.up);
          pass.dispatchWorkgroups(Math.ceil(fs / tile.TN), rowTiles);
          pass.setPipeline(down);
          pass.setBindGroup(0, g.down);
          pass.dispatchWorkgroups(Math.ceil(l.cfg.dModel / tile.TN), rowTiles);
        }
      },
    };
  },
};
