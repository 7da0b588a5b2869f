/** Shared helpers for the GPU layer tests: configs, random tensors, and comparison against the CPU reference. */
import { expect } from 'vitest';
import { createMoeEngine, type EngineRun, type KernelOptions, type MoeEngine } from '../../src/gpu';
import { loadNodeShaders } from '../../src/gpu/nodeShaders';
import { runReferenceLayer } from '../../src/reference';
import type { LayerConfig, LayerResult, LayerTensors } from '../../src/workload';
import { makeLayerConfig, Rng } from '../../src/workload';
import { nodeDevice } from './nodeGpu';

/** Stated tolerances: weights relative to 1, layer output relative to the largest |y|, logits relative to max |L|. */
export const WEIGHT_RTOL = 1e-5;
export const Y_RTOL = 2e-4;
export const LOGIT_RTOL = 1e-5;

export function baseConfig(over: Partial<LayerConfig> = {}): LayerConfig {
  return makeLayerConfig({
    tokens: 100,
    dModel: 32,
    ffnSize: 24,
    experts: 8,
    topK: 2,
    renormalize: true,
    ...over,
  });
}

export function randomTensors(cfg: LayerConfig, seed = 1, routerScale = 1): LayerTensors {
  const { tokens: T, dModel: d, experts: E, ffnSize: f, sharedExperts: S, sharedFfnSize: fs } = cfg;
  const rng = Rng.from(seed, 'gpu-test');
  const normal = (n: number, scale: number) => {
    const a = new Float32Array(n);
    rng.fillNormal(a, scale);
    return a;
  };
  return {
    x: normal(T * d, 1),
    router: normal(d * E, routerScale / Math.sqrt(d)),
    bias: normal(E, 0.05),
    w1: normal(E * d * f, 1 / Math.sqrt(d)),
    w3: normal(E * d * f, 1 / Math.sqrt(d)),
    w2: normal(E * f * d, 1 / Math.sqrt(f)),
    sharedW1: normal(S * d * fs, 1 / Math.sqrt(d)),
    sharedW3: normal(S * d * fs, 1 / Math.sqrt(d)),
    sharedW2: normal(S * fs * d, 1 / Math.sqrt(Math.max(1, fs))),
  };
}

export interface GpuFixture {
  engine: MoeEngine;
}

/** Kernel paths the layer suite runs on: the default (fastest available) and the plain one. */
export const KERNEL_PATHS: [string, KernelOptions][] = [
  ['default path on this adapter (vec4 GEMMs, subgroups when the adapter has them)', {}],
  ['fused router GEMM + gate', { fusedGate: true }],
  [
    'plain path (tiled scalar GEMMs, separate gate, no subgroups)',
    { vec4: false, subgroups: false, fusedGate: false },
  ],
  ['GEMV decode FFN on every layer (ffnUpGemv, ffnDownGemv)', { gemvFfn: true }],
  ['GEMV decode FFN with split-K 4 in the down projection', { gemvFfn: true, gemvSplitK: 4 }],
  ['tiled FFN on every layer (no GEMV path)', { gemvFfn: false }],
];

export async function makeEngine(kernels: KernelOptions = {}): Promise<MoeEngine> {
  const gpu = await nodeDevice();
  return createMoeEngine(gpu.device, gpu.summary, loadNodeShaders(), {
    kernels,
    reacquire: async () => {
      const next = await nodeDevice();
      return { device: next.device, summary: next.summary };
    },
  });
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

export function expectClose(got: Float32Array, want: Float32Array, rtol: number, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  const scale = Math.max(1e-30, maxAbs(want));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(
    worst / scale,
    `${what}: worst error ${worst} at ${at} (got ${got[at]}, want ${want[at]}), scale ${scale}`,
  ).toBeLessThanOrEqual(rtol);
}

export function expectInts(got: Int32Array, want: Int32Array, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      expect.fail(`${what}[${i}] = ${got[i]}, reference ${want[i]} (first difference)`);
    }
  }
}

/**
 * Run the layer on the GPU and on the CPU reference, and compare every output. Integer outputs are compared
 * exactly against the reference fed the GPU's own logits (so the comparison tests the gate and dispatch, not
 * f32-vs-f64 GEMM rounding), and also against the reference from scratch when `exactFromScratch`.
 */
export async function checkLayer(
  engine: MoeEngine,
  cfg: LayerConfig,
  tensors: LayerTensors,
  opts: { exactFromScratch?: boolean } = {},
): Promise<{ gpu: EngineRun; ref: LayerResult }> {
  const gpu = await engine.run(cfg, tensors, { trials: 1, warmup: 0 });
  const g = gpu.result;
  const scratch = runReferenceLayer(cfg, tensors);
  expectClose(g.logits, scratch.logits, LOGIT_RTOL, 'logits');
  const ref = tensors.logits ? scratch : runReferenceLayer(cfg, { ...tensors, logits: g.logits });
  expectInts(g.topkIds, ref.topkIds, 'topkIds');
  expectInts(g.counts, ref.counts, 'counts');
  expectInts(g.kept, ref.kept, 'kept');
  expectInts(g.offsets, ref.offsets, 'offsets');
  expectInts(g.positions, ref.positions, 'positions');
  expectInts(g.ecTokens, ref.ecTokens, 'ecTokens');
  expect(g.capacity).toBe(ref.capacity);
  expectClose(g.topkWeights, ref.topkWeights, WEIGHT_RTOL, 'topkWeights');
  expectClose(g.y, ref.y, Y_RTOL, 'y');
  if (opts.exactFromScratch ?? true) {
    expectInts(g.topkIds, scratch.topkIds, 'topkIds (reference from scratch)');
    expectInts(g.counts, scratch.counts, 'counts (reference from scratch)');
    expectInts(g.ecTokens, scratch.ecTokens, 'ecTokens (reference from scratch)');
  }
  return { gpu, ref };
}
