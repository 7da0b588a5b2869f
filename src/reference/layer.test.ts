import { describe, expect, it } from 'vitest';
import type { LayerConfig, LayerTensors } from '../workload';
import { TensorShapeError } from '../workload';
import { expertFfn, sharedExpertFfn } from './ffn';
import { scoresFromLogits } from './gate';
import { handleReferenceRequest, resultTransferables } from './protocol';
import { runReferenceLayer } from './runLayer';
import { layerConfig, randomTensors } from './testConfig';

/** y = (silu(x·W1) ⊙ x·W3)·W2 written as directly as possible, indices spelled out. */
function naiveSwiglu(
  x: ArrayLike<number>,
  xAt: number,
  d: number,
  f: number,
  w1: Float32Array,
  w3: Float32Array,
  w2: Float32Array,
  e: number,
): number[] {
  const out = new Array<number>(d).fill(0);
  for (let c = 0; c < f; c++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < d; i++) {
      a += x[xAt + i] * w1[e * d * f + i * f + c];
      b += x[xAt + i] * w3[e * d * f + i * f + c];
    }
    const h = (a / (1 + Math.exp(-a))) * b;
    for (let o = 0; o < d; o++) out[o] += h * w2[e * f * d + c * d + o];
  }
  return out;
}

/** The layer output from the gate's ids, weights and positions by the contract's formula. */
function naiveOutput(
  cfg: LayerConfig,
  t: LayerTensors,
  ids: Int32Array,
  weights: Float32Array,
  positions: Int32Array,
) {
  const { tokens: T, dModel: d, ffnSize: f, topK: k } = cfg;
  const y = new Float64Array(T * d);
  for (let tok = 0; tok < T; tok++) {
    for (let j = 0; j < k; j++) {
      if (positions[tok * k + j] < 0) continue;
      const r = naiveSwiglu(t.x, tok * d, d, f, t.w1, t.w3, t.w2, ids[tok * k + j]);
      for (let o = 0; o < d; o++) y[tok * d + o] += weights[tok * k + j] * r[o];
    }
    for (let s = 0; s < cfg.sharedExperts; s++) {
      const r = naiveSwiglu(t.x, tok * d, d, cfg.sharedFfnSize, t.sharedW1, t.sharedW3, t.sharedW2, s);
      for (let o = 0; o < d; o++) y[tok * d + o] += r[o];
    }
  }
  return y;
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, rel = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > rel * scale) expect(actual[i]).toBeCloseTo(expected[i], 6);
  }
}

describe('expert FFN and combine against the naive formula', () => {
  const cases: [string, Partial<LayerConfig>][] = [
    ['dropless', {}],
    ['shared experts', { sharedExperts: 2, sharedFfnSize: 5 }],
    ['capacity drops and padding', { capacityFactor: 0.75, blockSize: 16 }],
    [
      'probability policy, renormalised, route scale',
      { capacityFactor: 1, dropPolicy: 'probability', renormalize: true, routeScale: 2.5 },
    ],
    [
      'sigmoid, bias, groups',
      { experts: 6, topK: 3, scoreFn: 'sigmoid', useBias: true, groups: 3, topGroups: 2 },
    ],
    ['T = 1, k = E, E = 3', { tokens: 1, experts: 3, topK: 3 }],
  ];
  for (const [name, over] of cases) {
    it(name, () => {
      const cfg = layerConfig({ tokens: 13, dModel: 8, ffnSize: 6, experts: 5, topK: 2, ...over });
      const t = randomTensors(cfg, 7);
      const r = runReferenceLayer(cfg, t);
      expectClose(r.y, naiveOutput(cfg, t, r.topkIds, r.topkWeights, r.positions));
      const dropped = cfg.tokens * cfg.topK - r.kept.reduce((a, b) => a + b, 0);
      expect(r.positions.filter((p) => p < 0).length).toBe(dropped);
    });
  }

  it('padding rows of the expert buffer are zero', () => {
    const cfg = layerConfig({ tokens: 3, experts: 2, topK: 1 });
    const t = randomTensors(cfg);
    const rows = expertFfn(
      cfg,
      t.x,
      new Int32Array([2, -1, 0, -1]),
      new Int32Array([0, 2, 4]),
      t.w1,
      t.w3,
      t.w2,
    );
    expect(Array.from(rows.subarray(8, 16)).every((v) => v === 0)).toBe(true);
    expect(Array.from(rows.subarray(24, 32)).every((v) => v === 0)).toBe(true);
    expectClose(rows.subarray(0, 8), naiveSwiglu(t.x, 16, 8, 6, t.w1, t.w3, t.w2, 0));
    expectClose(rows.subarray(16, 24), naiveSwiglu(t.x, 0, 8, 6, t.w1, t.w3, t.w2, 1));
  });

  it('shared experts are zero when S = 0', () => {
    const cfg = layerConfig();
    const t = randomTensors(cfg);
    expect(sharedExpertFfn(cfg, t.x, t.sharedW1, t.sharedW3, t.sharedW2).every((v) => v === 0)).toBe(true);
  });
});

