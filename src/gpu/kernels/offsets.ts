/**
 * Offsets runner (shaders/offsets.wgsl): capacity, block padding, exclusive scans over E (segment starts, sort
 * segment starts, FFN tile list) and the FFN's indirect dispatch arguments, in one workgroup.
 */

import { type KernelModule, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';

/** Invocations of the one workgroup; the FFN grid's y limit before the tile list spills into z (offsetsCommon). */
const OFFSETS_CONSTANTS = { WG: 64, Y_LIMIT: 32768 };
const OFFSETS_BINDINGS = ['P', 'counts', 'info', 'args'] as const;
export const offsetsProgram: KernelProgram = {
  shader: 'offsets',
  constants: OFFSETS_CONSTANTS,
  bindings: OFFSETS_BINDINGS,
};
export const offsetsSubgroupProgram: KernelProgram = {
  shader: 'offsetsSubgroup',
  constants: OFFSETS_CONSTANTS,
  bindings: OFFSETS_BINDINGS,
};

/** Layout of the info buffer (u32 words): offsets[E+1] | kept[E] | segStart[E] | tileOffsets[E+1]. */
export const infoLayout = (E: number) => ({ offsets: 0, kept: E + 1, segStart: 2 * E + 1, tiles: 3 * E + 1 });

export const offsets: KernelModule = {
  programs: (_cfg, v) => [v.subgroups ? offsetsSubgroupProgram : offsetsProgram],
  prepare: (ctx, l) =>
    singleDispatch(
      ctx,
      l.variant.subgroups ? offsetsSubgroupProgram : offsetsProgram,
      { P: l.params, counts: range(l, 'counts'), info: range(l, 'info'), args: l.args },
      1,
    ),
};
