import { describe, expect, it } from 'vitest';
import { loadMetrics } from '../metrics';
import { count, gate, routerLogits, runReferenceLayer } from '../reference';
import { defaultScenario, type Scenario } from '../scenario';
import { layerConfigFromScenario } from './layer';
import { expectedShapes } from './shapes';
import {
  expertPopularity,
  generateBias,
  generateHiddenStates,
  generateLayerTensors,
  generateRouter,
  tokenTopics,
  topicMix,
} from './tensors';

const scenario = (over: Partial<Scenario> = {}): Scenario => ({ ...defaultScenario(), ...over });

/** FNV-1a over the bytes of a typed array: a compact fingerprint of exact contents. */
function fingerprint(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16);
}

/** Mean max/mean expert load of the gate over a few seeds (T = 512, d = 64, E = 16, k = 2). */
function imbalance(over: Partial<Scenario>, seeds = 4): number {
  let total = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const s = scenario({ tokens: 512, dModel: 64, seed, ...over });
    const cfg = layerConfigFromScenario(s);
    const logits = routerLogits(
      generateHiddenStates(s, cfg),
      generateRouter(s, cfg),
      cfg.tokens,
      cfg.dModel,
      cfg.experts,
    );
    const g = gate(cfg, logits, generateBias(s, cfg));
    total += loadMetrics({
      counts: count(g.topkIds, cfg.experts),
      tokens: cfg.tokens,
      topK: cfg.topK,
    }).maxOverMean;
  }
  return total / seeds;
}

describe('generateLayerTensors', () => {
  it('gives every tensor its contract shape', () => {
    const s = scenario({ sharedExperts: 2, sharedFfnSize: 96, useBias: true });
    const cfg = layerConfigFromScenario(s);
    const t = generateLayerTensors(s, cfg);
    const shapes = expectedShapes(cfg);
    for (const name of [
      'x',
      'router',
      'bias',
      'w1',
      'w3',
      'w2',
      'sharedW1',
      'sharedW3',
      'sharedW2',
    ] as const) {
      expect(t[name].length, name).toBe(shapes[name].reduce((n, dim) => n * dim.size, 1));
    }
    expect(t.logits).toBeUndefined();
  });

  it('is bit-identical for a seed (known values and fingerprints) and differs across seeds', () => {
    // Shape pinned explicitly: the fingerprints must not move when the app's defaults do.
    const s = scenario({ dModel: 256, ffnSize: 512 });
    const cfg = layerConfigFromScenario(s);
    const a = generateLayerTensors(s, cfg);
    const b = generateLayerTensors(s, cfg);
    for (const name of ['x', 'router', 'bias', 'w1', 'w3', 'w2'] as const) {
      expect(fingerprint(a[name]), name).toBe(fingerprint(b[name]));
    }
    expect(Array.from(a.x.subarray(0, 4))).toEqual(
      [-0.45983269810676575, -0.0038658645935356617, 0.6006262302398682, 0.516833484172821].map(Math.fround),
    );
    expect(Array.from(a.w1.subarray(0, 2))).toEqual(
      [-0.046485621482133865, -0.03693537786602974].map(Math.fround),
    );
    expect([fingerprint(a.x), fingerprint(a.router), fingerprint(a.w2)]).toEqual(FINGERPRINTS);
    const other = generateLayerTensors(scenario({ seed: 2 }), cfg);
    expect(fingerprint(other.x)).not.toBe(fingerprint(a.x));
    expect(fingerprint(other.router)).not.toBe(fingerprint(a.router));
  });

  it('keeps hidden states and expert outputs O(1)', () => {
    const s = scenario({ tokens: 64 });
    const cfg = layerConfigFromScenario(s);
    const t = generateLayerTensors(s, cfg);
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((acc, v) => acc + v * v, 0) / a.length);
    expect(rms(t.x)).toBeGreaterThan(0.8);
    expect(rms(t.x)).toBeLessThan(1.25);
    const y = runReferenceLayer(cfg, t).y;
    expect(rms(y)).toBeGreaterThan(0.05);
    expect(rms(y)).toBeLessThan(5);
  });

  it('step changes the hidden states only; layer changes the router and weights only', () => {
    const s = scenario({ layerCorrelation: 0.5 });
    const cfg = layerConfigFromScenario(s);
    const base = generateLayerTensors(s, cfg);
    const step1 = generateLayerTensors(s, cfg, { step: 1 });
    const layer1 = generateLayerTensors(s, cfg, { layer: 1 });
    expect(fingerprint(step1.x)).not.toBe(fingerprint(base.x));
    expect(fingerprint(step1.router)).toBe(fingerprint(base.router));
    expect(fingerprint(layer1.x)).toBe(fingerprint(base.x));
    expect(fingerprint(layer1.router)).not.toBe(fingerprint(base.router));
    expect(fingerprint(layer1.w1)).not.toBe(fingerprint(base.w1));
  });

  it('layer correlation 1 gives every layer the same router; 0 gives unrelated ones', () => {
    const cfg = layerConfigFromScenario(scenario());
    const same = scenario({ layerCorrelation: 1 });
    expect(fingerprint(generateRouter(same, cfg, 3))).toBe(fingerprint(generateRouter(same, cfg, 0)));
    const corr = (rho: number) => {
      const s = scenario({ layerCorrelation: rho });
      const a = generateRouter(s, cfg, 0);
      const b = generateRouter(s, cfg, 1);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(Math.abs(corr(0))).toBeLessThan(0.15);
    expect(corr(0.5)).toBeGreaterThan(0.3);
    expect(corr(0.5)).toBeLessThan(0.7);
    const pop = (rho: number, layer: number) =>
      Array.from(expertPopularity(scenario({ layerCorrelation: rho, popularitySkew: 1 }), 16, layer));
    expect(pop(1, 5)).toEqual(pop(1, 0));
  });

  it('bias is zero unless used, then small and against the popular experts', () => {
    const s = scenario({ popularitySkew: 2 });
    expect(generateBias(s, layerConfigFromScenario(s)).every((v) => v === 0)).toBe(true);
    const withBias = scenario({ popularitySkew: 2, useBias: true, scoreFn: 'sigmoid' });
    const bias = generateBias(withBias, layerConfigFromScenario(withBias));
    const popularity = expertPopularity(withBias, withBias.experts);
    const hottest = popularity.indexOf(Math.max(...popularity));
    expect(bias[hottest]).toBeLessThan(0);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThan(0.5);
  });
});

