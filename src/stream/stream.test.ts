import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { importToLoadProfile, projectScenario, toLoadProfile } from '../costmodel';
import { distinctExpertsVariance, placeExperts } from '../metrics';
import { defaultScenario, type Scenario } from '../scenario';
import {
  type CountTable,
  choiceCounts,
  layerConfigFromScenario,
  parseImport,
  Rng,
  type TokenChoices,
  writeNpy,
} from '../workload';
import {
  chipLoads,
  cpuRunner,
  decodeSparsity,
  eplbPlacement,
  generatedSource,
  importedSource,
  runStream,
  spreadLayers,
  uniformSource,
} from '.';

// Hundreds of layer runs per test: generous limits for a shared, loaded machine (each takes ~1 s alone).
vi.setConfig({ testTimeout: 30_000 });

/** A small scenario: routing-sized layers so the CPU reference runs hundreds of steps in a second. */
const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  dModel: 32,
  ffnSize: 8,
  experts: 16,
  topK: 2,
  tokens: 64,
  moeLayers: 3,
  steps: 6,
  ...over,
});

const quick = { bias: false, sparsity: false, placement: false } as const;
const busiest = (a: Float64Array) => Math.max(...a);

describe('runStream', () => {
  it('is deterministic by seed, in prefill and decode, and records steps × experts per layer', async () => {
    for (const phase of ['prefill', 'decode'] as const) {
      const s = scenario({ phase, seed: 11 });
      const a = await runStream(cpuRunner({ routingOnly: true }), s, quick);
      const b = await runStream(cpuRunner({ routingOnly: true }), s, quick);
      const c = await runStream(cpuRunner({ routingOnly: true }), { ...s, seed: 12 }, quick);
      expect(a.layers.map((l) => l.layerId)).toEqual([0, 1, 2]);
      for (const l of a.layers) {
        expect(l.counts.length).toBe(6 * 16);
        // Every step routes T·k slots.
        for (let n = 0; n < 6; n++)
          expect(l.counts.subarray(n * 16, (n + 1) * 16).reduce((x, v) => x + v, 0)).toBe(128);
      }
      expect(a.layers.map((l) => Array.from(l.counts))).toEqual(b.layers.map((l) => Array.from(l.counts)));
      expect(a.layers.map((l) => Array.from(l.counts))).not.toEqual(
        c.layers.map((l) => Array.from(l.counts)),
      );
      expect(Array.from(a.layerMatrix.subarray(16, 32))).toEqual(Array.from(a.layers[1].total));
      expect(a.summary.maxOverMean.n).toBe(18);
      expect(a.summary.maxOverMean.p50).toBeLessThanOrEqual(a.summary.maxOverMean.p95);
      expect(a.summary.maxOverMean.p95).toBeLessThanOrEqual(a.summary.maxOverMean.max);
      expect(a.phase).toBe(phase);
    }
  });

  it('routing-only counts equal the full CPU reference layer, and steps differ as topics drift', async () => {
    const s = scenario({ steps: 3, driftRate: 0.5, capacityFactor: 1, blockSize: 16 });
    const full = await runStream(cpuRunner(), s, quick);
    const routing = await runStream(cpuRunner({ routingOnly: true }), s, quick);
    for (let i = 0; i < full.layers.length; i++) {
      expect(Array.from(routing.layers[i].counts)).toEqual(Array.from(full.layers[i].counts));
      expect(Array.from(routing.layers[i].kept)).toEqual(Array.from(full.layers[i].kept));
    }
    expect(full.capacity).toBe(8);
    expect(full.summary.droppedFraction.max).toBeGreaterThan(0);
    expect(full.notes.some((n) => n.includes('routing only'))).toBe(false);
    expect(routing.notes.some((n) => n.includes('routing only'))).toBe(true);
  });

  it('measures at most 8 layers, spread evenly, and says so', async () => {
    expect(spreadLayers(27, 8)).toEqual([0, 4, 7, 11, 15, 19, 22, 26]);
    expect(spreadLayers(3, 8)).toEqual([0, 1, 2]);
    const r = await runStream(cpuRunner({ routingOnly: true }), scenario({ moeLayers: 20, steps: 1 }), quick);
    expect(r.layers.length).toBe(8);
    expect(r.totalLayers).toBe(20);
    expect(r.notes[0]).toMatch(/^8 of 20 MoE layers measured/);
  });

  it('feeds the cost model a LoadProfile with per-step counts', async () => {
    const r = await runStream(
      cpuRunner({ routingOnly: true }),
      scenario({ phase: 'decode', tokens: 8 }),
      quick,
    );
    const p = toLoadProfile(r);
    expect([p.source, p.experts, p.topK, p.phase, p.layers.length]).toEqual(['measured', 16, 2, 'decode', 3]);
    const l = p.layers[1];
    expect(l.tokens).toBe(48);
    expect(l.stepTokens).toBe(8);
    expect(l.steps?.length).toBe(6);
    expect(Array.from(l.steps?.[2] ?? [])).toEqual(Array.from(r.layers[1].counts.subarray(32, 48)));
    // With drops the per-step rows are left out and kept carries them.
    const dropped = toLoadProfile(
      await runStream(cpuRunner({ routingOnly: true }), scenario({ capacityFactor: 0.5 }), quick),
    );
    expect(dropped.layers[0].steps).toBeUndefined();
    const kept = dropped.layers[0].kept as ArrayLike<number>;
    expect(Array.from(kept).reduce((a, b) => a + b, 0)).toBeLessThan(6 * 128);
  });
});

