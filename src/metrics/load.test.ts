import { describe, expect, it } from 'vitest';
import { expectedDistinctExperts, loadMetrics } from './load';

describe('loadMetrics', () => {
  it('computes the table by hand for a small skewed load', () => {
    // T = 5 tokens, k = 2, E = 4: counts 6, 2, 2, 0 (sum 10 = T·k).
    const m = loadMetrics({
      counts: [6, 2, 2, 0],
      tokens: 5,
      topK: 2,
      kept: [4, 2, 2, 0],
      blockSize: 4,
      ranks: 2,
    });
    expect(m.meanLoad).toBe(2.5);
    expect(m.maxOverMean).toBeCloseTo(2.4);
    expect(m.maxVio).toBeCloseTo(1.4);
    // var = ((3.5)² + 0.25 + 0.25 + 6.25) / 4 = 4.75; cv² = 4.75 / 6.25
    expect(m.cv2).toBeCloseTo(0.76);
    const p = [0.6, 0.2, 0.2];
    expect(m.normalizedEntropy).toBeCloseTo(-p.reduce((a, x) => a + x * Math.log(x), 0) / Math.log(4));
    expect(m.distinctExperts).toBe(3);
    expect(m.emptyExperts).toBe(1);
    expect(m.droppedAssignments).toBe(2);
    expect(m.droppedFraction).toBeCloseTo(0.2);
    // kept 4,2,2,0 padded to 4,4,4,0 = 12 rows, 8 real
    expect(m.paddingRows).toBe(4);
    // ranks: [6+2, 2+0] -> mean 5 / max 8
    expect(m.balancedness).toBeCloseTo(5 / 8);
  });

  it('is balanced and finite when nothing is routed', () => {
    const m = loadMetrics({ counts: [0, 0, 0], tokens: 0, topK: 1 });
    for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
    expect(m.maxOverMean).toBe(1);
  });

  it('gives the Switch aux loss 1 for uniform load and probability', () => {
    const m = loadMetrics({
      counts: [2, 2, 2, 2],
      tokens: 8,
      topK: 1,
      meanRouterProb: [0.25, 0.25, 0.25, 0.25],
    });
    expect(m.switchAuxLoss).toBeCloseTo(1);
  });

  it('expects distinct experts from the uniform formula', () => {
    expect(expectedDistinctExperts(8, 2, 1)).toBeCloseTo(2);
    expect(expectedDistinctExperts(256, 8, 1000)).toBeCloseTo(256, 0);
  });
});
