import { describe, expect, it } from 'vitest';
import { expertChoice, gate, routerLogits, scoresFromLogits } from './gate';
import { layerConfig } from './testConfig';

const f32 = (values: number[]) => new Float32Array(values);
const softmax = (l: number[]) => {
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const noBias = (E: number) => new Float32Array(E);

describe('routerLogits', () => {
  it('is X·W_r', () => {
    // X [2, 3], W [3, 2]
    const x = f32([1, 2, 3, -1, 0, 2]);
    const w = f32([1, 0, 0, 1, 2, -1]);
    expect(Array.from(routerLogits(x, w, 2, 3, 2))).toEqual([7, -1, 3, -2]);
  });
});

describe('gate: softmax', () => {
  const logits = [1, 2, 3, 0];
  const p = softmax(logits);
  it('takes the top-k by score, weights are the scores', () => {
    const g = gate(layerConfig({ tokens: 1 }), f32(logits), noBias(4));
    expect(Array.from(g.topkIds)).toEqual([2, 1]);
    expect(g.topkWeights[0]).toBeCloseTo(p[2], 6);
    expect(g.topkWeights[1]).toBeCloseTo(p[1], 6);
    expect(Array.from(g.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
  it('renormalises the chosen weights, then applies the route scale', () => {
    const g = gate(layerConfig({ tokens: 1, renormalize: true, routeScale: 2.5 }), f32(logits), noBias(4));
    expect(g.topkWeights[0]).toBeCloseTo((2.5 * p[2]) / (p[1] + p[2]), 6);
    expect(g.topkWeights[1]).toBeCloseTo((2.5 * p[1]) / (p[1] + p[2]), 6);
  });
  it('survives logits of ±100 without overflow or NaN', () => {
    const g = gate(
      layerConfig({ tokens: 2, renormalize: true }),
      f32([100, -100, 100, 0, -100, -100, -100, 100]),
      noBias(4),
    );
    expect(Array.from(g.topkIds)).toEqual([0, 2, 3, 0]);
    expect(Array.from(g.topkWeights)).toEqual([0.5, 0.5, 1, 0]);
    expect(Array.from(g.scores).every(Number.isFinite)).toBe(true);
  });
  it('handles k = E, E not a power of two and T = 1', () => {
    const g = gate(
      layerConfig({ tokens: 1, experts: 3, topK: 3, renormalize: true }),
      f32([0.5, -1, 2]),
      noBias(3),
    );
    expect(Array.from(g.topkIds)).toEqual([2, 0, 1]);
    expect(g.topkWeights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

describe('gate: sigmoid', () => {
  const logits = [0, 2, -1, 1];
  it('scores each expert independently', () => {
    const g = gate(layerConfig({ tokens: 1, scoreFn: 'sigmoid' }), f32(logits), noBias(4));
    expect(Array.from(g.topkIds)).toEqual([1, 3]);
    expect(g.topkWeights[0]).toBeCloseTo(sigmoid(2), 6);
    expect(g.topkWeights[1]).toBeCloseTo(sigmoid(1), 6);
  });
  it('uses the bias for selection only', () => {
    const cfg = layerConfig({ tokens: 1, scoreFn: 'sigmoid', useBias: true });
    const g = gate(cfg, f32(logits), f32([0.5, 0, 0, 0]));
    // sel = [1.0, 0.881, 0.269, 0.731]: expert 0 now wins, but its weight is its score 0.5, not 1.0.
    expect(Array.from(g.topkIds)).toEqual([0, 1]);
    expect(g.topkWeights[0]).toBeCloseTo(0.5, 6);
    expect(g.topkWeights[1]).toBeCloseTo(sigmoid(2), 6);
  });
  it('ignores the bias when useBias is off', () => {
    const g = gate(layerConfig({ tokens: 1, scoreFn: 'sigmoid' }), f32(logits), f32([5, 0, 0, 0]));
    expect(Array.from(g.topkIds)).toEqual([1, 3]);
  });
  it('saturated scores tie in f32 and the lower index wins; underflow gives zero weights, not NaN', () => {
    const cfg = layerConfig({ tokens: 2, topK: 3, scoreFn: 'sigmoid', renormalize: true });
    const g = gate(cfg, f32([50, 100, -100, 99, -200, -200, -200, -200]), noBias(4));
    expect(Array.from(g.topkIds)).toEqual([0, 1, 3, 0, 1, 2]);
    expect(Array.from(g.topkWeights.subarray(0, 3))).toEqual([1, 1, 1].map(() => Math.fround(1 / 3)));
    expect(Array.from(g.topkWeights.subarray(3))).toEqual([0, 0, 0]);
  });
});

describe('gate: ties', () => {
  it('breaks equal scores toward the lower expert index', () => {
    const g = gate(layerConfig({ tokens: 2, topK: 3 }), f32([0, 0, 0, 0, 1, 3, 3, 1]), noBias(4));
    expect(Array.from(g.topkIds)).toEqual([0, 1, 2, 1, 2, 0]);
  });
});

describe('gate: group-limited routing', () => {
  // 8 experts in 4 groups of 2: {0,1} {2,3} {4,5} {6,7}.
  const logits = f32([5, 1, 0, 4.8, 4.7, 4.6, 0, 0]);
  const grouped = (over: object) =>
    layerConfig({ tokens: 1, experts: 8, topK: 2, groups: 4, topGroups: 2, ...over });
  it('without groups the top-2 is {0, 3}', () => {
    expect(Array.from(gate(grouped({ groups: 1, topGroups: 1 }), logits, noBias(8)).topkIds)).toEqual([0, 3]);
  });
  it('group score = max without bias: keeps groups 0 and 1', () => {
    expect(Array.from(gate(grouped({}), logits, noBias(8)).topkIds)).toEqual([0, 3]);
    expect(Array.from(gate(grouped({ topGroups: 1 }), logits, noBias(8)).topkIds)).toEqual([0, 1]);
  });
  it('group score = sum of the top-2 with bias: group 2 (4.7 + 4.6) beats group 1 (4.8 + 0)', () => {
    expect(Array.from(gate(grouped({ useBias: true }), logits, noBias(8)).topkIds)).toEqual([0, 4]);
  });
  it('equal group scores keep the lower group', () => {
    const tied = f32([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(gate(grouped({ topGroups: 2 }), tied, noBias(8)).topkIds)).toEqual([0, 2]);
  });
  it('refuses groups that hold fewer than k experts', () => {
    expect(() => gate(grouped({ topGroups: 1, topK: 3 }), logits, noBias(8))).toThrow(/fewer than k/);
  });
});

describe('scoresFromLogits', () => {
  it('matches softmax and sigmoid, rounded to f32', () => {
    const l = [0.3, -2, 1.5];
    const s = scoresFromLogits(f32(l), 1, 3, 'softmax');
    expect(Array.from(s)).toEqual(softmax(l.map(Math.fround)).map(Math.fround));
    const g = scoresFromLogits(f32(l), 1, 3, 'sigmoid');
    expect(Array.from(g)).toEqual(l.map((v) => Math.fround(sigmoid(Math.fround(v)))));
  });
});

describe('expertChoice', () => {
  it('each expert takes its C best tokens, ties toward the lower token', () => {
    // T = 4, E = 2, k = 1, cf = 1: C = ceil(4·1/2) = 2.
    const cfg = layerConfig({
      tokens: 4,
      experts: 2,
      topK: 1,
      capacityFactor: 1,
      routingMode: 'expert-choice',
    });
    const logits = f32([2, 0, 0, 0, 0, 2, 1, 0]);
    const scores = scoresFromLogits(logits, 4, 2, 'softmax');
    const ec = expertChoice(cfg, scores);
    expect(ec.capacity).toBe(2);
    expect(Array.from(ec.ecTokens)).toEqual([0, 3, 2, 1]);
    expect(Array.from(ec.counts)).toEqual([2, 2]);
    expect(ec.ecWeights[0]).toBeCloseTo(softmax([2, 0])[0], 6);
    // Tokens 0, 2 and 3 score 0.5 for both experts: the lower token index wins each tie.
    const tie = expertChoice(cfg, f32([0.5, 0.5, 0.2, 0.8, 0.5, 0.5, 0.5, 0.5]));
    expect(Array.from(tie.ecTokens)).toEqual([0, 2, 1, 0]);
  });
  it('caps C at T and scales weights by the route scale', () => {
    const cfg = layerConfig({
      tokens: 2,
      experts: 2,
      topK: 2,
      capacityFactor: 4,
      routingMode: 'expert-choice',
      routeScale: 2,
    });
    const ec = expertChoice(cfg, f32([0.25, 0.75, 0.5, 0.5]));
    expect(ec.capacity).toBe(2);
    expect(Array.from(ec.ecTokens)).toEqual([1, 0, 0, 1]);
    expect(Array.from(ec.ecWeights)).toEqual([1, 0.5, 1.5, 1]);
  });
});