describe('the cost model on a measured decode stream', () => {
  it('uses the distinct experts each step really touched, not the uniform expectation', async () => {
    const s = scenario({
      phase: 'decode',
      tokens: 8,
      steps: 12,
      moeLayers: 4,
      chipCount: 8,
      expertParallel: 8,
    });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, quick);
    const measured = projectScenario(s, 'h100', toLoadProfile(r)).load.distinctExperts;
    const uniform = projectScenario(s, 'h100').load.distinctExperts;
    expect(measured).toBeCloseTo(r.summary.distinctExperts.mean, 9);
    // Uniform routing would touch E·(1 − (1 − k/E)^B) = 10.5 of 16 experts with B = 8; the stream touches fewer.
    expect(uniform).toBeCloseTo(16 * (1 - (1 - 2 / 16) ** 8), 6);
    expect(measured).toBeLessThan(uniform);
  });
});

describe('bias balancing (DeepSeek-V3 style)', () => {
  const skewed = scenario({
    popularitySkew: 1.5,
    tokens: 256,
    steps: 48,
    moeLayers: 1,
    topicConcentration: 0.3,
  });

  it('reduces max/mean on a skewed stream with sigmoid scores (DeepSeek-V3), starting from the plain stream', async () => {
    const r = await runStream(
      cpuRunner({ routingOnly: true }),
      { ...skewed, scoreFn: 'sigmoid' },
      { sparsity: false, placement: false },
    );
    const b = r.bias;
    if (!b) throw new Error('no bias result');
    expect(b.steps).toBe(48);
    // Step 0 runs with zero bias: identical to the plain stream.
    expect(b.balanced[0]).toBe(b.baseline[0]);
    expect(Array.from(b.baseline)).toEqual(Array.from(r.layers[0].series.maxOverMean));
    // The plain stream stays skewed; the balanced one settles far lower, within a few steps.
    expect(b.tailBaseline).toBeGreaterThan(3);
    expect(b.tailBalanced).toBeLessThan(0.5 * b.tailBaseline);
    expect(b.stepsToHalve).not.toBeNull();
    expect(b.stepsToHalve).toBeLessThan(10);
    // Hot experts got negative bias, cold ones positive: the bias correlates negatively with the plain load.
    const load = r.layers[0].total;
    const bias = b.layers[0].finalBias;
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((x, v) => x + v, 0) / a.length;
    const ml = mean(load);
    const mb = mean(bias);
    let cov = 0;
    for (let e = 0; e < 16; e++) cov += (load[e] - ml) * (bias[e] - mb);
    expect(cov).toBeLessThan(0);
  });

  it('reduces max/mean with softmax scores too, more slowly', async () => {
    const r = await runStream(cpuRunner({ routingOnly: true }), skewed, {
      sparsity: false,
      placement: false,
    });
    const b = r.bias;
    if (!b) throw new Error('no bias result');
    expect(b.tailBalanced).toBeLessThan(0.8 * b.tailBaseline);
  });

  it('runs at least 32 steps for a short generated stream, and is skipped where it cannot act', async () => {
    const r = await runStream(cpuRunner({ routingOnly: true }), scenario({ steps: 2 }), {
      sparsity: false,
      placement: false,
    });
    expect(r.bias?.steps).toBe(32);
    expect(r.bias?.layers.length).toBe(1);
    const ec = await runStream(cpuRunner({ routingOnly: true }), scenario({ routingMode: 'expert-choice' }), {
      sparsity: false,
      placement: false,
    });
    expect(ec.bias).toBeUndefined();
    expect(ec.notes.join(' ')).toMatch(/bias balancing skipped: it needs token-choice routing/);
  });
});

