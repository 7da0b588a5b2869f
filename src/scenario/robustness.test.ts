import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHash, encodeHash, scenarioFromJson, scenarioToJson } from './codec';
import { defaultScenario, PARAM_KEYS, type Scenario } from './schema';
import { isValidScenario } from './validate';

const V1 = readFileSync(new URL('../../test/fixtures/link-v1.txt', import.meta.url), 'utf8').trim();
const D = defaultScenario();

/** Every decode: a valid scenario, and decode → encode → decode gives it back exactly, with no message. */
function decodeChecked(hash: string) {
  const d = decodeHash(hash);
  expect(isValidScenario(d.scenario), hash.slice(0, 80)).toBe(true);
  const again = decodeHash(encodeHash(d.scenario, d.extras));
  expect(again.issues).toEqual([]);
  expect(again.scenario).toEqual(d.scenario);
  // toEqual does not tell -0 from 0; a link must not either.
  for (const key of PARAM_KEYS)
    if (d.scenario[key] === 0) expect(Object.is(d.scenario[key], 0), key).toBe(true);
  return { ...d, text: d.issues.join('\n') };
}

describe('links people actually paste', () => {
  const cases: [string, Partial<Scenario>, RegExp | null][] = [
    // [hash, fields expected, message expected (null: none)]
    ['#preset=DeepSeek-V3', { preset: 'deepseek-v3', experts: 256 }, null],
    ['#preset=%20Mixtral-8x7B%20', { preset: 'mixtral-8x7b', experts: 8 }, null],
    [
      '#preset=deepseek-v4',
      { preset: 'custom' },
      /Unknown model preset "deepseek-v4"; known presets: .*deepseek-v3/,
    ],
    ['#chip=H100,%20groq-lpu', { chips: ['h100', 'groq-lpu'] }, null],
    ['#chip=h100+groq-lpu', { chips: ['h100', 'groq-lpu'] }, null],
    ['#chip=h100,h100,groq-lpu', { chips: ['h100', 'groq-lpu'] }, /chips\): h100 listed more than once/],
    ['#chip=h100,nope', { chips: ['h100'] }, /chips\): unknown "nope"/],
    ['#chip=nope', { chips: D.chips }, /needs at least one known chip/],
    ['#T=4k', { tokens: D.tokens }, /tokens\): "4k" is not a number \(write it in full, e\.g\. 4096/],
    ['#tokens=1e3', { tokens: 1000 }, null],
    ['#tokens=0x10', { tokens: D.tokens }, /tokens\): "0x10" is not a number/],
    ['#tokens=1_000', { tokens: D.tokens }, /"1_000" is not a number/],
    ['#tokens=-5', { tokens: 1 }, /"-5" is outside 1–1048576; using 1/],
    ['#tokens=NaN', { tokens: D.tokens }, /"NaN" is not a finite number/],
    ['#tokens=Infinity', { tokens: D.tokens }, /"Infinity" is not a finite number/],
    ['#tokens=1e400', { tokens: D.tokens }, /"1e400" is too large/],
    ['#tokens=99999999999999999999', { tokens: 1_048_576 }, /is outside 1–1048576/],
    ['#experts=12.7', { experts: 13 }, /experts\): "12.7" is not a whole number; using 13/],
    ['#capacityFactor=-0', { capacityFactor: 0 }, null],
    ['#topK=2&topK=8', { topK: 8 }, /gives topK more than once; using the last value \(topK=8\)/],
    ['#tokens=%31%30%32%34', { tokens: 1024 }, null],
    ['#tokens=%E0%A4%A', { tokens: D.tokens }, /Could not read "tokens" in the link \(bad %-escape\)/],
    ['#useBias=TRUE', { useBias: true }, null],
    ['#useBias=yes&renormalize=off', { useBias: true, renormalize: false }, null],
    ['#useBias=maybe', { useBias: false }, /useBias\): "maybe" is not true or false/],
    ['#phase=Decode', { phase: 'decode' }, null],
    ['#constructor=1&__proto__=2', {}, /Ignored unknown link keys: constructor, __proto__/],
    ['#=5', {}, /Ignored unknown link key: \(empty\)/],
    ['#v=true&topK=3', { topK: 3 }, /Unknown schema version "true"/],
  ];
  for (const [hash, want, message] of cases) {
    it(`${hash} → ${JSON.stringify(want)}`, () => {
      const { scenario, issues, text } = decodeChecked(hash);
      for (const [k, v] of Object.entries(want)) expect(scenario[k as keyof Scenario], k).toEqual(v);
      if (message) expect(text).toMatch(message);
      else expect(issues).toEqual([]);
    });
  }

  it('a lesson link with its own override is not reported as a repeated key', () => {
    const { scenario, issues } = decodeChecked('#lesson=top-k&topK=4');
    expect(scenario.topK).toBe(4);
    expect(issues).toEqual([]);
  });

  it('a link with both #s= and short keys: the short keys apply on top of the full scenario', () => {
    const s = { ...D, experts: 64, topK: 6 };
    const { scenario, issues } = decodeChecked(`#${encodeHash(s)}&topK=3&chip=mi300x`);
    expect(issues).toEqual([]);
    expect([scenario.experts, scenario.topK, scenario.chips]).toEqual([64, 3, ['mi300x']]);
  });

  it('#s= truncated at every length: never throws, always valid, damage always reported', () => {
    const full = decodeHash(V1).scenario;
    for (let i = 0; i < V1.length; i++) {
      const { scenario, issues } = decodeChecked(V1.slice(0, i));
      if (i > 3) {
        expect(issues.length, `cut at ${i}`).toBeGreaterThan(0);
        expect(scenario).not.toBe(full);
      }
    }
  });

  it('the v1 fixture with any one byte flipped: never throws, valid, and never silently different', () => {
    const original = decodeHash(V1).scenario;
    for (let i = 3; i < V1.length; i++) {
      for (const bit of [1, 2, 0x20, 0x40]) {
        const link = V1.slice(0, i) + String.fromCharCode(V1.charCodeAt(i) ^ bit) + V1.slice(i + 1);
        const { scenario, issues } = decodeChecked(link);
        if (issues.length === 0) expect(scenario, `flip ${bit} at ${i}`).toEqual(original);
      }
    }
  });

  // How fast: `npm run bench -- inputs`.
  it('a 1 MB hash is refused with a message', () => {
    for (const hash of [`#s=${'A'.repeat(2 ** 20)}`, `#${'topK=2&'.repeat(2 ** 17)}`]) {
      const { scenario, text } = decodeChecked(hash);
      expect(scenario).toEqual(D);
      expect(text).toMatch(/too long/);
    }
  });

  it('random key=value links: valid, stable, and every bad value named by its key', () => {
    const keys = fc.constantFrom(...PARAM_KEYS, 'chip', 'k', 'E', 'T', 'model', 'v', 'lesson', 'zzz');
    const values = fc.oneof(
      fc.constantFrom(
        '',
        '-0',
        'NaN',
        '-Infinity',
        '1e309',
        '4k',
        '0x1f',
        ' 7 ',
        '%20',
        '2.5',
        'TRUE',
        'h100,,H100',
      ),
      fc.integer({ min: -5, max: 5000 }).map(String),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, values), { maxLength: 8 }), (pairs) => {
        const hash = `#${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
        decodeChecked(hash);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('scenario files (CLI --scenario, the app’s open-file)', () => {
  it('extra keys are named, missing keys take defaults', () => {
    const { scenario, issues } = scenarioFromJson('{"v": 2, "experts": 64, "colour": "blue"}');
    expect(scenario).toEqual({ ...D, experts: 64 });
    expect(issues).toEqual(['Ignored unknown parameter: colour.']);
  });

  it('wrong types are named with the key and what was used', () => {
    const { scenario, issues } = scenarioFromJson(
      '{"topK": "eight", "useBias": "sometimes", "chips": "h100", "tokens": null, "phase": 3, "experts": [64]}',
    );
    expect(isValidScenario(scenario)).toBe(true);
    expect(scenario.chips).toEqual(['h100']);
    const text = issues.join('\n');
    for (const key of ['topK', 'useBias', 'tokens', 'phase', 'experts']) expect(text).toContain(`(${key})`);
  });

  it('an older schema version is migrated', () => {
    const { scenario, issues } = scenarioFromJson('{"v": 1, "numExperts": 32, "k": 4, "chip": "MI300X"}');
    expect(issues).toEqual([]);
    expect([scenario.experts, scenario.topK, scenario.chips]).toEqual([32, 4, ['mi300x']]);
  });

  it('a UTF-8 byte-order mark (Windows editors) is skipped', () => {
    const { scenario, issues } = scenarioFromJson(`\uFEFF${scenarioToJson({ ...D, topK: 4 })}`);
    expect(issues).toEqual([]);
    expect(scenario.topK).toBe(4);
  });

  it('a file holding a link instead of JSON is read as that link, and says so', () => {
    for (const text of [
      `${V1}\n`,
      `https://example.org/moe-lab/${V1}`,
      '#preset=deepseek-v3&chip=h100,groq-lpu',
      'preset=deepseek-v3&topK=4\n',
    ]) {
      const { scenario, issues } = scenarioFromJson(text);
      expect(isValidScenario(scenario)).toBe(true);
      expect(issues[0]).toMatch(/holds a link, not scenario JSON/);
      expect(issues.slice(1)).toEqual([]);
      expect(scenario).not.toEqual(D);
    }
  });

  it('reads the scenario from `moe project --json` output (its "scenario" key)', () => {
    const out = JSON.stringify({ scenario: { ...D, experts: 32 }, issues: [], projections: [] });
    const { scenario, issues } = scenarioFromJson(out);
    expect(scenario.experts).toBe(32);
    expect(issues).toEqual(['Read the scenario from the file\'s "scenario" key.']);
  });

  it('garbage says what was expected', () => {
    expect(scenarioFromJson('experts: 64').issues[0]).toMatch(/not valid JSON .* expected an object such as/);
    expect(scenarioFromJson('"hello"').issues[0]).toMatch(/not an object/);
  });
});
