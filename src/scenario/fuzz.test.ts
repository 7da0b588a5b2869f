/**
 * Fuzzing the scenario readers (issue 13): random text, random nested JSON and random bytes as `#s=` links.
 * Whatever the input, scenarioFromJson and decodeHash return, never throw, within bounded time, and give either
 * a valid scenario or one line saying why the input holds none. fast-check shrinks any failure to a small input.
 */
import fc from 'fast-check';
import { strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CHIP_FIELD_KEYS } from './chipFields';
import { decodeHash, scenarioFromJson } from './codec';
import { readChipFileText } from './customChips';
import { MAX_NESTING_DEPTH } from './json';
import { PARAM_KEYS } from './schema';
import { isValidScenario, validateScenario } from './validate';

/**
 * Each call must finish within this: real inputs take a few ms, so only a pathological case (backtracking, a
 * decompression bomb, unbounded recursion) comes near it, even on a loaded machine with a GC pause.
 */
const MAX_MS = 1000;

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const value = fn();
  expect(performance.now() - t0).toBeLessThan(MAX_MS);
  return value;
}

/** A result is a valid scenario, and an error is one non-empty line. */
function wellFormed(r: {
  scenario: Parameters<typeof isValidScenario>[0];
  issues: string[];
  error?: string;
}) {
  expect(isValidScenario(r.scenario)).toBe(true);
  expect(Array.isArray(r.issues)).toBe(true);
  if (r.error !== undefined) {
    expect(r.error.length).toBeGreaterThan(0);
    expect(r.error).not.toMatch(/\n/);
    expect(r.error).not.toMatch(/call stack/i);
  }
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** Nested JSON values: objects keyed by scenario fields or junk, arrays, and every kind of leaf. */
const { json: nestedJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null)),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...PARAM_KEYS, 'v', 'scenario', '__proto__'), fc.string()),
      tie('json'),
      {
        maxKeys: 5,
      },
    ),
  ),
}));

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const scenarioKey = (k: string) => (PARAM_KEYS as readonly string[]).includes(k) || k === 'v';

/** What scenarioFromJson reads: an object that is empty or has a scenario key, or a "scenario" key holding one. */
function holdsScenario(value: unknown, top: boolean): boolean {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0 || keys.some(scenarioKey)) return true;
  return top && keys.includes('scenario') && holdsScenario(value.scenario, false);
}

/** A chain of `depth` arrays or objects around a value: the deep end that random generation rarely reaches. */
const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 3 * MAX_NESTING_DEPTH }), fc.boolean(), fc.jsonValue({ maxDepth: 2 }))
  .map(([depth, arrays, leaf]) => {
    const open = arrays ? '['.repeat(depth) : '{"experts":'.repeat(depth);
    const close = arrays ? ']'.repeat(depth) : '}'.repeat(depth);
    return { depth, text: `${open}${JSON.stringify(leaf)}${close}` };
  });

describe('scenario readers under fuzzing', () => {
  it('scenarioFromJson on random strings (unicode, JSON-ish and link-ish)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(
          fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', '1', 'e', '-', ' ', 'null', '"experts"'),
          {
            maxLength: 300,
          },
        )
        .map((parts) => parts.join('')),
      fc.string({ maxLength: 100 }).map((s) => `#s=${s}`),
      fc.string({ maxLength: 100 }).map((s) => `https://example.org/#${s}`),
    );
    fc.assert(
      fc.property(text, (t) => wellFormed(timed(() => scenarioFromJson(t)))),
      { numRuns: 600 },
    );
  });

  it('scenarioFromJson on random nested JSON: a scenario, or an error when it is not an object', () => {
    fc.assert(
      fc.property(nestedJson, (value) => {
        const r = timed(() => scenarioFromJson(JSON.stringify(value) ?? 'null'));
        wellFormed(r);
        // Read when it is an object holding a scenario key ({} too), or a "scenario" key holding such an object.
        expect(r.error === undefined).toBe(holdsScenario(value, true));
      }),
      { numRuns: 400 },
    );
  });

  it('nesting beyond the limit is refused with its depth, within it is read', () => {
    fc.assert(
      fc.property(deepJson, ({ depth, text }) => {
        const r = timed(() => scenarioFromJson(text));
        wellFormed(r);
        // The leaf may add up to 2 levels of its own.
        if (depth > MAX_NESTING_DEPTH) expect(r.error).toMatch(/levels deep; at most 64/);
        else if (depth <= MAX_NESTING_DEPTH - 2 && !text.startsWith('[')) expect(r.error).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('decodeHash on random bytes and compressed random JSON as #s= links', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map(base64url),
      nestedJson.map((v) => base64url(zlibSync(strToU8(JSON.stringify(v) ?? 'null')))),
      deepJson.map(({ text }) => base64url(zlibSync(strToU8(text)))),
      fc.string({ maxLength: 100 }),
    );
    fc.assert(
      fc.property(payload, fc.boolean(), (p, asFile) => {
        const link = `#s=${p}`;
        if (asFile) wellFormed(timed(() => scenarioFromJson(link)));
        else {
          const d = timed(() => decodeHash(link));
          wellFormed(d);
          expect(typeof d.extras).toBe('object');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('validateScenario on random values (fc.anything: prototypes, BigInt, sparse arrays, deep nesting)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          maxDepth: 6,
          withBigInt: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
        }),
        fc.constantFrom(...PARAM_KEYS),
        (value, key) => {
          wellFormed(timed(() => validateScenario(value)));
          wellFormed(timed(() => validateScenario({ [key]: value, v: value })));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('chip files under fuzzing', () => {
  /** Chip-shaped objects: figure names with any value, meta keys, and junk keys. */
  const chipLike = fc.dictionary(
    fc.oneof(
      fc.constantFrom(...CHIP_FIELD_KEYS, 'name', 'basedOn', 'chipFormat', 'sources', 'figures', '__proto__'),
      fc.string({ maxLength: 6 }),
    ),
    fc.oneof(nestedJson, fc.double(), fc.constantFrom('h100', 'mi300x', 'nope', 1e308, -1)),
    { maxKeys: 12 },
  );
  const text = fc.oneof(
    chipLike.map((c) => JSON.stringify(c)),
    nestedJson.map((v) => JSON.stringify(v) ?? 'null'),
    deepJson.map(({ text }) => text),
    fc.string({ maxLength: 200 }),
  );

  it('readChipFileText gives a chip whose figures are finite, or one line saying why not', () => {
    fc.assert(
      fc.property(text, (t) => {
        const issues: string[] = [];
        const chip = timed(() => readChipFileText(t, 'chip.json', issues));
        for (const issue of issues) {
          expect(issue).not.toMatch(/[\n\r]|call stack/);
          expect(issue.startsWith('chip.json')).toBe(true);
        }
        if (chip === undefined) expect(issues.length).toBeGreaterThan(0);
        else for (const v of Object.values(chip.figures)) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
