import { describe, expect, it } from 'vitest';
import { count, offsets, scatter } from './dispatch';
import { layerConfig } from './testConfig';

// Three tokens, k = 2, three experts: t0 → [0, 1], t1 → [1, 0], t2 → [1, 2].
const ids = new Int32Array([0, 1, 1, 0, 1, 2]);
const base = layerConfig({ tokens: 3, experts: 3, topK: 2 });
/** Scores [T, E]: for expert 1, t1 and t2 tie above t0; for expert 0, t0 and t1 tie. */
const scores = new Float32Array([0.3, 0.2, 0.1, 0.3, 0.5, 0.2, 0.0, 0.5, 0.5]);

describe('count', () => {
  it('counts (token, slot) pairs per expert, empty experts included', () => {
    expect(Array.from(count(ids, 3))).toEqual([2, 3, 1]);
    expect(Array.from(count(ids, 5))).toEqual([2, 3, 1, 0, 0]);
  });
});

describe('offsets and scatter', () => {
  it('dropless, no padding: segments follow counts, positions by token order', () => {
    const plan = offsets(base, count(ids, 3));
    expect(plan.capacity).toBe(0);
    expect(Array.from(plan.kept)).toEqual([2, 3, 1]);
    expect(Array.from(plan.offsets)).toEqual([0, 2, 5, 6]);
    const s = scatter(base, ids, scores, plan);
    expect(Array.from(s.positions)).toEqual([0, 2, 3, 1, 4, 5]);
    expect(Array.from(s.rowTokens)).toEqual([0, 1, 0, 1, 2, 2]);
  });

  it('pads each segment to the block size and marks padding rows', () => {
    const cfg = { ...base, blockSize: 4 };
    const plan = offsets(cfg, count(ids, 3));
    expect(Array.from(plan.offsets)).toEqual([0, 4, 8, 12]);
    const s = scatter(cfg, ids, scores, plan);
    expect(Array.from(s.positions)).toEqual([0, 4, 5, 1, 6, 8]);
    expect(Array.from(s.rowTokens)).toEqual([0, 1, -1, -1, 0, 1, 2, -1, 2, -1, -1, -1]);
  });

  it('an empty expert gets an empty segment, even with padding', () => {
    const cfg = { ...base, experts: 4, blockSize: 16 };
    const plan = offsets(cfg, count(ids, 4));
    expect(Array.from(plan.offsets)).toEqual([0, 16, 32, 48, 48]);
  });

  it('capacity with the position policy keeps the earliest tokens', () => {
    // C = ceil(0.5 · 3 · 2 / 3) = 1.
    const cfg = { ...base, capacityFactor: 0.5 };
    const plan = offsets(cfg, count(ids, 3));
    expect(plan.capacity).toBe(1);
    expect(Array.from(plan.kept)).toEqual([1, 1, 1]);
    expect(Array.from(plan.offsets)).toEqual([0, 1, 2, 3]);
    const s = scatter(cfg, ids, scores, plan);
    expect(Array.from(s.positions)).toEqual([0, 1, -1, -1, -1, 2]);
    expect(Array.from(s.rowTokens)).toEqual([0, 0, 2]);
  });

  it('capacity with the probability policy keeps the highest scores, ties toward the lower token', () => {
    const cfg = { ...base, capacityFactor: 0.5, dropPolicy: 'probability' as const };
    const plan = offsets(cfg, count(ids, 3));
    const s = scatter(cfg, ids, scores, plan);
    // Expert 0: t0 and t1 tie at 0.3 → t0. Expert 1: t1 and t2 tie at 0.5 above t0 → t1. Expert 2: t2.
    expect(Array.from(s.positions)).toEqual([0, -1, 1, -1, -1, 2]);
    expect(Array.from(s.rowTokens)).toEqual([0, 1, 2]);
  });

  it('orders a full expert by score under the probability policy (rank = row within the segment)', () => {
    const cfg = { ...base, dropPolicy: 'probability' as const, capacityFactor: 2 };
    const plan = offsets(cfg, count(ids, 3));
    expect(plan.capacity).toBe(4);
    const s = scatter(cfg, ids, scores, plan);
    // Expert 1's segment [2, 5): t1 (0.5), t2 (0.5), t0 (0.2).
    expect(Array.from(s.rowTokens)).toEqual([0, 1, 1, 2, 0, 2]);
    expect(Array.from(s.positions)).toEqual([0, 4, 2, 1, 3, 5]);
  });

  it('capacity plus padding: kept counts are padded, dropped pairs are -1', () => {
    // Four tokens all on expert 0, k = 1, E = 2, cf = 1: C = 2, kept [2, 0], padded to 16.
    const cfg = layerConfig({ tokens: 4, experts: 2, topK: 1, capacityFactor: 1, blockSize: 16 });
    const allZero = new Int32Array([0, 0, 0, 0]);
    const plan = offsets(cfg, count(allZero, 2));
    expect(Array.from(plan.kept)).toEqual([2, 0]);
    expect(Array.from(plan.offsets)).toEqual([0, 16, 16]);
    const s = scatter(cfg, allZero, new Float32Array([0.6, 0.4, 0.7, 0.3, 0.9, 0.1, 0.8, 0.2]), plan);
    expect(Array.from(s.positions)).toEqual([0, 1, -1, -1]);
    const byScore = scatter(
      { ...cfg, dropPolicy: 'probability' },
      allZero,
      new Float32Array([0.6, 0.4, 0.7, 0.3, 0.9, 0.1, 0.8, 0.2]),
      plan,
    );
    expect(Array.from(byScore.positions)).toEqual([-1, -1, 0, 1]);
  });
});
