import { describe, expect, it } from 'vitest';
import { pow2Ticks } from './SparsityChart';
import {
  bucketOf,
  downsample,
  heatFill,
  labelStride,
  linearTicks,
  logDomain,
  logScale,
  logTicks,
  matrixStats,
  niceMax,
  rowShare,
  sourceFromRun,
  sourceText,
  tickText,
  toMatrix,
} from './scale';

describe('chart scales and helpers', () => {
  it('source text says measured/projected/imported and names software adapters', () => {
    expect(sourceText({ kind: 'measured', detail: 'nvidia ampere' })).toBe('measured here on nvidia ampere');
    expect(sourceText({ kind: 'measured', detail: 'google swiftshader', isSoftware: true })).toBe(
      'measured here on google swiftshader (software adapter)',
    );
    expect(
      sourceText({ kind: 'measured', detail: 'google swiftshader (software adapter)', isSoftware: true }),
    ).toBe('measured here on google swiftshader (software adapter)');
    expect(sourceText({ kind: 'imported', detail: 'dump.csv' })).toBe('imported from dump.csv');
    expect(sourceText({ kind: 'projected', detail: '' })).toBe('projected by the cost model');
    expect(sourceFromRun({ engine: 'cpu', adapter: null, isSoftware: true }).detail).toMatch(/CPU reference/);
    expect(sourceFromRun({ engine: 'gpu', adapter: { label: 'x' }, isSoftware: false })).toEqual({
      kind: 'measured',
      detail: 'x',
      isSoftware: false,
    });
  });

  it('log domains snap to decades and log ticks stay inside', () => {
    expect(logDomain([3, 70])).toEqual([1, 100]);
    expect(logDomain([])).toEqual([1, 10]);
    expect(logDomain([Number.NaN, -1, 0])).toEqual([1, 10]);
    expect(logTicks(1, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1e-3, 1e12).length).toBeLessThanOrEqual(9);
    const s = logScale(1, 100, 0, 200);
    expect(s(10)).toBeCloseTo(100);
  });

  it('linear ticks are round and niceMax covers the max', () => {
    expect(linearTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceMax(7.3)).toBeGreaterThanOrEqual(7.3);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(Number.NaN)).toBe(1);
  });

  it('tick text is short and never NaN', () => {
    expect(tickText(1500)).toBe('1.5k');
    expect(tickText(2e6)).toBe('2M');
    expect(tickText(1e-4)).toBe('1e-4');
    expect(tickText(0)).toBe('0');
    expect(tickText(Number.NaN)).toBe('—');
    expect(pow2Ticks(1, 256)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(pow2Ticks(1, 2 ** 14).length).toBeLessThanOrEqual(9);
    expect(labelStride(512, 500, 26)).toBe(27);
    expect(labelStride(8, 500, 26)).toBe(1);
  });

  it('matrices: ragged rows pad with missing, stats skip missing, row share sums to 1', () => {
    const m = toMatrix([[1, 2, 3], [4]]);
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Number.isNaN(m.data[4])).toBe(true);
    expect(matrixStats(m)).toEqual({ min: 1, max: 4, total: 10, finite: 4 });
    const share = rowShare(m);
    expect(share.data[0] + share.data[1] + share.data[2]).toBeCloseTo(1);
    expect(share.data[3]).toBe(1);
    expect(matrixStats(toMatrix([])).finite).toBe(0);
  });

  it('downsampling keeps block means and stays under the cell budget', () => {
    const rows = Array.from({ length: 256 }, (_, r) => Array.from({ length: 512 }, (_, c) => r + c));
    const m = toMatrix(rows);
    const d = downsample(m, 65536);
    expect(d.matrix.rows * d.matrix.cols).toBeLessThanOrEqual(65536);
    expect(d.colBlock).toBe(2);
    expect(d.matrix.data[0]).toBe(0.5);
    const small = toMatrix([[1, Number.NaN, 3, 5]]);
    const ds = downsample(small, 2);
    expect(Array.from(ds.matrix.data)).toEqual([1, 4]);
    expect(downsample(small, 100).matrix).toBe(small);
  });

  it('colour buckets cover the range and handle flat data and missing cells', () => {
    expect(bucketOf(0, 0, 10, 24)).toBe(0);
    expect(bucketOf(10, 0, 10, 24)).toBe(23);
    expect(bucketOf(Number.NaN, 0, 10, 24)).toBe(-1);
    expect(bucketOf(5, 5, 5, 24)).toBe(23);
    expect(heatFill(0, 24)).toContain('var(--heat-0)');
    expect(heatFill(23, 24)).toContain('var(--heat-2) 100%');
  });
});
