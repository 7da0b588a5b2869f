/**
 * Readers for what serving systems write (vLLM's routed experts, MindSpeed-RL's expert token counts, LMDeploy's EPLB
 * statistics): each fixture under test/fixtures/serving/ was written by scripts/fixtures/serving_fixtures.py the way
 * the tool's code writes it, with the ids / counts it holds beside it (*.expected.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CountTable,
  choiceCounts,
  detectImportFormat,
  ImportError,
  type ImportOptions,
  parseImport,
  previewImport,
  type TokenChoices,
} from './imports';
import { countProblem, InputError } from './input';
import { writeNpy } from './npy';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'serving');
const bytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const text = (f: string) => readFileSync(join(DIR, f), 'utf8');
const expectedOf = (f: string) => JSON.parse(text(`${f}.expected.json`));

/** Parses and expects a one-line ImportError that names the file; returns the message. */
function refused(name: string, input: Uint8Array | string, opts: ImportOptions = {}): string {
  let message = '';
  try {
    parseImport(name, input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    message = (err as Error).message;
  }
  expect(message, 'expected a refusal').not.toBe('');
  expect(message.startsWith(`${name}:`) || message.startsWith(`${name} `), message).toBe(true);
  expect(message).not.toMatch(/[\n\r]/);
  return message;
}

const asChoices = (d: unknown) => {
  expect((d as TokenChoices).format).toBe('token-choices');
  return d as TokenChoices;
};
const asTable = (d: unknown) => {
  expect((d as CountTable).format).toBe('count-table');
  return d as CountTable;
};

describe('vLLM routed experts [tokens, layers, top_k]', () => {
  for (const f of [
    'vllm_routed_experts_u8.npy',
    'vllm_routed_experts_u16.npy',
    'vllm_routed_experts_i32.npy',
    'vllm_routed_experts_dense.npy',
  ]) {
    it(`${f}: the same ids and counts as the array vLLM returned`, () => {
      const want = expectedOf(f);
      expect(detectImportFormat(f, bytes(f))).toBe('token-choices');
      const c = asChoices(parseImport(f, bytes(f), { experts: want.experts }));
      expect([c.tokens, c.layers, c.topK, c.experts]).toEqual([
        want.tokens,
        want.layers,
        want.topK,
        want.experts,
      ]);
      expect(Array.from(c.ids)).toEqual(want.ids);
      expect(c.layerIds).toEqual(want.layerIds);
      for (let l = 0; l < c.layers; l++) expect(Array.from(choiceCounts(c, l))).toEqual(want.counts[l]);
    });
  }

  it('layers vLLM never captured (dense: all zero) are dropped with a note, in .npy and JSON; k = 1 keeps them', () => {
    const f = 'vllm_routed_experts_dense.npy';
    const c = asChoices(parseImport(f, bytes(f), { layers: 3 }));
    expect(c.layerIds).toEqual([1, 2]);
    expect(c.notes?.join(' ')).toMatch(/Dropped 1 layer whose expert ids are all zero \(layer id 0\)/);
    const j = asChoices(parseImport('d.json', '[[[0, 0], [1, 2]], [[0, 0], [3, 1]]]'));
    expect(j.layerIds).toEqual([1]);
    expect(Array.from(j.ids)).toEqual([1, 2, 3, 1]);
    expect(j.notes?.join(' ')).toMatch(/Dropped 1 layer .*layer id 0/);
    // A zero row in a captured layer is still refused; so is a trace with no captured layer.
    expect(refused('d.json', '[[[0, 0], [1, 2]], [[1, 0], [3, 1]]]')).toMatch(
      /token 0, layer 0: expert 0 is chosen twice/,
    );
    expect(refused('d.json', '[[[0, 0]], [[0, 0]]]')).toMatch(/chosen twice/);
    const k1 = asChoices(parseImport('k1.json', '[[[0], [2]], [[0], [1]]]'));
    expect(k1.layerIds).toEqual([0, 1]);
    // An explicit layerIds option keeps the .npy as given (and so refuses the zero rows).
    expect(refused(f, bytes(f), { layerIds: [0, 1, 2] })).toMatch(/chosen twice/);
  });

  it('the uint16 trace (more than 256 experts) keeps ids above 255', () => {
    const c = asChoices(parseImport('u16.npy', bytes('vllm_routed_experts_u16.npy')));
    expect(Math.max(...c.ids)).toBeGreaterThan(255);
  });

  it('JSON (routed_experts.tolist()): detected, the same ids and counts, previewed', () => {
    const f = 'vllm_routed_experts_u8.json';
    const want = expectedOf(f);
    expect(detectImportFormat(f, text(f))).toBe('token-choices');
    const c = asChoices(parseImport(f, text(f), { experts: 16, layers: 4 }));
    expect(c.source).toBe('json');
    expect([c.tokens, c.layers, c.topK]).toEqual([want.tokens, want.layers, want.topK]);
    expect(Array.from(c.ids)).toEqual(want.ids);
    for (let l = 0; l < c.layers; l++) expect(Array.from(choiceCounts(c, l))).toEqual(want.counts[l]);
    // The .npy of the same request reads the same.
    const npy = asChoices(parseImport('u8.npy', bytes('vllm_routed_experts_u8.npy'), { experts: 16 }));
    expect(Array.from(npy.ids)).toEqual(Array.from(c.ids));
    const p = previewImport(f, text(f), { experts: 16 });
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect(p.summary.layers).toBe(4);
      expect(p.summary.tokens).toBe(want.tokens);
      expect(p.summary.perLayer.map((x) => x.total)).toEqual(want.counts.map(() => want.tokens * want.topK));
      expect(p.summary.notes.join(' ')).toMatch(/vLLM/);
      expect(p.summary.firstRows[0][2]).toBe(want.ids.slice(0, want.topK).join(' '));
    }
  });

  it('refuses malformed JSON with one line naming the place', () => {
    expect(refused('v.json', '[[[1, 2]], [[3, "x"]]]')).toMatch(
      /token 1, layer 0: expert id "x" is not a whole number/,
    );
    expect(refused('v.json', '[[[1, 2.5]]]')).toMatch(/expert id 2\.5 is not a whole number/);
    expect(refused('v.json', '[[[1, -1]]]')).toMatch(/token 0, layer 0: expert id -1 is negative/);
    expect(refused('v.json', '[[[1, 1]]]')).toMatch(/chosen twice/);
    expect(refused('v.json', '[[[1, 2]], [[3]]]')).toMatch(
      /token 1, layer 0: 1 expert ids, but the first has 2/,
    );
    expect(refused('v.json', '[[[1, 2], [3, 4]], [[3, 4]]]')).toMatch(/token 1: 1 layers, but token 0 has 2/);
    expect(refused('v.json', '[[[1, 2]]]', { experts: 2 })).toMatch(/expert id 2 is outside 0–1/);
    expect(refused('v.json', '[[[0, 1], [0, 1], [0, 1]]]', { layers: 2 })).toMatch(
      /3 layers but the model has 2/,
    );
    expect(refused('v.json', '[[[1, null]]]')).toMatch(/expert id null is not a whole number/);
    expect(refused('v.json', '[[[1, 2]], [[3, 4]')).toMatch(/not valid JSON/);
    expect(refused('v.json', `${'['.repeat(200)}${']'.repeat(200)}`)).toMatch(/nested 200 levels deep/);
    expect(refused('v.json', '[[[]]]')).toMatch(/no expert ids/);
    expect(refused('v.json', '[[[1e400, 2]]]')).toMatch(/not a whole number/);
    expect(refused('v.json', '[[[1, 2]]]', { format: 'count-table' })).toMatch(/holds vLLM's routed experts/);
  });

  it('refuses malformed .npy traces', () => {
    const t = (data: number[], shape: number[]) => writeNpy(Int32Array.from(data), shape);
    expect(refused('v.npy', t([0, 1, 2, -1], [2, 1, 2]))).toMatch(/expert id -1 is negative/);
    expect(refused('v.npy', t([0, 1, 2, 9], [2, 1, 2]), { experts: 8 })).toMatch(
      /expert id 9 is outside 0–7/,
    );
    expect(refused('v.npy', t([0, 1, 2, 3, 4, 5], [1, 3, 2]), { layers: 2 })).toMatch(
      /3 layers but the model has 2/,
    );
    expect(refused('v.npy', t([0, 0, 1, 2], [2, 1, 2]))).toMatch(/chosen twice/);
  });
});

describe("MindSpeed-RL's eplb_token_collects_{rank}.json {layer: {expert: count}}", () => {
  const f = 'eplb_token_collects_0.json';

  it('round-trips to the counts the writer added up, and previews', () => {
    const want = expectedOf(f);
    expect(detectImportFormat(f, text(f))).toBe('count-table');
    const t = asTable(parseImport(f, bytes(f), { layers: 3, experts: 16 }));
    expect(t.layerIds).toEqual(want.layerIds);
    expect(t.experts).toBe(want.experts);
    expect(t.counts.map((r) => Array.from(r))).toEqual(want.counts);
    const p = previewImport(f, text(f));
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect(p.summary.format).toBe('count-table');
      expect(p.summary.perLayer.map((x) => x.total)).toEqual(
        want.counts.map((r: number[]) => r.reduce((a, b) => a + b)),
      );
      expect(p.summary.notes.join(' ')).toMatch(/MindSpeed-RL/);
      expect(p.summary.firstRows[0]).toEqual(['0', '0', String(want.counts[0][0])]);
    }
  });

  it('missing experts count 0; all-zero layers are dropped with a note; all-zero is refused', () => {
    const t = asTable(parseImport('m.json', '{"3": {"0": 0, "1": 0}, "1": {"2": 5}}'));
    expect(t.layerIds).toEqual([1]);
    expect(Array.from(t.counts[0])).toEqual([0, 0, 5]);
    expect(t.notes?.join(' ')).toMatch(/Dropped 1 layer .*layer id 3/);
    expect(refused('m.json', '{"0": {"0": 0}, "1": {"1": 0}}')).toMatch(/every count is zero/);
  });

  it('refuses malformed files with one line naming the place', () => {
    expect(refused('m.json', '{"0": {"0": -3}}')).toMatch(/layer "0", expert 0: count -3 is negative/);
    expect(refused('m.json', '{"0": {"0": 2.5}}')).toMatch(/count 2\.5 is not a whole number/);
    expect(refused('m.json', '{"0": {"0": "7"}}')).toMatch(/count "7" is not a number/);
    expect(refused('m.json', '{"0": {"0": null}}')).toMatch(/count null is not a number/);
    expect(refused('m.json', '{"0": {"0": 1e999}}')).toMatch(/is not finite/);
    expect(refused('m.json', '{"0": {"x": 1}}')).toMatch(/expert key "x" is not an expert id/);
    expect(refused('m.json', '{"0": {"0": 1}, "layer_1": {"0": 1}}')).toMatch(
      /layer key "layer_1" is not a layer id/,
    );
    expect(refused('m.json', '{"0": {"0": 1}, "__proto__": {"0": 1}}')).toMatch(/layer key "__proto__"/);
    expect(refused('m.json', '{"0": {"0": 1}, "00": {"1": 1}}')).toMatch(/layer 0 appears twice/);
    expect(refused('m.json', '{"0": {"0": 1}, "1": [1, 2]}')).toMatch(/layer "1": an array, not an object/);
    expect(refused('m.json', '{"5": {"0": 1}}', { layers: 4 })).toMatch(/layer id 5 is outside 0–3/);
    expect(refused('m.json', '{"0": {"16": 1}}', { experts: 16 })).toMatch(/expert id 16 is outside 0–15/);
    expect(refused('m.json', '{"0": {"70000": 1}}')).toMatch(/70001 experts per layer; at most 65536/);
    expect(refused('m.json', '{"0": {"0": 1}')).toMatch(/not valid JSON/);
    expect(refused('m.json', `{"0": ${'['.repeat(100)}${']'.repeat(100)}}`)).toMatch(
      /nested 101 levels deep/,
    );
    expect(refused('m.json', '{"0": {"0": 1}}', { format: 'token-choices' })).toMatch(/holds MindSpeed-RL/);
  });
});

