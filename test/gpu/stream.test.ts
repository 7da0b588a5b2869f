import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoeEngine } from '../../src/gpu';
import { defaultScenario, type Scenario } from '../../src/scenario';
import {
  cpuRunner,
  gpuRunner,
  importedSource,
  type LayerRunner,
  runStream,
  type StreamOptions,
} from '../../src/stream';
import {
  choiceCounts,
  generateLayerTensors,
  layerConfigFromScenario,
  parseImport,
  Rng,
  type TokenChoices,
  writeNpy,
} from '../../src/workload';
import { makeEngine } from './layerHelpers';

/** Small streams (d 16, f 8, E 8): about 50 layer runs in all, so the file stays well under a minute on SwiftShader. */
const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  dModel: 16,
  ffnSize: 8,
  experts: 8,
  topK: 2,
  tokens: 32,
  moeLayers: 2,
  popularitySkew: 1,
  ...over,
});

/** The same stream on the GPU and on the CPU reference: every count, kept count and bias step must match exactly. */
async function same(gpu: LayerRunner, s: Scenario, opts: StreamOptions) {
  const cfg = layerConfigFromScenario(s);
  const g = await runStream(gpu, s, { ...opts, cfg });
  const c = await runStream(cpuRunner(), s, { ...opts, cfg });
  expect(g.runner.engine).toBe('gpu');
  expect(g.layers.length).toBe(c.layers.length);
  g.layers.forEach((l, i) => {
    expect(Array.from(l.counts), `layer ${l.layerId} counts`).toEqual(Array.from(c.layers[i].counts));
    expect(Array.from(l.kept), `layer ${l.layerId} kept`).toEqual(Array.from(c.layers[i].kept));
  });
  expect(g.summary).toEqual(c.summary);
  return { g, c };
}

describe('streams on the GPU match the CPU reference', () => {
  let engine: MoeEngine;
  let gpu: LayerRunner;
  beforeAll(async () => {
    engine = await makeEngine();
    gpu = gpuRunner(engine);
  });
  afterAll(() => engine?.destroy());

  it('prefill with capacity and padding, and the bias-balancing what-if', async () => {
    const s = scenario({ steps: 6, capacityFactor: 1.25, blockSize: 16, scoreFn: 'sigmoid', driftRate: 0.3 });
    const { g, c } = await same(gpu, s, { bias: { steps: 6 }, sparsity: false });
    expect(g.summary.droppedFraction.max).toBeGreaterThan(0);
    expect(Array.from(g.bias?.balanced ?? [])).toEqual(Array.from(c.bias?.balanced ?? [1]));
    expect(Array.from(g.bias?.layers[0].finalBias ?? [])).toEqual(
      Array.from(c.bias?.layers[0].finalBias ?? [1]),
    );
    expect(g.runner.label).toMatch(/swiftshader|software|adapter|gpu/i);
  });

  it('decode with group-limited routing, and the sparsity curve', async () => {
    const s = scenario({ phase: 'decode', tokens: 8, steps: 5, groups: 4, topGroups: 2, driftRate: 0.2 });
    const { g, c } = await same(gpu, s, { bias: false, sparsity: { batchSizes: [1, 4, 16], steps: 3 } });
    expect(g.sparsity?.points.map((p) => p.measured)).toEqual(c.sparsity?.points.map((p) => p.measured));
    expect(g.sparsity?.points[0].measured).toBe(2);
  });

  it('routing only: the same counts with no expert FFN or combine run, and y zeros', async () => {
    const s = scenario({ steps: 3, capacityFactor: 1.25, sharedExperts: 1 });
    const routing = gpuRunner(engine, { routingOnly: true });
    expect(routing.info.routingOnly).toBe(true);
    const planned = routing.plan?.(s);
    expect(planned?.cfg.ffnSize).toBe(4);
    expect(planned?.cfg.sharedExperts).toBe(0);
    const { g } = await same(routing, s, { bias: false, sparsity: false });
    expect(g.notes.join(' ')).toMatch(/routing only/);
    const cfg = layerConfigFromScenario(s);
    const full = await engine.run(cfg, generateLayerTensors(s, cfg), { trials: 1, warmup: 0 });
    const only = await engine.run(cfg, generateLayerTensors(s, cfg), {
      trials: 1,
      warmup: 0,
      routingOnly: true,
    });
    expect(only.stages.map((st) => st.name)).not.toContain('ffn');
    expect(only.stages.map((st) => st.name)).not.toContain('combine');
    expect(full.stages.map((st) => st.name)).toContain('ffn');
    expect(Array.from(only.result.counts)).toEqual(Array.from(full.result.counts));
    expect(Array.from(only.result.kept)).toEqual(Array.from(full.result.kept));
    expect(only.result.y.every((v) => v === 0)).toBe(true);
    expect(full.result.y.some((v) => v !== 0)).toBe(true);
  });

  it('replays recorded expert choices exactly through the GPU pipeline', async () => {
    const T = 48;
    const L = 2;
    const k = 3;
    const E = 8;
    const rng = Rng.from(5, 'gpu-trace');
    const ids = new Int32Array(T * L * k);
    for (let cell = 0; cell < T * L; cell++) {
      const pool = Array.from({ length: E }, (_, e) => e);
      for (let j = 0; j < k; j++) ids[cell * k + j] = pool.splice(rng.int(pool.length), 1)[0];
    }
    const choices = parseImport('t.npy', writeNpy(ids, [T, L, k]), { experts: E }) as TokenChoices;
    const s = scenario({ tokens: 16 });
    const source = importedSource(s, layerConfigFromScenario(s), choices);
    const r = await runStream(gpu, s, { source, sparsity: false });
    expect(r.steps).toBe(3);
    r.layers.forEach((layer, l) => {
      for (let n = 0; n < 3; n++) {
        expect(Array.from(layer.counts.subarray(n * E, (n + 1) * E))).toEqual(
          Array.from(choiceCounts(choices, l, n * 16, (n + 1) * 16)),
        );
      }
    });
  });
});