describe('runReferenceLayer', () => {
  it('expert-choice: each expert processes its chosen tokens, weights are score · route scale', () => {
    const cfg = layerConfig({
      tokens: 6,
      experts: 3,
      topK: 1,
      routingMode: 'expert-choice',
      capacityFactor: 1,
      routeScale: 1.5,
      blockSize: 16,
    });
    const t = randomTensors(cfg, 3);
    const r = runReferenceLayer(cfg, t);
    expect(r.capacity).toBe(2);
    expect(Array.from(r.counts)).toEqual([2, 2, 2]);
    expect(Array.from(r.offsets)).toEqual([0, 16, 32, 48]);
    expect(r.topkIds.length + r.positions.length).toBe(0);
    const scores = scoresFromLogits(r.logits, 6, 3, 'softmax');
    const y = new Float64Array(6 * 8);
    for (let e = 0; e < 3; e++) {
      // The chosen tokens are the expert's two best.
      const best = [0, 1, 2, 3, 4, 5]
        .sort((a, b) => scores[b * 3 + e] - scores[a * 3 + e] || a - b)
        .slice(0, 2);
      expect(Array.from(r.ecTokens.subarray(e * 2, e * 2 + 2))).toEqual(best);
      for (const tok of best) {
        const out = naiveSwiglu(t.x, tok * 8, 8, 6, t.w1, t.w3, t.w2, e);
        for (let o = 0; o < 8; o++) y[tok * 8 + o] += Math.fround(scores[tok * 3 + e] * 1.5) * out[o];
      }
    }
    expectClose(r.y, y);
  });

  it('uses supplied logits instead of the router GEMM', () => {
    const cfg = layerConfig({ tokens: 2, experts: 3, topK: 1 });
    const t = {
      ...randomTensors(cfg),
      router: new Float32Array(0),
      logits: new Float32Array([0, 5, 0, 9, 0, 0]),
    };
    const r = runReferenceLayer(cfg, t);
    expect(Array.from(r.topkIds)).toEqual([1, 0]);
    expect(Array.from(r.counts)).toEqual([1, 1, 0]);
  });

  it('handles logits of ±100 end to end without NaN', () => {
    const cfg = layerConfig({ tokens: 3, experts: 4, topK: 2, renormalize: true });
    const t = {
      ...randomTensors(cfg),
      logits: new Float32Array([100, -100, 100, 0, -100, -100, -100, 100, 0, 0, 0, 0]),
    };
    const r = runReferenceLayer(cfg, t);
    expect(Array.from(r.y).every(Number.isFinite)).toBe(true);
    expect(Array.from(r.topkIds)).toEqual([0, 2, 3, 0, 0, 1]);
  });

  it('refuses tensors that do not fit the config', () => {
    const cfg = layerConfig();
    expect(() => runReferenceLayer(cfg, { ...randomTensors(cfg), router: new Float32Array(3) })).toThrow(
      TensorShapeError,
    );
  });

  // Its speed is in `npm run bench -- inputs`, not asserted here (a loaded machine must not fail a test).
  it('runs T=256, d=256, f=512, E=16, k=2', () => {
    const cfg = layerConfig({ tokens: 256, dModel: 256, ffnSize: 512, experts: 16, topK: 2 });
    const r = runReferenceLayer(cfg, randomTensors(cfg));
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(512);
  });
});

describe('worker protocol', () => {
  it('answers a request with the result, or with an error message', () => {
    const cfg = layerConfig();
    const ok = handleReferenceRequest({ id: 4, cfg, tensors: randomTensors(cfg) });
    expect(ok.ok && ok.id === 4 && ok.result.y.length === 32).toBe(true);
    if (ok.ok) expect(resultTransferables(ok.result).length).toBe(9);
    const bad = handleReferenceRequest({
      id: 5,
      cfg,
      tensors: { ...randomTensors(cfg), x: new Float32Array(1) },
    });
    expect(bad).toEqual({
      id: 5,
      ok: false,
      error: expect.stringMatching(/^x has 1 values; expected \[T=4, d=8\]/),
    });
  });
});