describe('EPLB placement', () => {
  const arbLoad = fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 64 });

  it('never leaves a chip above the plain placement’s busiest chip (on the load it was placed from)', () => {
    fc.assert(
      fc.property(
        arbLoad,
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 40 }),
        (load, ranks, redundant) => {
          const plain = placeExperts(load, ranks, 'round-robin');
          const eplb = eplbPlacement(load, ranks, redundant);
          expect(busiest(chipLoads(load, eplb))).toBeLessThanOrEqual(busiest(chipLoads(load, plain)));
          // Every expert is placed at least once and the load is conserved.
          expect(Array.from(eplb.replicas).every((r) => r >= 1)).toBe(true);
          const total = chipLoads(load, eplb).reduce((a, b) => a + b, 0);
          expect(total).toBeCloseTo(
            load.reduce((a, b) => a + b, 0),
            6,
          );
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('keeps plain where greedy packing would be worse (a known case) and says so', () => {
    // Round-robin over 3 chips is perfect here (9, 9, 9); greedy packing by load with 3 slots per chip would reach 11.
    const load = [3, 5, 5, 3, 4, 4, 3];
    const greedy = placeExperts(load, 3, 'eplb', 0);
    expect(greedy.fellBack).toBe(true);
    expect(busiest(chipLoads(load, greedy))).toBe(9);
    const chosen = eplbPlacement(load, 3, 0);
    expect(chosen.fellBack).toBe(true);
    expect(busiest(chipLoads(load, chosen))).toBe(9);
  });

  it('reports plain vs EPLB busiest chip per layer of a skewed stream', async () => {
    const s = scenario({ popularitySkew: 1.2, expertParallel: 4, redundantExperts: 4, steps: 8 });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, { bias: false, sparsity: false });
    const p = r.placement;
    if (!p) throw new Error('no placement');
    expect([p.ranks, p.redundant, p.layers.length]).toEqual([4, 4, 3]);
    for (const l of p.layers) {
      expect(l.eplbBusiest).toBeLessThanOrEqual(l.plainBusiest);
      expect(l.eplbBalancedness).toBeGreaterThan(l.plainBalancedness);
      expect(l.meanChip).toBeCloseTo((8 * 128) / 4, 9);
      expect(Array.from(l.replicas).reduce((a, b) => a + b, 0)).toBe(16 + (l.fellBack ? 0 : 4));
      expect(l.perStep.eplb.n).toBe(8);
    }
  });
});

