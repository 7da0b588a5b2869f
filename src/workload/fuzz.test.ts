/**
 * Fuzz tests, one per reader of outside files (fast-check, with shrinking): random bytes, random nesting, random
 * dtypes and shapes. Each asserts only "a clear error or a valid result, in bounded time": a clear error is an
 * InputError (ImportError and NpyError are InputErrors) whose message is one line that starts with the file name and
 * never mentions the call stack; a valid result holds the invariants its consumers rely on (finite numbers, counts
 * under the one rule, ids in range). Any other exception fails the property and is shrunk to a small input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestingDepth } from '../scenario';
import { type ImportedData, type ImportOptions, parseImport, summarizeImport } from './imports';
import { countProblem, InputError, MAX_NESTING_DEPTH } from './input';
import { readNpy } from './npy';

/** Generous for inputs of a few kB: only a hang or a quadratic blow-up gets near it. */
const TIME_LIMIT_MS = 2000;
/** Runs per property (FUZZ_RUNS=5000 for a longer search). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

/** Runs a reader on one input: a clear error, or a result that `valid` accepts, within TIME_LIMIT_MS. */
function clearOrValid<T>(name: string, run: () => T, valid: (out: T) => void): void {
  const start = performance.now();
  let out: T;
  try {
    out = run();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    expect(err.message.startsWith(name), err.message).toBe(true);
    expect(err.message, err.message).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(err.message).not.toMatch(/call stack|undefined|NaN experts/i);
    expect(performance.now() - start).toBeLessThan(TIME_LIMIT_MS);
    return;
  }
  expect(performance.now() - start).toBeLessThan(TIME_LIMIT_MS);
  valid(out);
}

/** The invariants every import keeps, whatever its format. */
function validImport(data: ImportedData, opts: ImportOptions): void {
  expect(data.layerIds.length).toBeGreaterThan(0);
  expect(new Set(data.layerIds).size).toBe(data.layerIds.length);
  // Ids read from the rows of a CSV or JSON file come out ascending (a .npy keeps the order it was given).
  if (!opts.layerIds)
    for (let i = 1; i < data.layerIds.length; i++)
      expect(data.layerIds[i]).toBeGreaterThan(data.layerIds[i - 1]);
  for (const id of data.layerIds) {
    expect(countProblem(id)).toBeUndefined();
    if (opts.layers !== undefined) expect(id).toBeLessThan(opts.layers);
  }
  expect(Number.isInteger(data.experts) && data.experts >= 1 && data.experts <= 65536).toBe(true);
  if (opts.experts !== undefined) expect(data.experts).toBe(opts.experts);
  if (data.format === 'count-table') {
    expect(data.counts.length).toBe(data.layerIds.length);
    for (const row of data.counts) {
      expect(row.length).toBe(data.experts);
      let total = 0;
      for (const c of row) {
        expect(countProblem(c)).toBeUndefined();
        total += c;
      }
      expect(total, 'an all-zero layer is dropped').toBeGreaterThan(0);
    }
  } else if (data.format === 'token-choices') {
    expect(data.topK).toBeGreaterThan(0);
    expect(data.topK).toBeLessThanOrEqual(Math.min(64, data.experts));
    expect(data.ids.length).toBe(data.tokens * data.layers * data.topK);
    for (let cell = 0; cell < data.tokens * data.layers; cell++) {
      const row = Array.from(data.ids.subarray(cell * data.topK, (cell + 1) * data.topK));
      expect(new Set(row).size).toBe(row.length);
      for (const e of row) expect(e >= 0 && e < data.experts).toBe(true);
    }
    if (data.weights) for (const w of data.weights) expect(Number.isFinite(w) && w >= 0).toBe(true);
  } else {
    expect(data.logits.length).toBe(data.layers);
    for (const l of data.logits) {
      expect(l.length).toBe(data.tokens * data.experts);
      for (const v of l) expect(Number.isFinite(v)).toBe(true);
    }
  }
  const summary = summarizeImport(data, 1, { topK: 1 });
  for (const p of summary.perLayer) expect(Number.isFinite(p.maxOverMean)).toBe(true);
  expect(summary.notes.every((n) => !/[\n\r]/.test(n))).toBe(true);
}

function checkImport(name: string, input: string | Uint8Array, opts: ImportOptions = {}): void {
  clearOrValid(
    name,
    () => parseImport(name, input, opts),
    (data) => validImport(data, opts),
  );
}

// ---- .npy -------------------------------------------------------------------------------------------------------

function npyBytes(header: string, data: Uint8Array, major: number): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = new TextEncoder().encode(`${header}\n`);
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