describe("LMDeploy's EPLB statistics [layers][experts]", () => {
  const f = 'lmdeploy_eplb_statistic.json';

  it('round-trips to the counts, dense layers (zero rows) dropped with a note, and previews', () => {
    const want = expectedOf(f);
    expect(detectImportFormat(f, bytes(f))).toBe('count-table');
    const t = asTable(parseImport(f, bytes(f), { layers: 5, experts: 32 }));
    expect(t.layerIds).toEqual(want.layerIds);
    expect(t.counts.map((r) => Array.from(r))).toEqual(want.counts);
    expect(t.notes?.join(' ')).toMatch(/Dropped 1 layer .*layer id 0\)/);
    const p = previewImport(f, text(f), { topK: 4 });
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect(p.summary.layers).toBe(4);
      expect(p.summary.tokens).toBe(40);
      expect(p.summary.notes.join(' ')).toMatch(/LMDeploy/);
    }
  });

  it('refuses malformed files with one line naming the place', () => {
    expect(refused('l.json', '[[1, 2], [3, -4]]')).toMatch(
      /\[1\]\[1\] \(layer 1, expert 1\): count -4 is negative/,
    );
    expect(refused('l.json', '[[1, 2.5]]')).toMatch(/count 2\.5 is not a whole number/);
    expect(refused('l.json', '[[1, "2"]]')).toMatch(/count "2" is not a number/);
    expect(refused('l.json', '[[1, null]]')).toMatch(/count null is not a number/);
    expect(refused('l.json', '[[1, 2], [3]]')).toMatch(/row 1 has 1 counts but row 0 has 2/);
    expect(refused('l.json', '[[1, 2], 3]')).toMatch(/row 1 is 3, not a list/);
    expect(refused('l.json', '[[]]')).toMatch(/row 0 is empty/);
    expect(refused('l.json', '[[0, 0], [0, 0]]')).toMatch(/every count is zero/);
    expect(refused('l.json', '[[1], [2], [3]]', { layers: 2 })).toMatch(/3 rows .* the model has 2 layers/);
    expect(refused('l.json', '[[1, 2]]', { experts: 3 })).toMatch(/2 experts per layer but the model has 3/);
    expect(refused('l.json', '[[1, 2], [3, 4]')).toMatch(/not valid JSON/);
    expect(refused('l.json', '[[1, 2]]', { format: 'token-choices' })).toMatch(
      /holds LMDeploy's EPLB statistics/,
    );
    expect(refused('l.json', '[[{"a": 1}]]')).toMatch(/count an object is not a number/);
  });
});