describe('decode sparsity curve', () => {
  const batchSizes = [1, 2, 4, 8, 16, 32, 64];
  const STEPS = 150;
  // Family-wise: 7 batch sizes, each |z| < 4 has probability 6.3e-5 of failing by chance (Bonferroni: < 5e-4).
  const Z = 4;
  const s = scenario({
    experts: 64,
    topK: 6,
    dModel: 64,
    moeLayers: 1,
    popularitySkew: 0,
    topicConcentration: 0,
    driftRate: 0,
  });
  const cfg = layerConfigFromScenario(s);

  it('matches E·(1 − (1 − k/E)^B) within sampling error under uniform routing', async () => {
    // Uniform routing comes from i.i.d. normal logits (exactly uniform top-k sets): the generator's knobs cannot
    // reach it (see the next test). The tolerance is z standard errors of the mean over the steps, with the exact
    // variance of distinct experts under uniform top-k (distinctExpertsVariance, at most the binomial E·u·(1−u)).
    const curve = await decodeSparsity(cpuRunner({ routingOnly: true }), batchSizes, (b) =>
      uniformSource(s, cfg, { steps: STEPS, tokens: b }),
    );
    expect(curve.source).toBe('uniform');
    for (const p of curve.points) {
      const se = Math.sqrt(distinctExpertsVariance(64, 6, p.batch) / STEPS);
      expect(Math.abs(p.measured - p.uniform), `B = ${p.batch}`).toBeLessThanOrEqual(Z * se + 1e-9);
      expect(p.uniformStd).toBeCloseTo(Math.sqrt(distinctExpertsVariance(64, 6, p.batch)), 12);
    }
    expect(curve.points[0]).toMatchObject({ batch: 1, measured: 6, uniform: 6 });
  });

  it('with the generator at zero skew, never exceeds the uniform curve (topic affinity only removes experts)', async () => {
    // With driftRate 1 every slot starts a new sequence each step, so a step's B tokens are i.i.d. and steps are
    // independent. For i.i.d. tokens with expert probabilities p_e (Σ p_e = k), E[distinct] = Σ 1 − (1 − p_e)^B ≤
    // E·(1 − (1 − k/E)^B) by convexity, with equality only when every p_e = k/E. Topic affinities keep p_e unequal
    // even at zero skew and concentration, so the curve sits well below the formula (about 10 of 64 experts at
    // B = 16), which is why the previous test takes uniform routing from i.i.d. logits. Tolerance: z standard errors
    // of the mean from the measured spread (this generator's variance is not the uniform one).
    const fresh = { ...s, driftRate: 1 };
    const curve = await decodeSparsity(cpuRunner({ routingOnly: true }), batchSizes, (b) =>
      generatedSource(fresh, cfg, { steps: STEPS, tokens: b, phase: 'decode', layers: [0] }),
    );
    for (const p of curve.points) {
      expect(p.measured, `B = ${p.batch}`).toBeLessThanOrEqual(
        p.uniform + (Z * p.measuredStd) / Math.sqrt(STEPS) + 1e-9,
      );
    }
    const mid = curve.points.find((p) => p.batch === 16);
    expect(mid && mid.uniform - mid.measured).toBeGreaterThan(5);
  });

  it('runStream adds the curve for generated streams', async () => {
    const r = await runStream(cpuRunner({ routingOnly: true }), scenario({ tokens: 8 }), {
      bias: false,
      placement: false,
      sparsity: { batchSizes: [1, 4, 8], steps: 4 },
    });
    expect(r.sparsity?.points.map((p) => p.batch)).toEqual([1, 4, 8]);
    expect(r.sparsity?.points[0].measured).toBe(2);
  });
});

