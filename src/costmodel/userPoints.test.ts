import { describe, expect, it } from 'vitest';
import { INPUT_LIMITS } from '../workload';
import {
  EXAMPLE_POINTS_CSV,
  MAX_USER_POINTS,
  medianAbsError,
  overlayPairs,
  projectedCurves,
  projectUserPoints,
  readUserPoints,
  userPointsToCsv,
} from '.';
import { matchChip, matchModel } from './userPointNames';

const HEADER = 'model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms';

describe('readUserPoints', () => {
  it('reads the example, one point per row, with labels and sources', () => {
    const read = readUserPoints(EXAMPLE_POINTS_CSV);
    expect(read.problems).toEqual([]);
    expect(read.points).toHaveLength(3);
    expect(read.points[0]).toMatchObject({
      model: 'deepseek-v3',
      chip: 'h200',
      chips: 8,
      tp: 8,
      ep: 8,
      inputLength: 1024,
      outputLength: 1024,
      concurrency: 64,
      metric: 'tpot-ms',
      value: 45,
      row: 2,
      label: 'DSR1 H200 c64',
    });
  });

  it('empty or blank text is no points and no problems', () => {
    for (const t of ['', '   \n\n', '# only a comment\n'])
      expect(readUserPoints(t)).toEqual({ points: [], problems: [], ignoredColumns: [] });
  });

  it('headers: any case, spaces and symbols, and the common aliases', () => {
    const csv = [
      'Model, GPU, GPUs, TP Size, EP, ETP, ISL, OSL, Max Concurrency, TPOT (ms), Output tok/s, Replicas, KV Cache Dtype',
      'DeepSeek-R1, NVIDIA H100 SXM5 80GB, 16, 8, 8, 1, 1000, 1000, 128, 50, 2400, 2, fp8',
    ].join('\n');
    const read = readUserPoints(csv);
    expect(read.problems).toEqual([]);
    expect(read.points.map((p) => p.metric)).toEqual(['tpot-ms', 'output-tok-s']);
    expect(read.points[0]).toMatchObject({
      model: 'deepseek-v3',
      chip: 'h100',
      chips: 16,
      replicas: 2,
      etp: 1,
      kvFormat: 'fp8',
    });
    expect(read.points[1].row).toBe(read.points[0].row);
  });

  it('model and chip names: case, organisation prefixes, release suffixes', () => {
    expect(matchModel('deepseek-ai/DeepSeek-V3')).toBe('deepseek-v3');
    expect(matchModel('MIXTRAL-8X7B-Instruct-v0.1')).toBe('mixtral-8x7b');
    expect(matchModel('openai/gpt-oss-120b')).toBe('gpt-oss-120b');
    expect(matchModel('gpt-5')).toBeUndefined();
    expect(matchChip('H200')).toBe('h200');
    expect(matchChip('AMD MI300X')).toBe('mi300x');
    expect(matchChip('a100-80gb')).toBe('a100-80gb');
    expect(matchChip('h1000')).toBeUndefined();
  });

  it('formats: aliases, blank and "auto" mean the model preset', () => {
    const csv = [
      `${HEADER},weight_format,expert_format,act_format,precision`,
      'deepseek-v3,h200,8,8,8,1024,1024,64,40,bfloat16,,auto,',
      'deepseek-v3,h200,8,8,8,1024,1024,64,40,,,,e4m3',
    ].join('\n');
    const [a, b] = readUserPoints(csv).points;
    expect(a.weightFormat).toBe('bf16');
    expect(a.expertFormat).toBeUndefined();
    expect(a.actFormat).toBeUndefined();
    expect(b).toMatchObject({ weightFormat: 'fp8', expertFormat: 'fp8' });
  });

  it('semicolon and tab separators, quoted fields, CRLF, a byte-order mark', () => {
    const semi = `\ufeff${HEADER.replace(/,/g, ';')};label\r\nmixtral-8x7b;h100;2;2;1;1024;256;32;14;"a; b ""c"""\r\n`;
    const read = readUserPoints(semi);
    expect(read.problems).toEqual([]);
    expect(read.points[0].label).toBe('a; b "c"');
    const tab = `${HEADER.replace(/,/g, '\t')}\nmixtral-8x7b\th100\t2\t2\t1\t1024\t256\tmax\t14`;
    expect(readUserPoints(tab).points[0].concurrency).toBe('max');
  });

  it('bad rows are reported with their line and reason; good rows are kept', () => {
    const csv = [
      HEADER,
      'deepseek-v3,h200,8,8,8,1024,1024,64,45',
      'gpt-5,h200,8,8,8,1024,1024,64,45',
      'deepseek-v3,h1000,8,8,8,1024,1024,64,45',
      'deepseek-v3,h200,8,16,8,1024,1024,64,45',
      'deepseek-v3,h200,8,8,8,1024,1024,64,NaN',
      'deepseek-v3,h200,8,8,8,1024,1024,64,Infinity',
      'deepseek-v3,h200,8,8,8,1024,1024,64,-3',
      'deepseek-v3,h200,8,8,8,1e9,1024,64,45',
      'deepseek-v3,h200,8.5,8,8,1024,1024,64,45',
      'deepseek-v3,h200,8,8,8,1024,1024,0,45',
      'deepseek-v3,h200,8,8,8,1024,1024,64,',
      'deepseek-v3,h200,8,8,8,1024,1024,64,45,extra',
      ',h200,8,8,8,1024,1024,64,45',
      'deepseek-v3,h200,8,8,8,0x10,1024,64,45',
    ].join('\n');
    const read = readUserPoints(csv);
    expect(read.points).toHaveLength(1);
    const byRow = Object.fromEntries(read.problems.map((p) => [p.row, p.message]));
    expect(byRow[3]).toMatch(/unknown model "gpt-5"/);
    expect(byRow[4]).toMatch(/unknown chip "h1000"/);
    expect(byRow[5]).toMatch(/TP 16 .*more than the 8 chips/);
    expect(byRow[6]).toMatch(/tpot_ms "NaN" is not a number/);
    expect(byRow[7]).toMatch(/tpot_ms "Infinity" is not a number/);
    expect(byRow[8]).toMatch(/outside the accepted range/);
    expect(byRow[9]).toMatch(/input_len 1000000000 is outside/);
    expect(byRow[10]).toMatch(/chips 8.5 is not a whole number/);
    expect(byRow[11]).toMatch(/concurrency 0 is outside/);
    expect(byRow[12]).toMatch(/no measured value/);
    expect(byRow[13]).toMatch(/10 fields, but the header has 9/);
    expect(byRow[14]).toMatch(/model is blank/);
    expect(byRow[15]).toMatch(/input_len "0x10" is not a number/);
  });

  it('a header without the needed columns says which are missing', () => {
    const read = readUserPoints('model,chip,foo\ndeepseek-v3,h200,1');
    expect(read.points).toEqual([]);
    expect(read.problems[0].message).toMatch(
      /missing chips, tp, ep, input_len, output_len, concurrency, tpot_ms/,
    );
    expect(read.ignoredColumns).toEqual(['foo']);
  });

  it('layout rules: expert TP, replicas, concurrency per replica', () => {
    const csv = [
      `${HEADER},etp,replicas`,
      'deepseek-v3,h200,8,8,8,1024,1024,64,45,2,',
      'deepseek-v3,h200,16,8,8,1024,1024,64,45,,3',
      'deepseek-v3,h200,16,8,8,1024,1024,1,45,,2',
    ].join('\n');
    const msgs = readUserPoints(csv).problems.map((p) => p.message);
    expect(msgs[0]).toMatch(/EP 8 × ETP 2 is more than the 8 chips/);
    expect(msgs[1]).toMatch(/16 chips do not split into 3 replicas/);
    expect(msgs[2]).toMatch(/less than one request per replica/);
  });

  it('bounded: at most 200 points, a text past the size limit is refused, problems are capped', () => {
    const row = 'deepseek-v3,h200,8,8,8,1024,1024,64,45';
    const many = [HEADER, ...Array(250).fill(row)].join('\n');
    const read = readUserPoints(many);
    expect(read.points).toHaveLength(MAX_USER_POINTS);
    expect(read.problems.at(-1)?.message).toMatch(/at most 200 points are read; 50 more row/);
    const huge = `${HEADER}\n${'x'.repeat(INPUT_LIMITS.points.maxBytes)}`;
    expect(readUserPoints(huge).problems[0].message).toMatch(/at most 256.0 KiB/);
    const bad = readUserPoints([HEADER, ...Array(180).fill('gpt-5,h200,8,8,8,1,1,1,1')].join('\n'));
    expect(bad.problems.length).toBeLessThanOrEqual(51);
  });

  it('hostile text never throws', () => {
    const hostile = [
      '"unterminated',
      ',,,,\n,,,,',
      '\u0000\u0001\u2028',
      `${HEADER}\n"${'"'.repeat(1000)}`,
      `${HEADER}\n__proto__,constructor,1,1,1,1,1,1,1`,
      `${HEADER}\n${'deepseek-v3,'.repeat(500)}`,
    ];
    for (const t of hostile) expect(() => readUserPoints(t)).not.toThrow();
    // @ts-expect-error not text
    expect(readUserPoints(42).points).toEqual([]);
  });

  it('userPointsToCsv reads back to the same points', () => {
    const csv = [
      `${HEADER},output_tok_s,replicas,etp,weight_format,kv_format,max_batch,label,source`,
      'deepseek-v3,h200,16,8,4,1024,1024,max,,9000,2,2,fp8,fp8,512,"a, ""quoted"" label","https://example.com/x?a=1,b"',
      'mixtral-8x7b,h100,2,2,1,1024,256,32,14,,,,,,,,',
    ].join('\n');
    const first = readUserPoints(csv);
    expect(first.problems).toEqual([]);
    const again = readUserPoints(userPointsToCsv(first.points));
    expect(again.problems).toEqual([]);
    const strip = (ps: typeof first.points) => ps.map(({ row: _row, ...rest }) => rest);
    expect(strip(again.points)).toEqual(strip(first.points));
  });
});

