/**
 * Offsets runner (shaders/offsets.wgsl): capacity, block padding, exclusive scans over E (segment starts, sort
 * segment starts, FFN tile list) and the FFN's indirect dispatch arguments, in one workgroup.
 */

import { type KernelModule, range, singleDispatch } from '../layerGpu';
import type { KernelProgram } from '../pipelines';

export const offsetsProgram: KernelProgram = { shader: 'offsets' };
export const offsetsSubgroupProgram: KernelProgram = { shader: 'offsetsSubgroup' };

/** Layout of the info buffer (u32 words): offsets[E+1] | kept[E] | segStart[E] | tileOffsets[E+1]. */
export const infoLayout = (E: number) => ({ offsets: 0, kept: E + 1, segStart: 2 * E + 1, tiles: 3 * E + 1 });

export const offsets: KernelModule = {
  programs: (_cfg, v) => [v.subgroups ? offsetsSubgroupProgram : offsetsProgram],
  prepare: (ctx, l) =>
    singleDispatch(
      ctx,
      l.variant.subgroups ? offsetsSubgroupProgram : offsetsProgram,
      [l.params, range(l, 'counts'), range(l, 'info'), l.args],
      1,
    ),
};
