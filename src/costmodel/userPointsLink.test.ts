import { strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeHash, defaultScenario, encodeHash } from '../scenario';
import { decodePointsParam, EXAMPLE_POINTS_CSV, encodePointsParam, MAX_LINK_POINTS, readUserPoints } from '.';

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const packed = (csv: string, version = 1) => `${version}.${b64url(zlibSync(strToU8(csv)))}`;
const strip = (ps: ReturnType<typeof readUserPoints>['points']) => ps.map(({ row: _row, ...rest }) => rest);

describe('benchmark points in the link (pts=)', () => {
  const { points } = readUserPoints(EXAMPLE_POINTS_CSV);

  it('round trip: the same points come back, through encodeHash and decodeHash', () => {
    const pts = encodePointsParam(points) as string;
    expect(pts).toMatch(/^1\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(pts)).toBe(pts);
    const s = { ...defaultScenario(), experts: 24 };
    const decoded = decodeHash(encodeHash(s, { pts, lesson: 'hot-experts' }));
    expect(decoded.issues).toEqual([]);
    expect(decoded.scenario.experts).toBe(24);
    const back = decodePointsParam(decoded.extras.pts);
    expect(back.error).toBeUndefined();
    expect(back.problems).toEqual([]);
    expect(strip(back.points)).toEqual(strip(points));
  });

  it('twelve points travel, thirteen or none do not', () => {
    const twelve = Array.from({ length: MAX_LINK_POINTS }, (_, i) => ({
      ...points[0],
      label: `p${i}`,
      row: i + 2,
    }));
    const pts = encodePointsParam(twelve) as string;
    expect(pts.length).toBeLessThan(1500);
    expect(decodePointsParam(pts).points).toHaveLength(12);
    expect(encodePointsParam([...twelve, points[1]])).toBeUndefined();
    expect(encodePointsParam([])).toBeUndefined();
  });

  it('points whose labels and sources make the value too long stay out of the link', () => {
    const noisy = (i: number) =>
      Array.from({ length: 200 }, (_, j) =>
        String.fromCharCode(0x4e00 + ((i * 7919 + j * 104729) % 20000)),
      ).join('');
    const long = Array.from({ length: MAX_LINK_POINTS }, (_, i) => ({
      ...points[0],
      label: noisy(i).slice(0, 60),
      source: noisy(i + 99),
      row: i + 2,
    }));
    expect(encodePointsParam(long)).toBeUndefined();
  });

  it('hostile values: a clear message, no points, never a throw', () => {
    const row = 'deepseek-v3,h200,8,8,8,1024,1024,64,45';
    const header = 'model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms';
    const cases: [unknown, RegExp][] = [
      ['', /empty/],
      [undefined, /empty/],
      ['garbage', /damaged/],
      ['1.%%%', /damaged/],
      ['1.AAAA', /could not be decompressed/],
      ['7.eJwLAAAAAAE', /encoding version 7/],
      [`1.${'A'.repeat(7000)}`, /too long/],
      [packed([header, ...Array(13).fill(row)].join('\n')), /more than 12 points/],
      [packed(`${header}\n${row.replace('45', 'NaN')}`), /tpot_ms "NaN" is not a number/],
      [packed(`${header}\n${row.replace('45', 'Infinity')}`), /tpot_ms "Infinity" is not a number/],
      [packed(`${header}\n${row.replace('deepseek-v3', 'gpt-9')}`), /unknown model "gpt-9"/],
      [packed(`${header}\n${row.replace('h200', 'tpu-v99')}`), /unknown chip "tpu-v99"/],
      [packed('x'.repeat(100_000)), /too large once decompressed/],
      [packed('not,a,header\n1,2,3'), /missing/],
      [packed(`${header}\n${row}`, 2), /encoding version 2/],
    ];
    for (const [value, message] of cases) {
      const got = decodePointsParam(value);
      expect(got.points, String(value).slice(0, 40)).toEqual([]);
      expect(got.error, String(value).slice(0, 40)).toMatch(message);
    }
  });

  it('a link with a bad pts keeps the rest of the link', () => {
    const s = { ...defaultScenario(), topK: 3, chips: ['h200'] };
    const decoded = decodeHash(`${encodeHash(s)}&pts=garbage&present=1`);
    expect(decoded.issues).toEqual([]);
    expect(decoded.scenario.topK).toBe(3);
    expect(decoded.scenario.chips).toEqual(['h200']);
    expect(decoded.extras).toEqual({ pts: 'garbage', present: '1' });
    expect(decodePointsParam(decoded.extras.pts).error).toMatch(/damaged/);
  });

  it('good points survive beside bad ones in the same link', () => {
    const header = 'model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms';
    const got = decodePointsParam(
      packed(`${header}\ndeepseek-v3,h200,8,8,8,1024,1024,64,45\ngpt-9,h200,8,8,8,1,1,1,1`),
    );
    expect(got.error).toBeUndefined();
    expect(got.points).toHaveLength(1);
    expect(got.problems[0]).toMatch(/line 3 .*unknown model "gpt-9"/);
  });
});