describe('topics', () => {
  it('concentration 0 is uniform, 1 is one topic, and the top share grows in between', () => {
    const mix = (c: number) => Array.from(topicMix(scenario({ topics: 8, topicConcentration: c })));
    expect(mix(0)).toEqual(new Array(8).fill(1 / 8));
    expect(mix(1)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(mix(0.5)[0]).toBeGreaterThan(mix(0.25)[0]);
    expect(mix(0.75)[0]).toBeGreaterThan(mix(0.5)[0]);
    expect(mix(0.5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('drift moves the topic mix from step to step, and not at all at rate 0', () => {
    const still = scenario({ driftRate: 0 });
    expect(Array.from(topicMix(still, 10))).toEqual(Array.from(topicMix(still, 0)));
    const moving = scenario({ driftRate: 0.5 });
    const a = topicMix(moving, 0);
    const b = topicMix(moving, 20);
    const change = a.reduce((acc, v, m) => acc + Math.abs(v - b[m]), 0);
    expect(change).toBeGreaterThan(0.1);
    expect(Array.from(topicMix(moving, 0))).toEqual(Array.from(topicMix(still, 0)));
  });

  it('token topics follow the mix', () => {
    const s = scenario({ topics: 4, topicConcentration: 0.5 });
    const topics = tokenTopics(s, 20000);
    const mix = topicMix(s);
    for (let m = 0; m < 4; m++) expect(topics.filter((v) => v === m).length / 20000).toBeCloseTo(mix[m], 1);
  });
});

describe('skew knobs move the measured load (max/mean of the gate, mean of 4 seeds)', () => {
  it('topic concentration up → imbalance up', () => {
    const [lo, mid, hi] = [0, 0.5, 0.9].map((c) => imbalance({ topicConcentration: c }));
    expect(mid).toBeGreaterThan(lo);
    expect(hi).toBeGreaterThan(mid * 1.3);
  });
  it('router temperature up → imbalance down, towards uniform', () => {
    const [cold, warm, hot] = [0.25, 1, 4].map((t) => imbalance({ routerTemperature: t }));
    expect(cold).toBeGreaterThan(warm);
    expect(warm).toBeGreaterThan(hot * 1.3);
    expect(hot).toBeLessThan(2);
  });
  it('popularity skew up → imbalance up', () => {
    const [none, some, strong] = [0, 2, 4].map((p) => imbalance({ popularitySkew: p }));
    expect(some).toBeGreaterThan(none * 1.2);
    expect(strong).toBeGreaterThan(some * 1.2);
  });
  it('more topics → imbalance down', () => {
    const [one, eight, many] = [1, 8, 64].map((m) => imbalance({ topics: m }));
    expect(one).toBeGreaterThan(eight);
    expect(eight).toBeGreaterThan(many);
  });
  it('the selection bias counteracts popularity', () => {
    const over = { popularitySkew: 3, scoreFn: 'sigmoid' as const };
    expect(imbalance({ ...over, useBias: true })).toBeLessThan(imbalance({ ...over, useBias: false }) * 0.8);
  });
});

/**
 * FNV-1a of the default scenario's x, router and w2. The browser app, Node and the CLI must all produce these; a
 * deliberate change to the generator changes them (and every shared link's tensors), so update them knowingly.
 */
const FINGERPRINTS = ['b214211f', '98554321', 'b9fa1a73'];