describe('projecting user points', () => {
  it('every point gets a finite projection and signed error; the median is over |error|', () => {
    const { points } = readUserPoints(EXAMPLE_POINTS_CSV);
    for (const level of ['ideal', 'tuned', 'untuned'] as const) {
      const results = projectUserPoints(points, level);
      for (const r of results) {
        expect(r.problem).toBeUndefined();
        expect(Number.isFinite(r.projected)).toBe(true);
        expect(r.error).toBeCloseTo(((r.projected as number) - r.point.value) / r.point.value, 12);
      }
      const med = medianAbsError(results) as number;
      const sorted = results.map((r) => Math.abs(r.error as number)).sort((a, b) => a - b);
      expect(med).toBe(sorted[1]);
    }
    expect(medianAbsError([])).toBeUndefined();
  });

  it('a shared cache projects a setup once per stack level, whatever its metric or label', () => {
    const csv = [
      'label,model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms,output_tok_s',
      'a,deepseek-v3,h200,8,8,8,1024,1024,64,50,10000',
      'b,deepseek-v3,h200,8,8,8,1024,1024,64,40,',
    ].join('\n');
    const { points } = readUserPoints(csv);
    const cache = new Map();
    const first = projectUserPoints(points, 'tuned', cache);
    expect(cache.size).toBe(1);
    expect(first[0].projection).toBe(first[2].projection);
    projectUserPoints(points, 'ideal', cache);
    expect(cache.size).toBe(2);
    expect(projectUserPoints(points, 'tuned', cache)[1].projection).toBe(first[0].projection);
  });

  it('projected curves: one per setup over concurrency, speed falling and throughput per chip rising', () => {
    const csv = [
      'model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms',
      'deepseek-v3,h200,8,8,8,1024,1024,16,30',
      'deepseek-v3,h200,8,8,8,1024,1024,64,45',
      'mixtral-8x7b,h100,2,2,1,1024,256,32,14',
    ].join('\n');
    const curves = projectedCurves(readUserPoints(csv).points, 'tuned');
    expect(curves).toHaveLength(2);
    expect(curves[0].name).toBe('deepseek-v3 on 8× h200 (TP8 EP8), ISL 1024 / OSL 1024');
    for (const c of curves) {
      expect(c.points.length).toBeGreaterThan(5);
      const first = c.points[0];
      const last = c.points[c.points.length - 1];
      expect(last.x).toBeLessThan(first.x);
      expect(last.y).toBeGreaterThan(first.y);
    }
  });

  it('overlay pairs: measured axes from the metrics, the projection fills an axis the row cannot give', () => {
    const csv = [
      'model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms,output_tok_s',
      'deepseek-v3,h200,8,8,8,1024,1024,64,50,',
      'deepseek-v3,h200,8,8,8,1024,1024,max,,8000',
      'deepseek-v3,h200,8,8,8,1024,1024,32,40,640',
    ].join('\n');
    const results = projectUserPoints(readUserPoints(csv).points, 'tuned');
    const [a, b, c] = overlayPairs(results);
    expect(a.measured).toEqual({ x: 20, y: (20 * 64) / 8 });
    expect(a.xFromProjection || a.yFromProjection).toBe(false);
    expect(b.measured.y).toBe(1000);
    expect(b.xFromProjection).toBe(true);
    expect(b.measured.x).toBe(b.projected.x);
    expect(c.measured).toEqual({ x: 25, y: 80 });
    for (const p of [a, b, c]) {
      expect(Number.isFinite(p.projected.x) && p.projected.x > 0).toBe(true);
      expect(Number.isFinite(p.projected.y) && p.projected.y > 0).toBe(true);
    }
  });
});
