/** Combine runner (shaders/combine.wgsl): weighted sum of each token's expert rows in a fixed order, plus shared. */

import { type KernelModule, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';

const WG = 256;
/** combineVec4.wgsl: workgroup size and vec4 columns per invocation (WG, CB there). */
const VEC4_WG = 64;
const VEC4_RUN = 8;
export const COMBINE_VEC4_MAX_K = 8;
const COMMON_BINDINGS = ['P', 'wts', 'positions', 'Y', 'Ysh', 'outY'] as const;
export const combineProgram: KernelProgram = {
  shader: 'combine',
  constants: { WG },
  bindings: [...COMMON_BINDINGS, 'S', 'ecRow'],
};
/** Token-choice with k ≤ COMBINE_VEC4_MAX_K and d a multiple of 4: vec4 columns, slots in registers. */
export const combineVec4Program: KernelProgram = {
  shader: 'combineVec4',
  constants: { WG: VEC4_WG, CB: VEC4_RUN, MAX_K: COMBINE_VEC4_MAX_K },
  bindings: COMMON_BINDINGS,
};

export const combine: KernelModule = {
  programs: (_cfg, v) => [v.combineVec4 ? combineVec4Program : combineProgram],
  prepare(ctx, l) {
    const vec4 = l.variant.combineVec4;
    const common = {
      P: l.params,
      wts: range(l, 'weights'),
      positions: range(l, 'positions'),
      Y: range(l, 'rows'),
      Ysh: range(l, 'sharedOut'),
      outY: range(l, 'out'),
    };
    if (vec4) {
      const runs = Math.ceil(l.cfg.dModel / 4 / VEC4_RUN);
      return singleDispatch(ctx, combineVec4Program, common, Math.ceil((l.cfg.tokens * runs) / VEC4_WG));
    }
    return singleDispatch(
      ctx,
      combineProgram,
      { ...common, S: range(l, 'scores'), ecRow: range(l, 'ecRow') },
      Math.ceil((l.cfg.tokens * l.cfg.dModel) / WG),
    );
  },
};
