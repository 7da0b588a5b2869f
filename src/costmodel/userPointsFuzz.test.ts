/**
 * Fuzzing the readers of a person's benchmark points (fast-check, with shrinking): the CSV the app's "Predicted vs
 * measured" panel reads and the `pts=` value of a link. Whatever the input, both return (never throw) within
 * bounded time, and give finite, positive points or one-line problems.
 */
import fc from 'fast-check';
import { strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { packLinkText } from '../scenario';
import { INPUT_LIMITS } from '../workload';
import { decodePointsParam, MAX_LINK_POINTS, MAX_USER_POINTS, readUserPoints, USER_POINT_COLUMNS } from '.';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** Generous for texts of a few kB: only a hang or a quadratic blow-up gets near it. */
const TIME_LIMIT_MS = 1500;

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const value = fn();
  expect(performance.now() - t0).toBeLessThan(TIME_LIMIT_MS);
  return value;
}

/** Points a consumer can project: finite positive measurements and whole positive counts. */
function validPoints(points: ReturnType<typeof readUserPoints>['points'], max: number) {
  expect(points.length).toBeLessThanOrEqual(max);
  for (const p of points) {
    expect(Number.isFinite(p.value) && p.value > 0).toBe(true);
    for (const n of [p.chips, p.tp, p.ep, p.etp, p.concurrency === 'max' ? 1 : p.concurrency]) {
      if (n !== undefined) expect(Number.isInteger(n) && n >= 1).toBe(true);
    }
  }
}

function oneLine(message: string) {
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/[\n\r]|call stack|NaN|undefined/i);
}

const headerNames = USER_POINT_COLUMNS.map((c) => c.key);
/** Cells: numbers of every kind a hostile or careless file holds, names, quotes and junk. */
const cell = fc.oneof(
  fc.constantFrom('', 'NaN', 'Infinity', '-1', '0', '1e309', '2.5', '8', '1,024', '"', '""', '0x10', 'h200'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('deepseek-v3', 'mixtral-8x7b', 'h100', 'mi300x', 'fp8', 'bf16'),
);
const csvText = fc
  .record({
    header: fc.array(fc.oneof(fc.constantFrom(...headerNames), fc.string({ maxLength: 8 })), {
      minLength: 1,
      maxLength: 12,
    }),
    rows: fc.array(fc.array(cell, { maxLength: 14 }), { maxLength: 30 }),
    sep: fc.constantFrom(',', ';', '\t'),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
  })
  .map(({ header, rows, sep, eol }) => [header, ...rows].map((r) => r.join(sep)).join(eol));

describe('fuzz: benchmark-points CSV', () => {
  it('random tables: headers, cells, separators and line ends', () => {
    fc.assert(
      fc.property(csvText, (text) => {
        const read = timed(() => readUserPoints(text));
        validPoints(read.points, MAX_USER_POINTS);
        for (const p of read.problems) oneLine(p.message);
      }),
      { numRuns: RUNS },
    );
  });

  it('random text and texts past the size limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const read = timed(() => readUserPoints(text));
        validPoints(read.points, MAX_USER_POINTS);
        for (const p of read.problems) oneLine(p.message);
      }),
      { numRuns: RUNS },
    );
    const huge = `model,chip,tpot_ms\n${'x,'.repeat(INPUT_LIMITS.points.maxBytes)}`;
    const read = timed(() => readUserPoints(huge));
    expect(read.points).toEqual([]);
    expect(read.problems[0].message).toMatch(/at most 256\.0 KiB/);
  });
});

describe('fuzz: pts= link values', () => {
  it('random strings, random bytes deflated, and random CSV packed as a link packs it', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => `1.${Buffer.from(zlibSync(b)).toString('base64url')}`),
      csvText.map((csv) => `1.${packLinkText(csv)}`),
      fc.anything(),
    );
    fc.assert(
      fc.property(value, (v) => {
        const read = timed(() => decodePointsParam(v));
        validPoints(read.points, MAX_LINK_POINTS);
        for (const p of read.problems) oneLine(p);
        if (read.error !== undefined) expect(read.points).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a deflate bomb short enough for a link is refused at the inflate limit', () => {
    const bomb = `1.${Buffer.from(zlibSync(strToU8('a'.repeat(2_000_000)), { level: 9 })).toString('base64url')}`;
    const read = timed(() => decodePointsParam(bomb));
    expect(bomb.length).toBeLessThan(6000);
    expect(read.error).toMatch(/too large once decompressed/);
  });
});