const DESCRS = [
  '<f4',
  '<f8',
  '<f2',
  '>f4',
  '>f8',
  '<i4',
  '>i4',
  '<i8',
  '>i8',
  '<i2',
  '|i1',
  '|u1',
  '<u2',
  '<u4',
];
const descr = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...DESCRS) },
  { weight: 1, arbitrary: fc.constantFrom('<c8', '|b1', '<U4', '|O', '<f16', '=f4', "[('a', '<f4')]") },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const BYTES: Record<string, number> = {
  f2: 2,
  f4: 4,
  f8: 8,
  i1: 1,
  i2: 2,
  i4: 4,
  i8: 8,
  u1: 1,
  u2: 2,
  u4: 4,
};

/** A header as NumPy writes it, with a random dtype, shape (or a nested literal in its place) and order. */
const npyFile = fc
  .record({
    descr,
    fortran: fc.oneof(fc.constantFrom('False', 'True'), fc.constantFrom('0', 'None', "'x'")),
    shape: fc.array(fc.nat(6), { maxLength: 4 }),
    nest: fc.oneof(
      { weight: 5, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }) },
    ),
    nestKind: fc.constantFrom('(', '[', '{'),
    /** Bytes added (or, negative, removed) after the data the shape needs. */
    slack: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }) },
    ),
    major: fc.constantFrom(1, 2, 3),
    seed: fc.uint8Array({ minLength: 0, maxLength: 64 }),
    special: fc.constantFrom('none', 'nan', 'inf', 'big', 'negative'),
  })
  .map((f) => {
    const shapeText =
      f.nest > 0
        ? f.nestKind === '{'
          ? `${"{'a': ".repeat(f.nest)}1${'}'.repeat(f.nest)}`
          : `${f.nestKind.repeat(f.nest)}1${(f.nestKind === '(' ? ')' : ']').repeat(f.nest)}`
        : f.shape.length === 1
          ? `(${f.shape[0]},)`
          : `(${f.shape.join(', ')})`;
    const header = `{'descr': ${f.descr.startsWith('[') ? f.descr : `'${f.descr}'`}, 'fortran_order': ${f.fortran}, 'shape': ${shapeText}, }`;
    const width = BYTES[f.descr.slice(1)] ?? 4;
    const n = Math.max(0, f.shape.reduce((a, b) => a * b, 1) * width + f.slack);
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = f.seed.length ? f.seed[i % f.seed.length] : 0;
    // Plant a value that a reader must check: NaN, infinity, a huge or a negative number.
    const view = new DataView(data.buffer);
    if (n >= 8 && f.special !== 'none') {
      const little = !f.descr.startsWith('>');
      const v = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, big: 3e38, negative: -1, none: 0 }[
        f.special
      ];
      if (f.descr.endsWith('f8')) view.setFloat64(0, v, little);
      else if (f.descr.endsWith('f4')) view.setFloat32(0, v, little);
      else if (f.descr.endsWith('f2')) view.setUint16(0, f.special === 'nan' ? 0x7e00 : 0x7c00, little);
    }
    return { bytes: npyBytes(header, data, f.major), shape: f.shape, nested: f.nest > 0 };
  });

