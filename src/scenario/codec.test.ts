import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CHIP_FIELD_KEYS, CHIP_FIELDS } from './chipFields';
import { decodeHash, encodeHash, scenarioFromJson, scenarioToJson } from './codec';
import { CHIP_BASES } from './customChips';
import { migrate, SCHEMA_VERSION } from './migrations';
import { CHIP_PRESETS } from './presets/chips';
import { MODEL_PRESETS } from './presets/models';
import { defaultScenario, PARAM_KEYS, type ParamDef, paramDef, type Scenario } from './schema';
import { isValidScenario, show, validateScenario } from './validate';

/** A custom chip as a link stores it: a name, a base and some figures in range (from the chip field table). */
const arbStoredChip: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 40 }),
    basedOn: fc.constantFrom(...CHIP_BASES.map((c) => c.id)),
    ...Object.fromEntries(
      CHIP_FIELD_KEYS.map((k) => {
        const f = CHIP_FIELDS[k];
        const arb =
          f.kind === 'bool'
            ? fc.boolean()
            : f.kind === 'int'
              ? fc.integer({ min: f.min, max: f.max })
              : fc.double({ min: f.min, max: f.max, noNaN: true });
        return [k, arb];
      }),
    ),
  },
  { requiredKeys: ['name'] },
);

