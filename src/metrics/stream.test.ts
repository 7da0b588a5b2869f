import { describe, expect, it } from 'vitest';
import { Rng } from '../workload';
import { expectedDistinctExperts } from './load';
import {
  concatSeries,
  distinctExpertsVariance,
  percentileSorted,
  percentiles,
  stepSeries,
  summarizeSeries,
} from './stream';

describe('percentiles', () => {
  it("match NumPy's linear method", () => {
    // np.percentile([1, 2, 3, 4, 10], [50, 95]) = [3, 8.8]; np.percentile(range(1, 101), 95) = 95.05
    expect(percentiles([10, 1, 4, 3, 2])).toMatchObject({ p50: 3, max: 10, min: 1, mean: 4, n: 5 });
    expect(percentiles([10, 1, 4, 3, 2]).p95).toBeCloseTo(8.8, 12);
    expect(
      percentileSorted(
        Float64Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBeCloseTo(95.05, 12);
    expect(percentiles([7])).toMatchObject({ p50: 7, p95: 7, max: 7 });
    expect(Number.isNaN(percentiles([]).p50)).toBe(true);
  });
});

describe('stepSeries', () => {
  it('computes per-step max/mean, dropped share, distinct experts, CV² and padding by hand', () => {
    // Two steps, E = 4, T = 4, k = 2 (8 slots); step 1 drops 2 slots (capacity 3).
    const counts = Int32Array.from([2, 2, 2, 2, 5, 3, 0, 0]);
    const kept = Int32Array.from([2, 2, 2, 2, 3, 3, 0, 0]);
    const s = stepSeries({ counts, kept, experts: 4, tokens: 4, topK: 2, blockSize: 4 });
    expect(Array.from(s.maxOverMean)).toEqual([1, 2.5]);
    expect(Array.from(s.droppedFraction)).toEqual([0, 0.25]);
    expect(Array.from(s.distinctExperts)).toEqual([4, 2]);
    // var([5,3,0,0]) = (9 + 1 + 4 + 4) / 4 = 4.5, mean² = 4.
    expect(s.cv2[1]).toBeCloseTo(4.5 / 4, 12);
    // Step 0: 4 experts × 2 rows padded to 4 → 8 padding of 16; step 1: 3 and 3 padded to 4 → 2 of 8.
    expect(Array.from(s.paddingFraction)).toEqual([0.5, 0.25]);
    const sum = summarizeSeries(s);
    expect(sum.maxOverMean).toMatchObject({ p50: 1.75, max: 2.5, n: 2 });
    expect(concatSeries([s, s]).distinctExperts.length).toBe(4);
    expect(() => stepSeries({ counts: [1, 2, 3], experts: 2, tokens: 1, topK: 1 })).toThrow(
      /whole number of rows/,
    );
  });
});

describe('distinct experts under uniform top-k routing', () => {
  it('the variance formula equals brute-force enumeration (E = 5, k = 2, B = 1..3)', () => {
    const E = 5;
    const k = 2;
    const subsets: number[][] = [];
    for (let a = 0; a < E; a++) for (let b = a + 1; b < E; b++) subsets.push([a, b]);
    for (let B = 1; B <= 3; B++) {
      let mean = 0;
      let sq = 0;
      let n = 0;
      const walk = (depth: number, touched: number) => {
        if (depth === B) {
          let d = 0;
          for (let e = 0; e < E; e++) if (touched & (1 << e)) d++;
          mean += d;
          sq += d * d;
          n++;
          return;
        }
        for (const s of subsets) walk(depth + 1, touched | (1 << s[0]) | (1 << s[1]));
      };
      walk(0, 0);
      mean /= n;
      expect(mean).toBeCloseTo(expectedDistinctExperts(E, k, B), 12);
      expect(sq / n - mean * mean).toBeCloseTo(distinctExpertsVariance(E, k, B), 12);
    }
  });

  it('is at most the binomial variance and matches a simulation', () => {
    const E = 64;
    const k = 6;
    const B = 16;
    const v = distinctExpertsVariance(E, k, B);
    const u = (1 - k / E) ** B;
    expect(v).toBeLessThan(E * u * (1 - u));
    const rng = Rng.from(1, 'distinct');
    const N = 4000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < N; i++) {
      const touched = new Uint8Array(E);
      for (let b = 0; b < B; b++) {
        const pool = Array.from({ length: E }, (_, e) => e);
        for (let j = 0; j < k; j++) touched[pool.splice(rng.int(pool.length), 1)[0]] = 1;
      }
      const d = touched.reduce((a, x) => a + x, 0);
      sum += d;
      sq += d * d;
    }
    const mean = sum / N;
    const variance = sq / N - mean * mean;
    // Standard error of the mean sqrt(v/N) ≈ 0.047; of the variance about v·sqrt(2/N) ≈ 0.2 (near-normal d).
    expect(Math.abs(mean - expectedDistinctExperts(E, k, B))).toBeLessThan(4 * Math.sqrt(v / N));
    expect(Math.abs(variance - v)).toBeLessThan(4 * v * Math.sqrt(2 / N));
  });
});
