/**
 * The whole MoE layer on real WebGPU (Dawn + SwiftShader) against the CPU reference, for every routing variant
 * and the edge cases. Each run checks every stage's output: logits (router GEMM), ids and weights (gate), counts
 * (count), kept and offsets (offsets), positions / ecTokens (scatter), y (expert FFN + combine).
 * Integers must be equal; floats within WEIGHT_RTOL / Y_RTOL / LOGIT_RTOL (see layerHelpers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoeEngine } from '../../src/gpu';
import type { LayerConfig } from '../../src/workload';
import { Rng } from '../../src/workload';
import { baseConfig, checkLayer, KERNEL_PATHS, makeEngine, randomTensors } from './layerHelpers';

/** Logits [T, E] supplied directly: normal noise times `scale`, plus per-expert offsets. */
function logitsFor(cfg: LayerConfig, seed: number, scale: number, offset: (e: number) => number = () => 0) {
  const rng = Rng.from(seed, 'logits');
  const l = new Float32Array(cfg.tokens * cfg.experts);
  rng.fillNormal(l, scale);
  for (let i = 0; i < l.length; i++) l[i] += offset(i % cfg.experts);
  return l;
}

describe.each(KERNEL_PATHS)('MoE layer on the GPU vs the CPU reference — %s', (_path, kernels) => {
  let engine: MoeEngine;
  beforeAll(async () => {
    engine = await makeEngine(kernels);
  });
  afterAll(() => engine?.destroy());

  const cases: [string, Partial<LayerConfig>][] = [
    ['softmax top-2, dropless', {}],
    ['T = 1', { tokens: 1 }],
    [
      'T not a multiple of the workgroup size, E = 7 (not a power of two), k = 3',
      { tokens: 333, experts: 7, topK: 3 },
    ],
    ['k = 1', { topK: 1, tokens: 130 }],
    ['k = E', { topK: 8, tokens: 70 }],
    ['k = 12 of E = 16 (past the one-pass top-k: k passes)', { topK: 12, experts: 16, tokens: 45 }],
    [
      'k = 6 with dropped slots (the second register group of the vec4 combine)',
      { topK: 6, experts: 16, tokens: 91, capacityFactor: 0.5 },
    ],
    [
      'T·k = 19,998 pairs in 79 count chunks, capacity drops (T·k not a multiple of 4)',
      { tokens: 6666, topK: 3, experts: 16, dModel: 8, ffnSize: 8, capacityFactor: 0.9 },
    ],
    [
      'sigmoid + selection bias, renormalised, route scale 2.5',
      { scoreFn: 'sigmoid', useBias: true, routeScale: 2.5 },
    ],
    ['sigmoid, not renormalised', { scoreFn: 'sigmoid', renormalize: false }],
    [
      'group-limited softmax (4 groups, top-2 groups, k = 3)',
      { experts: 16, groups: 4, topGroups: 2, topK: 3 },
    ],
    [
      'group-limited sigmoid + bias (DeepSeek-V3 style)',
      { experts: 16, groups: 8, topGroups: 4, topK: 4, scoreFn: 'sigmoid', useBias: true, routeScale: 2.5 },
    ],
    ['capacity factor 0.5 drops tokens (position policy)', { capacityFactor: 0.5, tokens: 200 }],
    [
      'capacity factor 0.5 drops tokens (probability policy)',
      { capacityFactor: 0.5, dropPolicy: 'probability' },
    ],
    ['probability policy, dropless (order by score)', { dropPolicy: 'probability', tokens: 150 }],
    ['block padding 16', { blockSize: 16 }],
    ['block padding 64 with capacity', { blockSize: 64, capacityFactor: 1.25 }],
    ['shared experts (2, fs = 16)', { sharedExperts: 2, sharedFfnSize: 16 }],
    ['expert-choice, softmax', { routingMode: 'expert-choice' }],
    [
      'expert-choice, sigmoid, cf 2, block 16',
      { routingMode: 'expert-choice', scoreFn: 'sigmoid', capacityFactor: 2, blockSize: 16 },
    ],
    [
      'expert-choice with a shared expert',
      { routingMode: 'expert-choice', tokens: 37, sharedExperts: 1, sharedFfnSize: 8 },
    ],
    [
      'decode step: T = 32, d = 128, f = 256, E = 16, k = 2',
      { tokens: 32, dModel: 128, ffnSize: 256, experts: 16 },
    ],
    [
      'f and d not multiples of a GEMV slice (d = 36, f = 260), 3 rows per expert',
      { tokens: 12, dModel: 36, ffnSize: 260, experts: 8 },
    ],
    [
      'split-K share past K (f = 8: fewer k-quads than shares)',
      { tokens: 9, dModel: 12, ffnSize: 8, experts: 4 },
    ],
    [
      'larger: T = 512, d = 128, f = 128, E = 16, k = 4 (multi-pass sort)',
      { tokens: 512, dModel: 128, ffnSize: 128, experts: 16, topK: 4 },
    ],
  ];
  for (const [name, over] of cases) {
    it(name, async () => {
      const cfg = baseConfig(over);
      await checkLayer(engine, cfg, randomTensors(cfg, name.length));
    });
  }

  it('ties in scores: duplicated router columns go to the lower expert index', async () => {
    const cfg = baseConfig({ tokens: 90, topK: 3 });
    const t = randomTensors(cfg, 7);
    const E = cfg.experts;
    for (let i = 0; i < cfg.dModel; i++) {
      t.router[i * E + 5] = t.router[i * E + 2];
      t.router[i * E + 6] = t.router[i * E + 2];
    }
    const { gpu } = await checkLayer(engine, cfg, t);
    // Experts 2, 5, 6 score identically: whenever two of them are chosen, the lower index comes first.
    const ids = gpu.result.topkIds;
    let both = 0;
    for (let tok = 0; tok < cfg.tokens; tok++) {
      const row = Array.from(ids.subarray(tok * 3, tok * 3 + 3));
      if (row.includes(5)) expect(row.indexOf(2)).toBeGreaterThanOrEqual(0);
      if (row.includes(2) && row.includes(5)) both++;
    }
    expect(both).toBeGreaterThan(0);
  });

  it('exact ties with the probability policy and capacity (token index breaks them)', async () => {
    const cfg = baseConfig({ tokens: 64, capacityFactor: 0.75, dropPolicy: 'probability' });
    const t = randomTensors(cfg, 9);
    // Many identical tokens: identical scores per expert, so only the token index can order them.
    for (let tok = 1; tok < cfg.tokens; tok += 2) t.x.copyWithin(tok * cfg.dModel, 0, cfg.dModel);
    await checkLayer(engine, cfg, t);
  });

  it('logits near ±100 (softmax and sigmoid saturate without NaN)', async () => {
    for (const scoreFn of ['softmax', 'sigmoid'] as const) {
      const cfg = baseConfig({ tokens: 50, scoreFn, topK: 2 });
      const t = randomTensors(cfg, 3);
      t.logits = logitsFor(cfg, 4, 3, (e) => (e % 2 ? 100 : -100));
      const { gpu } = await checkLayer(engine, cfg, t);
      expect(gpu.result.topkWeights.every(Number.isFinite)).toBe(true);
      expect(gpu.result.y.every(Number.isFinite)).toBe(true);
    }
  });

  it('supplied logits skip the router GEMM; an expert with zero tokens', async () => {
    const cfg = baseConfig({ tokens: 120, experts: 6 });
    const t = randomTensors(cfg, 5);
    t.logits = logitsFor(cfg, 6, 1, (e) => (e === 3 ? -30 : 0));
    t.router = new Float32Array(0);
    const { gpu } = await checkLayer(engine, cfg, t);
    expect(gpu.result.counts[3]).toBe(0);
    expect(gpu.stages.map((s) => s.name)).not.toContain('router');
  });

  it('reports per-stage timestamps, the adapter, and compiles nothing on a re-run that changes no shader', async () => {
    const cfg = baseConfig({ tokens: 64 });
    const first = await engine.run(cfg, randomTensors(cfg, 1), { trials: 3, warmup: 1 });
    expect(first.adapter.label.length).toBeGreaterThan(0);
    for (const s of first.stages) {
      expect(s.samples).toBeGreaterThan(0);
      expect(s.medianMs).toBeGreaterThanOrEqual(s.minMs);
    }
    const before = engine.compileCount;
    const changed = baseConfig({ tokens: 77, routeScale: 1.5, topK: 3, capacityFactor: 1, blockSize: 16 });
    const second = await engine.run(changed, randomTensors(changed, 2), { trials: 1, warmup: 0 });
    expect(second.compiledPipelines).toBe(0);
    expect(engine.compileCount).toBe(before);
  });

  it('an aborted run rejects', async () => {
    const cfg = baseConfig();
    const ac = new AbortController();
    ac.abort();
    await expect(
      engine.run(cfg, randomTensors(cfg), { trials: 1, warmup: 0, signal: ac.signal }),
    ).rejects.toThrow();
  });

  it('refuses a config the reference refuses, with the same message', async () => {
    const cfg = baseConfig({ experts: 8, groups: 4, topGroups: 1, topK: 3 });
    await expect(engine.run(cfg, randomTensors(cfg), { trials: 1, warmup: 0 })).rejects.toThrow(
      /fewer than k = 3/,
    );
  });

  it('recovers from device loss on the next run', async () => {
    const cfg = baseConfig({ tokens: 40 });
    const t = randomTensors(cfg, 11);
    engine.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await checkLayer(engine, cfg, t);
  });
});