describe('imported traces as streams', () => {
  const T = 96;
  const L = 3;
  const E = 16;
  const k = 4;
  const rng = Rng.from(2, 'trace');
  const ids = new Int32Array(T * L * k);
  for (let c = 0; c < T * L; c++) {
    const pool = Array.from({ length: E }, (_, e) => e);
    // Skewed choices: the low ids are picked far more often.
    for (let j = 0; j < k; j++) ids[c * k + j] = pool.splice(Math.floor(rng.next() ** 2 * pool.length), 1)[0];
  }
  const choices = parseImport('trace.npy', writeNpy(ids, [T, L, k]), { experts: E }) as TokenChoices;

  it('replays recorded choices through the whole layer and gets their counts back exactly', async () => {
    const s = scenario({ tokens: 32, experts: 64, topK: 1, useBias: true });
    const cfg = layerConfigFromScenario(s);
    const source = importedSource(s, cfg, choices, { tokens: 32, maxLayers: 2 });
    expect([source.steps, source.layerIds, source.cfg.experts, source.cfg.topK]).toEqual([3, [0, 2], E, k]);
    const r = await runStream(cpuRunner(), s, { source, sparsity: false });
    expect(r.source).toBe('imported');
    expect(r.bias).toBeUndefined();
    expect(r.notes.join(' ')).toMatch(/replayed choices are fixed/);
    r.layers.forEach((layer, i) => {
      const l = [0, 2][i];
      for (let n = 0; n < 3; n++) {
        expect(Array.from(layer.counts.subarray(n * E, (n + 1) * E))).toEqual(
          Array.from(choiceCounts(choices, l, n * 32, (n + 1) * 32)),
        );
      }
    });
    expect(toLoadProfile(r).source).toBe('imported');
  });

  it('takes imported router logits through the scenario’s gate, bias what-if included', async () => {
    const logits = new Float32Array(2 * 64 * E);
    const g = Rng.from(3, 'logits');
    for (let i = 0; i < logits.length; i++) logits[i] = g.normal() + (i % E < 3 ? 1.5 : 0);
    const data = parseImport('l.npy', writeNpy(logits, [2, 64, E]));
    if (data.format !== 'router-logits') throw new Error(data.format);
    const s = scenario({ tokens: 16, topK: 2 });
    const source = importedSource(s, layerConfigFromScenario(s), data);
    const r = await runStream(cpuRunner({ routingOnly: true }), s, { source, sparsity: false });
    expect(r.steps).toBe(4);
    expect(r.bias?.steps).toBe(4);
    expect(r.sparsity).toBeUndefined();
  });

  it('replaying the recorded ESFT law trace reproduces its README: per-batch max/mean (median, p95) by batch size', async () => {
    // public/data/routing/README.md: "1024-token batches 3.35 and 6.0, 256 → 3.54 and 6.1, 64 → 4.17 and 7.3,
    // 16 → 5.33 and 8.7", over 64 experts and all 26 layers.
    const file = resolve(__dirname, '../../public/data/routing/esft_vanilla_lite_law_topk_ids.npy');
    const law = parseImport('law.npy', new Uint8Array(readFileSync(file)), { experts: 64 }) as TokenChoices;
    const want: [number, number, number][] = [
      [1024, 3.35, 6.0],
      [256, 3.54, 6.1],
      [64, 4.17, 7.3],
      [16, 5.33, 8.7],
    ];
    for (const [T, p50, p95] of want) {
      const s = scenario({ tokens: T, experts: 64, topK: 6, moeLayers: 26, dModel: 8, ffnSize: 4 });
      const source = importedSource(s, layerConfigFromScenario(s), law, { maxLayers: 26 });
      const r = await runStream(cpuRunner({ routingOnly: true }), s, { source, ...quick });
      expect(r.layers.length).toBe(26);
      expect(r.steps).toBe(Math.floor(8327 / T));
      expect(Math.abs(r.summary.maxOverMean.p50 - p50), `T = ${T} median`).toBeLessThanOrEqual(0.005);
      expect(Math.abs(r.summary.maxOverMean.p95 - p95), `T = ${T} p95`).toBeLessThanOrEqual(0.05);
    }
  }, 60_000);

  it('count tables and choices become LoadProfiles without kernels', () => {
    const t = parseImport('c.csv', 'layer_id,expert_id,count\n1,0,6\n1,1,2\n2,0,4\n2,1,4\n') as CountTable;
    const p = importToLoadProfile(t, { topK: 2 });
    expect([p.source, p.experts, p.topK, p.layers.length, p.layers[0].tokens]).toEqual([
      'imported',
      2,
      2,
      2,
      4,
    ]);
    expect(() => importToLoadProfile(t)).toThrow(/top-k/);
    const q = importToLoadProfile(choices);
    expect([q.topK, q.layers.length, q.layers[2].tokens]).toEqual([k, L, T]);
  });
});