describe('fuzz: readNpy', () => {
  it('random bytes, with and without the magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (raw, magic) => {
        const bytes = magic ? new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, ...raw]) : raw;
        clearOrValid(
          'r.npy',
          () => readNpy(bytes, 'r.npy'),
          (a) => expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1)),
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('valid-looking headers: random dtypes, shapes, orders, nesting and truncation', () => {
    fc.assert(
      fc.property(npyFile, fc.nat(), (f, cut) => {
        const bytes = cut % 4 === 0 ? f.bytes.subarray(0, cut % (f.bytes.length + 1)) : f.bytes;
        clearOrValid(
          'h.npy',
          () => readNpy(bytes, 'h.npy'),
          (a) => {
            expect(f.nested).toBe(false);
            expect(a.shape).toEqual(f.shape);
            expect(a.data.length).toBe(f.shape.reduce((x, y) => x * y, 1));
          },
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it(`a nesting deeper than ${MAX_NESTING_DEPTH} is always refused by depth`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_NESTING_DEPTH + 1, max: 20000 }),
        fc.constantFrom('(', '[', '{'),
        (n, k) => {
          const shape =
            k === '{'
              ? `${"{'a': ".repeat(n)}1${'}'.repeat(n)}`
              : `${k.repeat(n)}${(k === '(' ? ')' : ']').repeat(n)}`;
          const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
          expect(() => readNpy(npyBytes(header, new Uint8Array(0), 2), 'n.npy')).toThrow(
            /^n\.npy: (malformed header \(nested more than 64 levels deep|header is \d+ bytes)/,
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('fuzz: .npy imports (counts, traces, logits)', () => {
  const options: fc.Arbitrary<ImportOptions> = fc.record(
    {
      format: fc.constantFrom('count-table', 'token-choices', 'router-logits'),
      experts: fc.integer({ min: 1, max: 8 }),
      layers: fc.integer({ min: 1, max: 4 }),
      layerIds: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  it('random dtypes, shapes, values and options', () => {
    fc.assert(
      fc.property(npyFile, options, (f, opts) => checkImport('i.npy', f.bytes, opts)),
      { numRuns: RUNS * 2 },
    );
  });

  it('small integer arrays: counts [E] / [L, E] or top-k ids [T, k] / [T, L, k]', () => {
    const arrays = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        values: fc.array(fc.integer({ min: -2, max: 9 }), {
          minLength: shape.reduce((a, b) => a * b, 1),
          maxLength: shape.reduce((a, b) => a * b, 1),
        }),
        dtype: fc.constantFrom('<i4', '<i8', '|u1', '<f4', '<f8'),
      }),
    );
    fc.assert(
      fc.property(arrays, options, ({ shape, values, dtype }, opts) => {
        const width = BYTES[dtype.slice(1)];
        const data = new Uint8Array(values.length * width);
        const view = new DataView(data.buffer);
        values.forEach((v, i) => {
          if (dtype === '<i4') view.setInt32(i * 4, v, true);
          else if (dtype === '<i8') view.setBigInt64(i * 8, BigInt(v), true);
          else if (dtype === '|u1') view.setUint8(i, v & 0xff);
          else if (dtype === '<f4') view.setFloat32(i * 4, v, true);
          else view.setFloat64(i * 8, v, true);
        });
        const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
        const header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
        checkImport('a.npy', npyBytes(header, data, 1), opts);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

// ---- CSV --------------------------------------------------------------------------------------------------------

const field = fc.oneof(
  { weight: 6, arbitrary: fc.nat(12).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' 3 ',
      '-1',
      '2.5',
      '3e38',
      '1e999',
      'nan',
      'NaN',
      '0x10',
      '+4',
      '1.0',
      '5e0',
      '#',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"', '"1"', '"1,2"', '"a\nb"', '""', ' "q" ', '1 2', '1;2', '[0, 1]'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);

function csvText(header: string[], rows: string[][], sep: string, eol: string, extra: string[]): string {
  const lines = [header.join(sep), ...rows.map((r) => r.join(sep)), ...extra];
  return lines.join(eol) + eol;
}

const csvShape = (columns: fc.Arbitrary<string[]>) =>
  fc.record({
    header: columns,
    rows: fc.array(fc.array(field, { minLength: 2, maxLength: 6 }), { minLength: 0, maxLength: 25 }),
    sep: fc.constantFrom(',', '\t', ';'),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    extra: fc.array(fc.constantFrom('', '# comment', 'layer_id,expert_id,count', '   ', '0,0'), {
      maxLength: 3,
    }),
    bom: fc.boolean(),
    bytes: fc.boolean(),
  });

const render = (c: {
  header: string[];
  rows: string[][];
  sep: string;
  eol: string;
  extra: string[];
  bom: boolean;
  bytes: boolean;
}) => {
  const text = `${c.bom ? '\uFEFF' : ''}${csvText(c.header, c.rows, c.sep, c.eol, c.extra)}`;
  return c.bytes ? new TextEncoder().encode(text) : text;
};

describe('fuzz: CSV count tables', () => {
  const columns = fc
    .shuffledSubarray(['layer_id', 'expert_id', 'count', 'model', 'ratio', '', 'Unnamed: 0', 'count'], {
      minLength: 2,
      maxLength: 6,
    })
    .map((cols) => (cols.includes('count') ? cols : [...cols, 'count']));
  const opts = fc.record(
    { experts: fc.integer({ min: 1, max: 16 }), layers: fc.integer({ min: 1, max: 16 }) },
    { requiredKeys: [] },
  );
  it('random tables: columns, fields, separators, line ends, repeated headers, comments', () => {
    fc.assert(
      fc.property(csvShape(columns), opts, (c, o) =>
        checkImport('c.csv', render(c), { ...o, format: 'count-table' }),
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('mostly valid tables with a few bad fields', () => {
    const rows = fc.array(
      fc.tuple(
        fc.nat(4),
        fc.nat(7),
        fc.oneof({ weight: 9, arbitrary: fc.nat(50).map(String) }, { weight: 1, arbitrary: field }),
      ),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(rows, opts, fc.boolean(), (r, o, detect) => {
        const text = `layer_id,expert_id,count\n${r.map((x) => x.join(',')).join('\n')}\n`;
        checkImport('v.csv', text, detect ? o : { ...o, format: 'count-table' });
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: CSV token choices', () => {
  const columns = fc
    .shuffledSubarray(['token', 'layer', 'expert_ids', 'weights', 'extra'], { minLength: 2, maxLength: 5 })
    .map((cols) => (cols.includes('expert_ids') ? cols : [...cols, 'expert_ids']));
  it('random tables: ids lists, weights, quotes, separators', () => {
    const idList = fc
      .array(fc.integer({ min: -1, max: 9 }), { minLength: 0, maxLength: 4 })
      .chain((ids) =>
        fc.constantFrom(ids.join(' '), ids.join(';'), `"${ids.join(',')}"`, `[${ids.join(' ')}]`),
      );
    const weightList = fc
      .array(fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(0.5, 0.25, 1e39, -0.1)), { maxLength: 4 })
      .map((w) => w.map(String).join(' '));
    fc.assert(
      fc.property(
        csvShape(columns),
        fc.array(fc.tuple(fc.nat(4), fc.nat(2), idList, weightList), { minLength: 1, maxLength: 20 }),
        fc.record(
          { experts: fc.integer({ min: 1, max: 10 }), layers: fc.integer({ min: 1, max: 3 }) },
          { requiredKeys: [] },
        ),
        (c, tokens, o) => {
          checkImport('t.csv', render(c), { ...o, format: 'token-choices' });
          const hasWeights = tokens.every((t) => t[3] !== '');
          const text = `token,layer,expert_ids${hasWeights ? ',weights' : ''}\n${tokens
            .map(([t, l, ids, w]) => [t, l, ids, ...(hasWeights ? [w] : [])].join(','))
            .join('\n')}\n`;
          checkImport('u.csv', text, o);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

// ---- JSON -------------------------------------------------------------------------------------------------------

describe('fuzz: JSON choices', () => {
  const record = fc.record(
    {
      token: fc.oneof(fc.nat(5), fc.constantFrom(-1, 2.5, 3e38, '3', 'x', null)),
      layer: fc.oneof(fc.nat(3), fc.constantFrom(-1, 1.5, '1', [])),
      experts: fc.oneof(
        fc.uniqueArray(fc.nat(9), { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.constantFrom('1', 'x', 1.5, null)), {
          maxLength: 4,
        }),
      ),
      weights: fc.array(fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', 1e39, '0.5')), {
        maxLength: 3,
      }),
    },
    { requiredKeys: ['token', 'layer', 'experts'] },
  );
  const opts = fc.record(
    { experts: fc.integer({ min: 1, max: 10 }), layers: fc.integer({ min: 1, max: 4 }) },
    {
      requiredKeys: [],
    },
  );

  it('random records, arrays, objects under list keys and column objects', () => {
    const doc = fc.oneof(
      fc.array(record, { maxLength: 12 }),
      fc.record({ choices: fc.array(record, { maxLength: 6 }) }),
      fc.record({
        topk_ids: fc.array(fc.array(fc.nat(9), { maxLength: 3 }), { maxLength: 5 }),
        layer: fc.nat(3),
      }),
      fc.record({
        topk_ids: fc.array(fc.array(fc.array(fc.nat(9), { maxLength: 2 }), { maxLength: 3 }), {
          maxLength: 4,
        }),
        topk_weights: fc.array(fc.array(fc.array(fc.double(), { maxLength: 2 }), { maxLength: 3 }), {
          maxLength: 4,
        }),
      }),
      record,
    );
    fc.assert(
      fc.property(doc, opts, fc.boolean(), (d, o, lines) => {
        const text =
          lines && Array.isArray(d) && d.length > 1
            ? d.map((r) => JSON.stringify(r)).join('\n')
            : JSON.stringify(d);
        checkImport('j.json', text, o);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('random JSON values of any shape', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), opts, (v, o) => {
        const text = JSON.stringify(v);
        if (text === undefined || !/^\s*[[{]/.test(text)) return;
        checkImport('v.json', text, { ...o, format: 'token-choices' });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('random deep nesting, closed or not, around and inside records', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom('[', '{"choices":', '{"a":'),
        fc.constantFrom('outside', 'inside', 'unclosed'),
        (depth, open, where) => {
          const close = open === '[' ? ']' : '}';
          const record = '{"token":0,"layer":0,"experts":[1,2]}';
          const text =
            where === 'outside'
              ? `${open.repeat(depth)}[${record}]${close.repeat(depth)}`
              : where === 'inside'
                ? `[{"token":0,"layer":0,"experts":${'['.repeat(depth)}1${']'.repeat(depth)}}]`
                : `[${record},${open.repeat(depth)}`;
          checkImport('d.json', text, {});
          if (jsonNestingDepth(text) > MAX_NESTING_DEPTH)
            expect(() => parseImport('d.json', text)).toThrow(/nested \d+ levels deep; at most 64/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
