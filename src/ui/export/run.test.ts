import { describe, expect, it } from 'vitest';
import { loadMetrics } from '../../metrics';
import { parseCsv } from './csv';
import { matrixToCsv, type RunLike, runSourceText, runToCsv, runToJson } from './run';

const counts = Int32Array.from([5, 0, 9, 2]);
const kept = Int32Array.from([4, 0, 4, 2]);

function run(over: Partial<RunLike> = {}): RunLike {
  return {
    provenance: 'measured here on google swiftshader (software adapter)',
    isSoftware: true,
    engine: 'gpu',
    adapter: { label: 'google swiftshader (software adapter)' },
    counts,
    kept,
    capacity: 4,
    metrics: loadMetrics({ counts, kept, tokens: 8, topK: 2 }),
    stages: [
      {
        name: 'router',
        label: 'router GEMM',
        flops: 2000,
        bytes: 1000,
        medianMs: 0.5,
        minMs: 0.4,
        efficiency: 0.25,
      },
      { name: 'gate', label: 'gate / top-k', flops: 0, bytes: 400, medianMs: Number.NaN, minMs: Number.NaN },
    ],
    totalMs: 2.5,
    roofline: { copyGBps: 10, matmulGflops: 50, source: 'wall' },
    ...over,
  };
}

const records = (text: string) => {
  const rows = parseCsv(text);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
};

describe('run exports', () => {
  it('names the software adapter in the source', () => {
    expect(runSourceText(run())).toBe('measured here on google swiftshader (software adapter)');
    expect(runSourceText(run({ adapter: { label: 'google swiftshader' } }))).toMatch(/software adapter/);
    expect(runSourceText(run({ engine: 'cpu', adapter: null }))).toMatch(/CPU reference engine/);
    expect(runSourceText(run({ source: { kind: 'imported', detail: 'sglang.csv' } }))).toBe(
      'imported from sglang.csv',
    );
  });

  it('experts CSV parses back to counts, kept, dropped and capacity', () => {
    const rows = records(runToCsv(run()));
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => Number(r.count))).toEqual([5, 0, 9, 2]);
    expect(rows.map((r) => Number(r.kept))).toEqual([4, 0, 4, 2]);
    expect(rows.map((r) => Number(r.dropped))).toEqual([1, 0, 5, 0]);
    expect(rows[0].capacity).toBe('4');
    expect(rows[0].source).toMatch(/software adapter/);
    // dropless: no capacity cell
    expect(records(runToCsv(run({ capacity: 0 })))[0].capacity).toBe('');
  });

  it('stages CSV carries intensity and achieved rate, and leaves missing times empty (never NaN)', () => {
    const text = runToCsv(run(), 'stages');
    expect(text).not.toMatch(/NaN|Infinity/);
    const rows = records(text);
    expect(rows[0]).toMatchObject({
      stage: 'router',
      median_ms: '0.5',
      intensity_flop_per_byte: '2',
      achieved_gflop_per_s: String(2000 / 0.0005 / 1e9),
      efficiency: '0.25',
    });
    expect(rows[1].median_ms).toBe('');
    expect(rows[1].achieved_gflop_per_s).toBe('');
    expect(rows[2]).toMatchObject({ stage: 'total', median_ms: '2.5' });
  });

  it('metrics CSV has one row per metric with its formula', () => {
    const rows = records(runToCsv(run(), 'metrics'));
    const mm = rows.find((r) => r.metric === 'maxOverMean');
    expect(mm?.label).toBe('max/mean');
    expect(Number(mm?.value)).toBeCloseTo(9 / 4);
    expect(mm?.formula).toContain('max c_e');
  });

  it('steps matrix CSV: one column per expert, short rows left empty', () => {
    const text = runToCsv(
      run({
        steps: [
          [1, 2, 3],
          [4, Number.NaN],
        ],
      }),
      'steps',
    );
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['step', 'expert_0', 'expert_1', 'expert_2', 'source']);
    expect(rows[1].slice(0, 4)).toEqual(['0', '1', '2', '3']);
    expect(rows[2].slice(0, 4)).toEqual(['1', '4', '', '']);
    expect(parseCsv(matrixToCsv([], 'layer', 'expert', 'x'))).toEqual([['layer', 'source']]);
  });

  it('JSON keeps typed arrays as arrays, has no NaN, and states the source', () => {
    const text = runToJson(run({ steps: [Float32Array.from([1, Number.NaN])] }), {
      exportedAt: '2025-01-01T00:00:00Z',
    });
    expect(text).not.toMatch(/NaN|Infinity/);
    const j = JSON.parse(text);
    expect(j.format).toBe('moe-lab/run');
    expect(j.exportedAt).toBe('2025-01-01T00:00:00Z');
    expect(j.source).toMatch(/software adapter/);
    expect(j.isSoftware).toBe(true);
    expect(j.counts).toEqual([5, 0, 9, 2]);
    expect(j.kept).toEqual([4, 0, 4, 2]);
    expect(j.steps).toEqual([[1, null]]);
    expect(j.stages[0].intensityFlopPerByte).toBe(2);
    expect(j.stages[1].medianMs).toBeNull();
    expect(j.metrics.maxOverMean).toBeCloseTo(9 / 4);
  });
});
