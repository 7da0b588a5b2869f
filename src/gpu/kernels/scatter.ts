/**
 * Scatter runner: deterministic positions inside each expert's segment, with no atomics and no spin-waits.
 *   1. scatterKeys.wgsl: one element (expert, score key, index) per (token, slot) — per (token, expert) in
 *      expert-choice mode;
 *   2. a bitonic sort (sortLocal.wgsl in 512-element shared-memory chunks, sortGlobal.wgsl for wide strides),
 *      so each expert's pairs are contiguous and in policy order (token index, or score desc then token);
 *   3. scatter.wgsl: rank = sorted index − segment start; the first kept[e] get rows offsets[e] + rank.
 * O(N log² N) work for N = T·k, in log²(N/512)/2 + O(log N) dispatches.
 * The row → token map must be cleared before the pass: `clearScatter`.
 */

import type { KernelModule, LayerGpu, SortStep } from '../layerGpu';
import { range, singleDispatch, uniformSlot } from '../layerGpu';
import { SORT_STEP_BYTES, SORT_STEP_FIELDS } from '../params';
import { bindGroup, dispatch1d, type KernelProgram } from '../pipelines';
import { SORT_CHUNK } from '../planner';
import { CHUNK_WG } from './count';

const WG = 256;
export const scatterKeysProgram: KernelProgram = {
  shader: 'scatterKeys',
  constants: { WG },
  bindings: ['P', 'ids', 'slotScore', 'S', 'keys'],
};
/** One workgroup sorts SORT_CHUNK keys in shared memory (SORT_CHUNK / 2 invocations). */
export const sortLocalProgram: KernelProgram = {
  shader: 'sortLocal',
  constants: { CHUNK: SORT_CHUNK },
  bindings: ['P', 'keys', 'step'],
};
export const sortGlobalProgram: KernelProgram = {
  shader: 'sortGlobal',
  constants: { WG },
  bindings: ['P', 'keys', 'step'],
};
export const scatterProgram: KernelProgram = {
  shader: 'scatter',
  constants: { WG },
  bindings: ['P', 'keys', 'info', 'positions', 'rowToken', 'ecTokens', 'ecRow'],
};

/** The bitonic network for n (a power of two ≥ 512): stages grouped to use shared memory where possible. */
export function sortSteps(n: number): SortStep[] {
  const steps: SortStep[] = [{ kind: 'local-full', size: SORT_CHUNK, stride: 0 }];
  for (let size = 2 * SORT_CHUNK; size <= n; size *= 2) {
    for (let stride = size / 2; stride >= SORT_CHUNK; stride /= 2)
      steps.push({ kind: 'global', size, stride });
    steps.push({ kind: 'local-merge', size, stride: 0 });
  }
  return steps;
}

/** SortStep uniforms, one 256-byte slot per step. */
export function packSortSteps(steps: readonly SortStep[]): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array((steps.length * 256) / 4);
  steps.forEach((s, i) => {
    const values: Record<(typeof SORT_STEP_FIELDS)[number], number> = {
      size: s.size,
      stride: s.stride,
      full: s.kind === 'local-full' ? 1 : 0,
      pad: 0,
    };
    out.set(
      SORT_STEP_FIELDS.map((name) => values[name]),
      (i * 256) / 4,
    );
  });
  return out;
}

export function clearScatter(enc: GPUCommandEncoder, l: LayerGpu): void {
  enc.clearBuffer(l.buffers.rowToken, 0, l.memory.buffers.rowToken);
  if (l.cfg.routingMode === 'expert-choice') enc.clearBuffer(l.buffers.ecRow, 0, l.memory.buffers.ecRow);
}

export const scatter: KernelModule = {
  programs: () => [scatterKeysProgram, sortLocalProgram, sortGlobalProgram, scatterProgram],
  prepare(ctx, l) {
    const { device, pipelines } = ctx;
    const keysPipe = pipelines.get(scatterKeysProgram);
    const localPipe = pipelines.get(sortLocalProgram);
    const globalPipe = pipelines.get(sortGlobalProgram);
    const scatterPipe = pipelines.get(scatterProgram);
    const keysGroup = bindGroup(device, scatterKeysProgram, keysPipe, {
      P: l.params,
      ids: range(l, 'ids'),
      slotScore: range(l, 'slotScores'),
      S: range(l, 'scores'),
      keys: range(l, 'keys'),
    });
    const stepGroups = l.sortSteps.map((s, i) => {
      const global = s.kind === 'global';
      return bindGroup(
        device,
        global ? sortGlobalProgram : sortLocalProgram,
        global ? globalPipe : localPipe,
        {
          P: l.params,
          keys: range(l, 'keys'),
          step: uniformSlot(l.sortParams, i, SORT_STEP_BYTES),
        },
      );
    });
    const scatterGroup = bindGroup(device, scatterProgram, scatterPipe, {
      P: l.params,
      keys: range(l, 'keys'),
      info: range(l, 'info'),
      positions: range(l, 'positions'),
      rowToken: range(l, 'rowToken'),
      ecTokens: range(l, 'ecTokens'),
      ecRow: range(l, 'ecRow'),
    });
    const n = l.memory.sortSize;
    return {
      encode(pass) {
        pass.setPipeline(keysPipe);
        pass.setBindGroup(0, keysGroup);
        dispatch1d(pass, Math.ceil(n / WG));
        l.sortSteps.forEach((s, i) => {
          if (s.kind === 'global') {
            pass.setPipeline(globalPipe);
            pass.setBindGroup(0, stepGroups[i]);
            dispatch1d(pass, Math.ceil(n / 2 / WG));
          } else {
            pass.setPipeline(localPipe);
            pass.setBindGroup(0, stepGroups[i]);
            dispatch1d(pass, n / SORT_CHUNK);
          }
        });
        pass.setPipeline(scatterPipe);
        pass.setBindGroup(0, scatterGroup);
        dispatch1d(pass, Math.ceil(l.memory.sortValid / WG));
      },
    };
  },
};

export const scatterChunksProgram: KernelProgram = {
  shader: 'scatterChunks',
  constants: { WG: CHUNK_WG },
  bindings: ['P', 'ids', 'hist', 'info', 'positions', 'rowToken'],
};

/**
 * Position policy (token-choice), after countChunked: a running rank per chunk and expert, O(T·k), no sort.
 * Needs `clearScatter` before the pass (padding rows of the row → token map).
 */
export const scatterChunked: KernelModule = {
  programs: () => [scatterChunksProgram],
  prepare: (ctx, l) =>
    singleDispatch(
      ctx,
      scatterChunksProgram,
      {
        P: l.params,
        ids: range(l, 'ids'),
        hist: range(l, 'chunkHist'),
        info: range(l, 'info'),
        positions: range(l, 'positions'),
        rowToken: range(l, 'rowToken'),
      },
      Math.ceil(l.memory.chunks / CHUNK_WG),
    ),
};