/** Arbitrary for one parameter's valid values, straight from the schema. */
function arbParam(def: ParamDef): fc.Arbitrary<unknown> {
  switch (def.kind) {
    case 'int':
      return fc.integer({ min: def.min, max: def.max });
    case 'float':
      return fc.double({ min: def.min, max: def.max, noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...def.options);
    case 'numEnum':
      return fc.constantFrom(...def.options);
    case 'list':
      return fc.uniqueArray(fc.constantFrom(...CHIP_PRESETS.map((c) => c.id)), {
        minLength: def.minItems,
        maxLength: def.maxItems,
      });
    case 'customChips':
      return fc.array(arbStoredChip, { maxLength: def.maxItems, size: 'small' });
  }
}

/** Any valid scenario: random fields, then the cross-field rules applied. */
const arbScenario: fc.Arbitrary<Scenario> = fc
  .record(Object.fromEntries(PARAM_KEYS.map((k) => [k, arbParam(paramDef(k))])))
  .map((raw) => validateScenario(raw).scenario);

describe('scenario codec', () => {
  it('round-trips the default scenario', () => {
    const s = defaultScenario();
    const { scenario, issues } = decodeHash(`#${encodeHash(s)}`);
    expect(issues).toEqual([]);
    expect(scenario).toEqual(s);
  });

  it('encode → decode is the identity on every valid scenario', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        expect(isValidScenario(s)).toBe(true);
        const decoded = decodeHash(encodeHash(s));
        expect(decoded.issues).toEqual([]);
        expect(decoded.scenario).toEqual(s);
        const fromFile = scenarioFromJson(scenarioToJson(s));
        expect(fromFile.issues).toEqual([]);
        expect(fromFile.scenario).toEqual(s);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('decoding random strings never throws and yields a valid scenario', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const { scenario, issues } = decodeHash(text);
        expect(isValidScenario(scenario)).toBe(true);
        expect(Array.isArray(issues)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('decoding mutated links never throws, yields a valid scenario, and explains itself', () => {
    const arbMutated = fc
      .tuple(arbScenario, fc.nat(), fc.string({ minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([s, at, junk, cut]) => {
        const link = encodeHash(s);
        const i = 2 + (at % Math.max(1, link.length - 2));
        return cut ? link.slice(0, i) : link.slice(0, i) + junk + link.slice(i + 1);
      });
    fc.assert(
      fc.property(arbMutated, (link) => {
        const { scenario, issues } = decodeHash(link);
        expect(isValidScenario(scenario)).toBe(true);
        // A damaged compressed payload must be reported, not silently replaced.
        if (issues.length === 0) expect(decodeHash(encodeHash(scenario)).scenario).toEqual(scenario);
      }),
      { numRuns: 2000 },
    );
    // Links with custom chips are longer to inflate and read; 2000 of them take seconds on shared cores.
  }, 60_000);

  it('random JSON objects validate to a valid scenario with a message per bad field', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...PARAM_KEYS, 'junk'), fc.jsonValue()), (obj) => {
        const { scenario } = validateScenario(obj);
        expect(isValidScenario(scenario)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads readable short forms, presets and aliases', () => {
    const { scenario, issues } = decodeHash('#preset=deepseek-v3&chip=h100,groq-lpu&topK=4&tokens=1024');
    expect(issues).toEqual([]);
    expect(scenario.preset).toBe('deepseek-v3');
    expect(scenario.experts).toBe(256);
    expect(scenario.scoreFn).toBe('sigmoid');
    expect(scenario.topK).toBe(4);
    expect(scenario.tokens).toBe(1024);
    expect(scenario.chips).toEqual(['h100', 'groq-lpu']);
  });

  it('every model preset opens by short link without issues', () => {
    for (const p of MODEL_PRESETS) {
      const { scenario, issues } = decodeHash(`#preset=${p.id}`);
      expect(issues, p.id).toEqual([]);
      expect(scenario.preset).toBe(p.id);
      expect(isValidScenario(scenario)).toBe(true);
    }
  });

  it('names what was wrong in a hostile link and clamps it', () => {
    const { scenario, issues } = decodeHash('#topK=banana&experts=99999&chip=nope&seed=-5&__proto__=1');
    expect(scenario.topK).toBe(defaultScenario().topK);
    expect(scenario.experts).toBe(1024);
    expect(scenario.chips).toEqual(defaultScenario().chips);
    expect(scenario.seed).toBe(0);
    const text = issues.join('\n');
    for (const word of ['topK', 'experts', 'chips', 'seed']) expect(text).toContain(word);
  });

  it('reports a damaged compressed link and an over-long one', () => {
    expect(decodeHash('#s=AAAA').issues.join(' ')).toMatch(/damaged/);
    expect(decodeHash(`#${'x'.repeat(20_000)}`).issues.join(' ')).toMatch(/too long/);
  });

  it('keeps extra keys (lessons, modes) for other features', () => {
    const { extras } = decodeHash('#lesson=top-k&present=1');
    expect(extras).toEqual({ lesson: 'top-k', present: '1' });
    expect(decodeHash(encodeHash(defaultScenario(), extras)).extras).toEqual(extras);
  });

  it('opens a link made with schema version 1 (fixture) through the migration chain', () => {
    const link = readFileSync(new URL('../../test/fixtures/link-v1.txt', import.meta.url), 'utf8').trim();
    const { scenario, issues } = decodeHash(link);
    expect(issues).toEqual([]);
    expect(scenario.experts).toBe(32);
    expect(scenario.topK).toBe(4);
    expect(scenario.chips).toEqual(['mi300x']);
    expect(scenario.capacityFactor).toBe(0);
    expect(scenario.dModel).toBe(512);
    expect(scenario.scoreFn).toBe('sigmoid');
  });

  it('opens a schema-2 link (fixture): one byte width becomes a format per part', () => {
    const link = readFileSync(new URL('../../test/fixtures/link-v2.txt', import.meta.url), 'utf8').trim();
    const { scenario, issues } = decodeHash(link);
    expect(issues).toEqual([]);
    expect([scenario.weightFormat, scenario.expertFormat]).toEqual(['mxfp4', 'mxfp4']);
    expect([scenario.actFormat, scenario.kvFormat]).toEqual(['fp8', 'fp8']);
    expect([scenario.experts, scenario.topK, scenario.tokens]).toEqual([64, 4, 32]);
    // Short links and unversioned files may still use the old names; a width with no format is reported.
    expect(decodeHash('#weightBytes=1').scenario.expertFormat).toBe('fp8');
    const odd = scenarioFromJson('{"v": 2, "weightBytes": 3}');
    expect(odd.issues.join(' ')).toMatch(/weightBytes/);
    expect(odd.scenario.expertFormat).toBe('bf16');
  });

  it('says so when a link comes from a newer schema', () => {
    const { issues } = scenarioFromJson(JSON.stringify({ v: SCHEMA_VERSION + 1, topK: 2 }));
    expect(issues.join(' ')).toMatch(/newer/);
  });

  it("a scenario file naming a preset gets that preset's model; fields it gives win", () => {
    for (const preset of MODEL_PRESETS) {
      const { scenario, issues } = scenarioFromJson(JSON.stringify({ preset: preset.id, tokens: 64 }));
      expect(issues).toEqual([]);
      expect(scenario.preset).toBe(preset.id);
      expect(scenario.tokens).toBe(64);
      for (const [key, value] of Object.entries(preset.values))
        expect(scenario[key as keyof Scenario], `${preset.id}.${key}`).toEqual(value);
    }
    const mixtral = MODEL_PRESETS.find((p) => p.id === 'mixtral-8x7b');
    const k4 = scenarioFromJson('{"v": 2, "preset": "Mixtral-8x7B", "topK": 4}').scenario;
    expect(k4.topK).toBe(4);
    expect(k4.dModel).toBe(mixtral?.values.dModel);
    // A saved scenario gives every field, so it reads back exactly, preset or not.
    const saved = { ...defaultScenario(), preset: 'mixtral-8x7b', dModel: 64 } as Scenario;
    expect(scenarioFromJson(scenarioToJson(saved)).scenario).toEqual(saved);
  });

  it('rejects malformed scenario files with a clear message', () => {
    expect(scenarioFromJson('{not json').issues[0]).toMatch(/not valid JSON/);
    expect(scenarioFromJson('[1,2]').issues[0]).toMatch(/not an object/);
  });
});

describe('lesson links', () => {
  it('every lesson opens by link without issues and keeps its id', async () => {
    const { LESSONS } = await import('./presets/lessons');
    for (const lesson of LESSONS) {
      const { scenario, issues, extras } = decodeHash(`#lesson=${lesson.id}`);
      expect(issues, lesson.id).toEqual([]);
      expect(extras.lesson).toBe(lesson.id);
      for (const [key, value] of Object.entries(lesson.scenario)) {
        if (key === 'chip') expect(scenario.chips.join(',')).toBe(value);
        else if (key !== 'preset')
          expect(String(scenario[key as keyof Scenario]), `${lesson.id}.${key}`).toBe(value);
      }
    }
  });

  it('an unknown lesson is reported', () => {
    expect(decodeHash('#lesson=nope').issues.join(' ')).toMatch(/Unknown lesson/);
  });
});

describe('unknown link keys', () => {
  it('are reported, not silently dropped', () => {
    const { issues, extras } = decodeHash('#d=64&topK=2');
    expect(issues.join(' ')).toMatch(/unknown link key: d/);
    expect(extras).toEqual({});
  });
});

describe('text that holds no scenario is an error (issue 13)', () => {
  const b64 = (text: string) => Buffer.from(zlibSync(strToU8(text))).toString('base64url');

  it('sets `error` (one line, also in issues) for invalid JSON, too large, too deep and non-objects', () => {
    for (const [text, why] of [
      ['{not json', /^The scenario is not valid JSON \(.*\); expected an object such as/],
      ['', /not valid JSON/],
      ['   \n', /not valid JSON/],
      ['[1,2]', /holds an array, not an object of parameters/],
      ['3.5', /holds a number/],
      ['"x"', /holds a string/],
      ['null', /holds null/],
      ['true', /holds a boolean/],
      [' '.repeat(70_000), /too large \(70000 characters; at most 65536/],
      [`${'['.repeat(65)}${']'.repeat(65)}`, /^The scenario is nested 65 levels deep; at most 64 levels/],
      [`{"experts": ${'['.repeat(500)}`, /nested 501 levels deep/],
      [`#s=${b64('[1]')}`, /link whose scenario cannot be read: .*holds an array/],
      [`https://x.org/moe/#s=${b64('{"a":'.repeat(80) + '1' + '}'.repeat(80))}`, /nested 80 levels deep/],
    ] as const) {
      const read = scenarioFromJson(text);
      expect(read.error, JSON.stringify(text.slice(0, 30))).toMatch(why);
      expect(read.error).not.toMatch(/\n/);
      expect(read.issues).toContain(read.error);
      expect(isValidScenario(read.scenario)).toBe(true);
    }
  });

  it('a scenario with fixes has issues but no error', () => {
    for (const text of [
      '{}',
      '{"experts": "lots"}',
      `${'{"scenario":'.repeat(1)}{"experts": 8}}`,
      '#preset=nope&experts=8',
    ]) {
      const read = scenarioFromJson(text);
      expect(read.error, text).toBeUndefined();
    }
    // Nesting up to the limit is fine (unknown keys beside a scenario's are reported, not refused).
    const deep = `{"experts": 8, "junk": ${'['.repeat(63)}${']'.repeat(63)}}`;
    expect(scenarioFromJson(deep).error).toBeUndefined();
    expect(scenarioFromJson(deep).issues.join(' ')).toMatch(/Ignored unknown parameter: junk/);
  });

  it('an object with none of the scenario keys, a link with nothing readable, or text that is not UTF-8 is an error', () => {
    for (const [text, why] of [
      [
        '{"name": "my chip", "basedOn": "h100", "hbmBandwidthTBs": 9}',
        /holds none of the scenario's parameters \(its keys: "name", "basedOn", "hbmBandwidthTBs"\)/,
      ],
      ['{"layer_0": {"0": 5}}', /holds none of the scenario's parameters \(its keys: "layer_0"\)/],
      ['{"junk": [[[]]]}', /holds none of the scenario's parameters/],
      ['{"scenario": [1, 2]}', /"scenario" key holds an array, not an object/],
      ['{"scenario": {"foo": 1}}', /"scenario" key holds none of the scenario's parameters/],
      ['#preset=nope', /link with nothing readable in it: Unknown model preset "nope"/],
      ['#lesson=nope', /link with nothing readable in it: Unknown lesson/],
      ['#model=%E0%A4%A', /link with nothing readable in it: Could not read "model"/],
      ['https://moe.example/app#', /link with nothing after "#"/],
      [
        '\u0000{\u0000"\u0000v\u0000"\u0000:\u00004\u0000}',
        /not UTF-8 text \(it holds NUL characters: UTF-16/,
      ],
      ['{"preset": "caf\ufffd"}', /not UTF-8 text \(it holds bytes that are not UTF-8\)/],
    ] as const) {
      const read = scenarioFromJson(text);
      expect(read.error, text).toMatch(why);
      expect(read.error).not.toMatch(/\n/);
      expect(read.error?.includes(String.fromCharCode(0))).toBe(false);
    }
  });

  it('decodeHash reports a nested or non-object #s= payload with `error` and keeps the readable fields', () => {
    const nested = decodeHash(`#s=${b64(`${'['.repeat(1000)}${']'.repeat(1000)}`)}&topK=3`);
    expect(nested.error).toMatch(/nested 1000 levels deep; at most 64/);
    expect(nested.issues.join(' ')).toMatch(/nested 1000 levels deep.*opening the default scenario/);
    expect(nested.scenario.topK).toBe(3);
    expect(decodeHash('#s=AAAA').error).toMatch(/damaged/);
    // A zip bomb: a 1 MB payload of spaces compresses to a short link; it is refused, not inflated whole.
    const bomb = decodeHash(`#s=${b64(`${' '.repeat(2 ** 20)}{}`)}`);
    expect(bomb.error).toMatch(/too large \(more than 65536 characters once decompressed/);
    expect(decodeHash(`#s=${b64(`${' '.repeat(60_000)}{}`)}`).error).toBeUndefined();
    expect(decodeHash(`#${'x'.repeat(20_000)}`).error).toMatch(/too long/);
    expect(decodeHash(`#${encodeHash(defaultScenario())}`).error).toBeUndefined();
  });
});

describe('validateScenario and migrate never throw on hostile values (issue 13)', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  let deepObject: unknown = 1;
  for (let i = 0; i < 100_000; i++) deepObject = { a: deepObject };
  const cyclic: Record<string, unknown> = { x: 1 };
  cyclic.self = cyclic;
  const bare = Object.create(null) as Record<string, unknown>;
  bare.experts = 8;

  it('values nested 10^5 deep, cyclic, BigInt or without a prototype give messages, not exceptions', () => {
    for (const value of [deep, deepObject, cyclic, 10n, bare, [deep, cyclic], Symbol('s'), () => 1]) {
      const input = { v: value, experts: value, chips: value, phase: value, useBias: value, tokens: value };
      const { scenario, issues } = validateScenario(input);
      expect(isValidScenario(scenario)).toBe(true);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) expect(issue.length).toBeLessThan(400);
      const migrated = migrate(input);
      expect(migrated.issues.join(' ')).toMatch(/Unknown schema version/);
      const whole = validateScenario(value);
      expect(isValidScenario(whole.scenario)).toBe(true);
      if (typeof value !== 'object' || Array.isArray(value)) expect(whole.issues[0]).toMatch(/not an object/);
    }
    expect(validateScenario({ chips: [deep, 'h100', cyclic] }).scenario.chips).toEqual(['h100']);
  });

  it('renders values short: nested ones cut at a few levels, long ones at 40 characters', () => {
    expect(show(deep)).toBe('[[[[…]]]]');
    expect(show({ a: { b: [1, 'x'] } })).toBe('{"a":{"b":[1,"x"]}}');
    expect(show('y'.repeat(100))).toHaveLength(40);
    expect(show(Number.NaN)).toBe('NaN');
    expect(show(cyclic)).toBe('{"x":1,"self":{"x":1,"self":{"x":1,"s...');
  });
});
