/**
 * Expert FFN runner (shaders/ffnUp.wgsl, ffnDown.wgsl): a grouped SwiGLU GEMM over the expert segments.
 * The tile list and the dispatch size come from the offsets kernel (dispatchWorkgroupsIndirect), so the layer
 * never waits for the host. Shared experts reuse the same kernels in dense mode (row r = token r).
 */

import type { KernelModule } from '../layerGpu';
import { range, uniformSlot } from '../layerGpu';
import { FFN_PARAMS_BYTES } from '../params';
import { bindGroup, type KernelProgram } from '../pipelines';
import { GEMM_TILE, VEC4_TILE } from '../planner';

const UP_BINDINGS = ['P', 'X', 'rowToken', 'info', 'W1', 'W3', 'H', 'FP'] as const;
const DOWN_BINDINGS = ['P', 'H', 'info', 'W2', 'Y', 'FP'] as const;
export const ffnUpProgram: KernelProgram = { shader: 'ffnUp', constants: GEMM_TILE, bindings: UP_BINDINGS };
export const ffnDownProgram: KernelProgram = {
  shader: 'ffnDown',
  constants: GEMM_TILE,
  bindings: DOWN_BINDINGS,
};
export const ffnUpVec4Program: KernelProgram = {
  shader: 'ffnUpVec4',
  constants: VEC4_TILE,
  bindings: UP_BINDINGS,
};
export const ffnDownVec4Program: KernelProgram = {
  shader: 'ffnDownVec4',
  constants: VEC4_TILE,
  bindings: DOWN_BINDINGS,
};
const pick = (vec4: boolean) =>
  vec4 ? [ffnUpVec4Program, ffnDownVec4Program] : [ffnUpProgram, ffnDownProgram];

/** Routed experts: indirect dispatch over the tile list. */
export const expertFfn: KernelModule = {
  programs: (_cfg, v) => pick(v.ffnVec4),
  prepare(ctx, l) {
    const [upProgram, downProgram] = pick(l.variant.ffnVec4);
    const up = ctx.pipelines.get(upProgram);
    const down = ctx.pipelines.get(downProgram);
    const fp = uniformSlot(l.ffnParams, 0, FFN_PARAMS_BYTES);
    const upGroup = bindGroup(ctx.device, upProgram, up, {
      P: l.params,
      X: range(l, 'x'),
      rowToken: range(l, 'rowToken'),
      info: range(l, 'info'),
      W1: range(l, 'w1'),
      W3: range(l, 'w3'),
      H: range(l, 'hidden'),
      FP: fp,
    });
    const downGroup = bindGroup(ctx.device, downProgram, down, {
      P: l.params,
      H: range(l, 'hidden'),
      info: range(l, 'info'),
      W2: range(l, 'w2'),
      Y: range(l, 'rows'),
      FP: fp,
    });
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
        up: bindGroup(ctx.device, upProgram, up, {
          P: l.params,
          X: range(l, 'x'),
          rowToken: range(l, 'rowToken'),
          info: range(l, 'info'),
          W1: range(l, 'sharedW1'),
          W3: range(l, 'sharedW3'),
          H: range(l, 'sharedHidden'),
          FP: fp,
        }),
        down: bindGroup(ctx.device, downProgram, down, {
          P: l.params,
          H: range(l, 'sharedHidden'),
          info: range(l, 'info'),
          W2: range(l, 'sharedW2'),
          Y: range(l, 'sharedOut'),
          FP: fp,
        }),
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