describe('other JSON still goes to the choices reader', () => {
  it('records and columns objects are not taken for a serving format', () => {
    const records = '[{"token": 0, "layer": 0, "experts": [1, 2]}]';
    expect(detectImportFormat('r.json', records)).toBe('token-choices');
    expect(asChoices(parseImport('r.json', records)).topK).toBe(2);
    const cols = '{"topk_ids": [[1, 2], [0, 3]]}';
    expect(asChoices(parseImport('c.json', cols)).tokens).toBe(2);
  });
});

describe('fuzz: a clear error or a valid result, in bounded time', () => {
  const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
  const LIMIT_MS = 2000;
  const leaf = fc.oneof(
    fc.integer({ min: -3, max: 40 }),
    fc.double({ noNaN: false }),
    fc.constantFrom(null, true, '3', 'x', 2 ** 53),
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 5 }),
      fc.dictionary(
        fc.oneof(fc.constantFrom('0', '1', '2', '07', '__proto__', 'layer_1'), fc.string({ maxLength: 3 })),
        tie('tree'),
        { maxKeys: 4 },
      ),
    ),
  }));
  const optsArb = fc.record(
    { experts: fc.integer({ min: 1, max: 64 }), layers: fc.integer({ min: 1, max: 8 }) },
    { requiredKeys: [] },
  );

  function check(name: string, input: string, opts: ImportOptions): void {
    const start = performance.now();
    let data: ReturnType<typeof parseImport>;
    try {
      data = parseImport(name, input, opts);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      expect(err.message.startsWith(name), err.message).toBe(true);
      expect(err.message).not.toMatch(/[\n\r]|call stack|undefined|NaN/);
      expect(performance.now() - start).toBeLessThan(LIMIT_MS);
      return;
    }
    expect(performance.now() - start).toBeLessThan(LIMIT_MS);
    expect(data.layerIds.length).toBeGreaterThan(0);
    if (opts.experts !== undefined) expect(data.experts).toBe(opts.experts);
    for (const id of data.layerIds) if (opts.layers !== undefined) expect(id).toBeLessThan(opts.layers);
    if (data.format === 'count-table') {
      for (const row of data.counts) {
        expect(row.length).toBe(data.experts);
        for (const c of row) expect(countProblem(c)).toBeUndefined();
        expect(row.some((c) => c > 0)).toBe(true);
      }
    } else if (data.format === 'token-choices') {
      expect(data.ids.length).toBe(data.tokens * data.layers * data.topK);
      for (const e of data.ids) expect(e >= 0 && e < data.experts).toBe(true);
    } else throw new Error(`unexpected format ${data.format}`);
  }

  it('MindSpeed-RL: {layer: {expert: count}} with random keys and values', () => {
    const body = fc.dictionary(
      fc.oneof(fc.constantFrom('0', '1', '2', '3', '9', '01'), fc.string({ maxLength: 3 })),
      fc.oneof(
        fc.dictionary(
          fc.oneof(fc.constantFrom('0', '1', '5', '63', '64'), fc.string({ maxLength: 2 })),
          leaf,
          { maxKeys: 6 },
        ),
        tree,
      ),
      { minKeys: 1, maxKeys: 5 },
    );
    fc.assert(
      fc.property(body, optsArb, (o, opts) => {
        const json = JSON.stringify(o);
        // Only what the MindSpeed-RL branch sees (a first key of digits holding an object) is this reader's.
        check('m.json', json, opts);
      }),
      { numRuns: RUNS },
    );
  });

  it('LMDeploy: [layers][experts] with random rows and values', () => {
    const body = fc.array(fc.oneof(fc.array(leaf, { minLength: 0, maxLength: 6 }), tree), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(body, optsArb, (rows, opts) => check('l.json', JSON.stringify(rows), opts)),
      { numRuns: RUNS },
    );
  });

  it('vLLM: [tokens][layers][top_k] with random ids and shapes, JSON and .npy', () => {
    const body = fc.array(
      fc.array(fc.oneof(fc.array(leaf, { maxLength: 4 }), tree), { minLength: 1, maxLength: 4 }),
      {
        minLength: 1,
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(body, optsArb, (t, opts) => check('v.json', JSON.stringify(t), opts)),
      { numRuns: RUNS },
    );
    const npy = fc
      .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }))
      .chain(([T, L, k]) =>
        fc.tuple(
          fc.constant([T, L, k]),
          fc.array(fc.integer({ min: -2, max: 70 }), { minLength: T * L * k, maxLength: T * L * k }),
        ),
      );
    fc.assert(
      fc.property(npy, optsArb, ([shape, data], opts) => {
        const start = performance.now();
        try {
          const c = parseImport('v.npy', writeNpy(Int32Array.from(data), shape), opts);
          if (c.format === 'token-choices') for (const e of c.ids) expect(e >= 0 && e < c.experts).toBe(true);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          expect(err.message.startsWith('v.npy')).toBe(true);
          expect(err.message).not.toMatch(/[\n\r]/);
        }
        expect(performance.now() - start).toBeLessThan(LIMIT_MS);
      }),
      { numRuns: RUNS },
    );
  });

  it('every serving branch: random text after a serving prefix', () => {
    const prefix = fc.constantFrom('{"0": {', '[[[', '[[', ' \n{ "12" :{', '\ufeff[[');
    fc.assert(
      fc.property(prefix, fc.string({ maxLength: 60 }), optsArb, (p, rest, opts) =>
        check('s.json', p + rest, opts),
      ),
      { numRuns: RUNS },
    );
  });
});
