import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countsFromNpy } from '../costmodel';
import { type CountTable, ImportError, MAX_COUNT_CELLS, parseImport, previewImport } from './imports';
import {
  countProblem,
  countTableProblem,
  InputError,
  layerIdProblem,
  MAX_COUNT,
  MAX_NESTING_DEPTH,
  printable,
  zeroRows,
} from './input';
import { NpyError, readNpy, writeNpy } from './npy';

/** .npy bytes with any header text (version 1.0 or 2.0) and raw data. */
function npyBytes(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const padded = `${header}${' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(prefix + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  out.set(data, prefix + padded.length);
  return out;
}

const f64 = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);
const f64Npy = (values: number[], shape: number[]) =>
  npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`, f64(values));

/** The error a reader throws, checked to be one clear line that starts with the file name. */
function errorOf(run: () => unknown, name: string): InputError {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught, `${name} should be refused`).toBeInstanceOf(InputError);
  const err = caught as InputError;
  expect(err.message.startsWith(name), err.message).toBe(true);
  expect(err.message).not.toMatch(/[\n\r]/);
  expect(err.message).not.toMatch(/call stack/i);
  return err;
}
const importError = (name: string, input: string | Uint8Array, opts = {}) =>
  errorOf(() => parseImport(name, input, opts), name).message;

describe('the input contract', () => {
  it('ImportError and NpyError are InputErrors: one instanceof catches every refused file', () => {
    expect(new ImportError('x')).toBeInstanceOf(InputError);
    expect(new NpyError('x')).toBeInstanceOf(InputError);
    expect(new ImportError('x').name).toBe('ImportError');
    expect(new NpyError('x').name).toBe('NpyError');
  });

  it('printable keeps a message on one line and short', () => {
    expect(printable('a\nb\r\u2028c')).toBe('a\\u000ab\\u000d\\u2028c');
    expect(printable('x'.repeat(30), 5)).toBe('xxxxx…');
    expect(printable('plain')).toBe('plain');
  });

  it('countProblem is the one rule for a count', () => {
    expect([0, 1, 7, MAX_COUNT].map(countProblem)).toEqual([undefined, undefined, undefined, undefined]);
    expect(countProblem(2.5)).toBe('is not a whole number');
    expect(countProblem(3e38)).toMatch(/^is too large/);
    expect(countProblem(-1)).toBe('is negative');
    expect(countProblem(Number.NaN)).toBe('is not a number');
    expect(countProblem(Number.POSITIVE_INFINITY)).toBe('is not finite');
    expect(countTableProblem([1, 2, 3, 2.5], 2, [7, 9])).toBe(
      'count 2.5 at [1, 1] (layer 9, expert 1) is not a whole number',
    );
    expect(zeroRows([[0, 0], [0, 1], new Float64Array(3)])).toEqual([0, 2]);
    expect(layerIdProblem(3, 4)).toBeUndefined();
    expect(layerIdProblem(4, 4)).toBe('layer id 4 is outside 0–3 (the model has 4 layers)');
  });
});

describe('deep nesting is refused with one line, never a stack overflow', () => {
  const header = (shape: string) => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  for (const [what, open, close] of [
    ['tuples', '(', ')'],
    ['lists', '[', ']'],
    ['dicts', "{'a': ", '}'],
  ] as const) {
    for (const depth of [MAX_NESTING_DEPTH + 1, 1000, 20000]) {
      it(`a .npy header with ${what} nested ${depth} deep`, () => {
        const text = header(`${open.repeat(depth)}${close.repeat(depth)}`);
        // Version 2.0 holds headers past 64 KiB of length field; MAX_HEADER_BYTES still caps them.
        const bytes = npyBytes(text, new Uint8Array(0), text.length > 60000 ? 2 : 1);
        const err = errorOf(() => readNpy(bytes, 'deep.npy'), 'deep.npy');
        expect(err).toBeInstanceOf(NpyError);
        expect(err.message).toMatch(/nested more than 64 levels deep|header is \d+ bytes/);
        expect(importError('deep.npy', bytes)).toBe(err.message);
      });
    }
  }

  it('a header nested exactly 64 deep parses (and is refused for its shape, not its depth)', () => {
    const shape = `${'('.repeat(MAX_NESTING_DEPTH - 1)}1${')'.repeat(MAX_NESTING_DEPTH - 1)}`;
    const err = errorOf(() => readNpy(npyBytes(header(shape), f64([1])), 'ok.npy'), 'ok.npy');
    expect(err.message).toMatch(/shape is not a tuple of non-negative integers/);
  });

  for (const [what, text] of [
    ['arrays', `${'['.repeat(100000)}${']'.repeat(100000)}`],
    ['objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
    ['a record holding deep arrays', `[{"token":0,"layer":0,"experts":${'['.repeat(70)}1${']'.repeat(70)}}]`],
    ['unclosed arrays', '['.repeat(200000)],
    ['JSON Lines with one deep line', `{"token":0,"layer":0,"experts":[1]}\n{"token":${'['.repeat(90)}\n`],
  ]) {
    it(`JSON choices with ${what}`, () => {
      const message = importError('deep.json', text);
      expect(message).toMatch(
        /^deep\.json: the JSON is nested \d+ levels deep; at most 64 levels are accepted$/,
      );
      const p = previewImport('deep.json', text);
      expect(p.ok ? '' : p.error).toBe(message);
    });
  }

  it('invalid JSON is one line even when V8 quotes text with line breaks', () => {
    expect(importError('bad.json', '{"token":\n\n x}')).toMatch(/^bad\.json: not valid JSON \(.*\)$/);
  });
});

describe('non-finite numbers are refused with the file and the first bad place', () => {
  const T = 3;
  const E = 4;
  const logits = () => Float32Array.from({ length: 2 * T * E }, (_, i) => Math.sin(i));
  for (const [bad, at] of [
    [Number.NaN, 5],
    [Number.POSITIVE_INFINITY, 0],
    [Number.NEGATIVE_INFINITY, 2 * T * E - 1],
  ] as const) {
    it(`logits with ${bad} at flat ${at}`, () => {
      const data = logits();
      data[at] = bad;
      data[at + 1 < data.length ? at + 1 : 0] = Number.NaN; // a later bad value is not the one named
      const first = Math.min(at, at + 1 < data.length ? at + 1 : 0);
      const [l, t, e] = [Math.floor(first / (T * E)), Math.floor(first / E) % T, first % E];
      const message = importError('l.npy', writeNpy(data, [2, T, E]));
      expect(message).toContain(
        `l.npy: logit ${data[first]} at layer ${l}, token ${t}, expert ${e} is not finite`,
      );
      expect(message).toContain(`index [${l}, ${t}, ${e}]`);
    });
  }

  it('float16 and float64 logits holding NaN or infinity', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0x7c00, 0x3c00, 0x3c00]).buffer); // 1, +Inf, 1, 1
    const f2 = npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", half);
    expect(importError('h.npy', f2)).toMatch(
      /^h\.npy: logit Infinity at layer 0, token 0, expert 1 is not finite/,
    );
    expect(importError('d.npy', f64Npy([0, 1, 2, Number.NaN], [2, 2]))).toMatch(
      /logit NaN .* expert 1 .*\[1, 1\]/,
    );
  });

  const weights: [string, string, RegExp][] = [
    ['inf', 'token,layer,expert_ids,weights\n0,0,1 2,inf 0.4\n', /line 2: weight "inf" is not a number/],
    [
      '1e999 (Infinity)',
      'token,layer,expert_ids,weights\n0,0,1 2,0.5 1e999\n',
      /line 2: weight 1e999 is not a finite/,
    ],
    [
      '1e39 (beyond float32)',
      'token,layer,expert_ids,weights\n0,0,1 2,1e39 0.4\n',
      /line 2: weight 1e39 is not a finite number \(float32 holds at most/,
    ],
    [
      '-1e999',
      'token,layer,expert_ids,weights\n0,0,1 2,0.5 -1e999\n',
      /line 2: weight -1e999 is not a finite/,
    ],
  ];
  for (const [what, csv, error] of weights) {
    it(`CSV weights with ${what}`, () => {
      expect(importError('w.csv', csv)).toMatch(error);
    });
  }
  for (const [what, json, error] of [
    [
      '"NaN"',
      '[{"token":0,"layer":0,"experts":[1,2],"weights":["NaN",0.5]}]',
      /entry 0: weight "NaN" is not a finite/,
    ],
    [
      '1e400',
      '[{"token":0,"layer":0,"experts":[1,2],"weights":[1e400,0.5]}]',
      /entry 0: weight 1e400|Infinity/,
    ],
    [
      '"Infinity"',
      '{"topk_ids":[[1,2]],"topk_weights":[[0.5,"Infinity"]]}',
      /topk_ids\[0\]: weight "Infinity"/,
    ],
    ['1e39', '[{"token":0,"layer":0,"experts":[1,2],"weights":[1e39,0.5]}]', /float32 holds at most/],
  ] as const) {
    it(`JSON weights with ${what}`, () => {
      expect(importError('w.json', json)).toMatch(error);
    });
  }
});

describe('one rule for counts: .npy, CSV and JSON', () => {
  const bad: [number, string, RegExp][] = [
    [2.5, '2.5', /is not a whole number/],
    [3e38, '3e38', /is too large \(at most 9007199254740991\)/],
    [-1, '-1', /is negative/],
    [Number.NaN, 'NaN', /is not a (number|whole number ≥ 0)/],
  ];
  for (const [value, text, why] of bad) {
    it(`count ${text}`, () => {
      // .npy counts, float32 and float64 (an integer array cannot hold these).
      const f4 = writeNpy(new Float32Array([4, 1, value, 2]), [2, 2]);
      const npyMessage = importError('c.npy', f4, { format: 'count-table' });
      expect(npyMessage).toMatch(/^c\.npy: count \S+ at \[1, 0\] \(layer 1, expert 0\) /);
      expect(npyMessage).toMatch(why);
      expect(importError('d.npy', f64Npy([4, 1, value, 2], [2, 2]), { format: 'count-table' })).toMatch(why);
      // The projection's reader of .npy counts.
      const viaCostModel = errorOf(() => countsFromNpy(readNpy(f4), 'p.npy'), 'p.npy').message;
      expect(viaCostModel).toMatch(why);
      expect(viaCostModel).toMatch(/at \[1, 0\] \(layer 1, expert 0\)/);
      // CSV counts.
      if (text !== 'NaN') {
        expect(importError('c.csv', `layer_id,expert_id,count\n0,0,4\n0,1,${text}\n`)).toMatch(
          new RegExp(`^c\\.csv line 3: count ${text.replace('.', '\\.')} ${why.source}`),
        );
      } else {
        expect(importError('c.csv', 'layer_id,expert_id,count\n0,1,NaN\n')).toMatch(
          /line 2: count "NaN" is not a number/,
        );
      }
      // JSON token and layer ids (counted things) under the same rule.
      const jsonValue = Number.isNaN(value) ? '"NaN"' : text;
      expect(importError('c.json', `[{"token":${jsonValue},"layer":0,"experts":[1]}]`)).toMatch(
        new RegExp(`entry 0: token \\S+ ${why.source}`),
      );
      expect(importError('c.json', `{"topk_ids":[[1]],"layer":${jsonValue}}`)).toMatch(why);
      // CSV token ids.
      if (text !== 'NaN')
        expect(importError('t.csv', `token,layer,expert_ids\n${text},0,1 2\n`)).toMatch(
          new RegExp(`line 2: token ${text.replace('.', '\\.')} ${why.source}`),
        );
    });
  }

  it('whole numbers past float32 (2^24) and int32 (2^31) stay exact in .npy as in CSV and JSON; 2^53 is refused in all', () => {
    const wide = (descr: string, values: bigint[], shape: number[]) =>
      npyBytes(
        `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`,
        new Uint8Array((descr === '<u8' ? BigUint64Array.from(values) : BigInt64Array.from(values)).buffer),
      );
    const want = [[16777217, 2 ** 40, 3]];
    const files: [string, Uint8Array | string][] = [
      ['c.npy', f64Npy([16777217, 2 ** 40, 3], [3])],
      ['c.npy', wide('<i8', [16777217n, 2n ** 40n, 3n], [3])],
      ['c.npy', wide('<u8', [16777217n, 2n ** 40n, 3n], [1, 3])],
      ['c.csv', 'layer_id,expert_id,count\n0,0,16777217\n0,1,1099511627776\n0,2,3\n'],
      ['c.json', '[[16777217, 1099511627776, 3]]'],
    ];
    for (const [name, bytes] of files) {
      const t = parseImport(name, bytes, { format: 'count-table' }) as CountTable;
      expect(t.counts.map((c) => Array.from(c))).toEqual(want);
      // The projection's reader of .npy counts (moe project --counts) too.
      if (typeof bytes !== 'string')
        expect(countsFromNpy(readNpy(bytes, name, { exactCounts: true }), name).counts).toEqual(want);
    }
    // Without the option a count table is narrowed as every other array (16777217 is no float32).
    expect(Array.from(readNpy(f64Npy([16777217], [1])).data)).toEqual([16777216]);
    // 2^53: too large in every format, named by its place.
    const tooLarge = /is too large \(at most 9007199254740991\)/;
    for (const [name, bytes, at] of [
      ['f.npy', f64Npy([1, 2 ** 53, 3], [1, 3]), /count 9007199254740992 at \[0, 1\] \(layer 0, expert 1\)/],
      ['c.csv', 'layer_id,expert_id,count\n0,0,1\n0,1,9007199254740992\n', /line 3: count 9007199254740992/],
      ['c.json', '[[1, 9007199254740992, 3]]', /9007199254740992/],
    ] as const) {
      const message = importError(name, bytes, { format: 'count-table' });
      expect(message).toMatch(tooLarge);
      expect(message).toMatch(at);
    }
    // An int64 beyond 2^53 − 1 would round on its way to a number: refused by the reader with its exact value.
    for (const v of [2n ** 53n, 2n ** 63n - 1n, -(2n ** 60n)])
      expect(importError('i.npy', wide('<i8', [1n, v], [2]), { format: 'count-table' })).toMatch(
        new RegExp(`^i\\.npy: int64 value ${v} at flat index 1 of shape \\[2\\] is beyond 2\\^53 − 1`),
      );
  });

  it('integer .npy counts and CSV counts agree where both are valid', () => {
    const npy = parseImport('c.npy', writeNpy(new Int32Array([5, 0, 3, 2, 1, 1]), [2, 3]), {
      format: 'count-table',
    }) as CountTable;
    const csv = parseImport(
      'c.csv',
      'layer_id,expert_id,count\n0,0,5\n0,1,0\n0,2,3\n1,0,2\n1,1,1\n1,2,1\n',
    ) as CountTable;
    expect(npy.counts).toEqual(csv.counts);
    expect(npy.layerIds).toEqual(csv.layerIds);
  });

  it('a sum of rank dumps beyond MAX_COUNT is refused', () => {
    const big = '9007199254740000';
    expect(
      importError('s.csv', `layer_id,expert_id,count\n0,0,${big}\nlayer_id,expert_id,count\n0,0,${big}\n`),
    ).toMatch(/line 4: the counts of layer 0, expert 0 add up to more than 9007199254740991/);
  });

  it('a sparse table too large to hold is refused before it is built', () => {
    const rows = ['layer_id,expert_id,count'];
    for (let l = 0; l < 200; l++) rows.push(`${l},65535,1`);
    expect(importError('sparse.csv', `${rows.join('\n')}\n`)).toMatch(
      new RegExp(
        `^sparse\\.csv line \\d+: \\d+ layers × 65536 experts so far is more than ${MAX_COUNT_CELLS} counts`,
      ),
    );
  });
});

describe('layer ids beyond the model', () => {
  it('CSV count tables name the line and the model layer count', () => {
    const csv = 'layer_id,expert_id,count\n0,0,1\n3,0,2\n61,1,4\n';
    expect(importError('c.csv', csv, { layers: 61 })).toBe(
      'c.csv line 4: layer id 61 is outside 0–60 (the model has 61 layers)',
    );
    expect(importError('c.csv', csv, { layers: 2 })).toBe(
      'c.csv line 3: layer id 3 is outside 0–1 (the model has 2 layers)',
    );
    expect((parseImport('c.csv', csv, { layers: 62 }) as CountTable).layerIds).toEqual([0, 3, 61]);
    expect(importError('c.csv', csv, { layers: 0 })).toMatch(
      /the layer count 0 must be a whole number from 1/,
    );
    expect(importError('c.csv', csv, { layers: 2.5 })).toMatch(/the layer count 2\.5 must be a whole number/);
  });

  it('choices (CSV and JSON) name the line or entry', () => {
    expect(importError('t.csv', 'token,layer,expert_ids\n0,0,1 2\n0,5,1 2\n', { layers: 4 })).toBe(
      't.csv line 3: layer id 5 is outside 0–3 (the model has 4 layers)',
    );
    expect(
      importError('t.json', '[{"token":0,"layer":0,"experts":[1]},{"token":0,"layer":9,"experts":[1]}]', {
        layers: 1,
      }),
    ).toBe('t.json entry 1: layer id 9 is outside 0–0 (the model has 1 layer)');
    expect(importError('t.json', '{"topk_ids":[[[1],[2],[3]]]}', { layers: 2 })).toMatch(
      /^t\.json topk_ids\[0\]\[2\]: layer id 2 is outside 0–1/,
    );
  });

  it('.npy counts, traces and logits: more array layers than the model, or given ids beyond it', () => {
    const counts = writeNpy(new Int32Array([1, 1, 2, 3, 3, 3]), [3, 2]);
    expect(importError('c.npy', counts, { layers: 2, format: 'count-table' })).toMatch(
      /^c\.npy: the array has 3 layers but the model has 2/,
    );
    expect(importError('c.npy', counts, { layers: 8, layerIds: [1, 2, 8], format: 'count-table' })).toBe(
      'c.npy: array layer 2: layer id 8 is outside 0–7 (the model has 8 layers)',
    );
    expect(importError('c.npy', counts, { layerIds: [1, -2, 3], format: 'count-table' })).toMatch(
      /array layer 1: layer id -2 is negative/,
    );
    expect(importError('c.npy', counts, { layerIds: [4, 1, 4], format: 'count-table' })).toBe(
      'c.npy: layer id 4 is given for array layers 0 and 2; each layer once',
    );
    const trace = writeNpy(new Int32Array([0, 1, 1, 2, 2, 3]), [1, 3, 2]); // [T=1, L=3, k=2]
    expect(importError('t.npy', trace, { layers: 2 })).toMatch(/the array has 3 layers but the model has 2/);
    const logits = writeNpy(new Float32Array(2 * 2 * 4), [2, 2, 4]);
    expect(importError('l.npy', logits, { layers: 1 })).toMatch(/the array has 2 layers but the model has 1/);
    expect(importError('l.npy', logits, { layers: 4, layerIds: [0, 4] })).toMatch(
      /layer id 4 is outside 0–3/,
    );
    expect(errorOf(() => countsFromNpy(readNpy(counts), 'p.npy', { layers: 2 }), 'p.npy').message).toBe(
      'p.npy: the array has 3 layers but the model has 2',
    );
    expect(countsFromNpy(readNpy(counts), 'p.npy', { layers: 3 }).layerIds).toEqual([0, 1, 2]);
  });
});

describe('all-zero loads are never scored', () => {
  it('.npy counts: zero layers dropped with a note, an all-zero table refused', () => {
    const some = parseImport('c.npy', writeNpy(new Int32Array([0, 0, 0, 4, 1, 2, 0, 0, 0]), [3, 3]), {
      format: 'count-table',
      layerIds: [10, 11, 12],
    }) as CountTable;
    expect(some.layerIds).toEqual([11]);
    expect(some.counts.map((c) => Array.from(c))).toEqual([[4, 1, 2]]);
    expect(some.notes?.join(' ')).toMatch(/Dropped 2 layers whose counts are all zero \(layer ids 10, 12\)/);
    expect(some.firstRows[0]).toEqual(['11', '0', '4']);
    for (const zeros of [new Int32Array(6), new Int32Array(1)]) {
      expect(
        importError('z.npy', writeNpy(zeros, zeros.length === 1 ? [1] : [2, 3]), { format: 'count-table' }),
      ).toBe('z.npy: every count is zero: nothing to measure');
    }
    // Detected as counts (a row repeats an id) without asking, and still refused.
    expect(importError('z.npy', writeNpy(new Int32Array(8), [2, 4]))).toBe(
      'z.npy: every count is zero: nothing to measure',
    );
  });

  it('the projection reader drops and refuses the same way', () => {
    const t = countsFromNpy(readNpy(writeNpy(new Float32Array([0, 0, 3, 1, 0, 0]), [3, 2])), 'p.npy');
    expect(t.layerIds).toEqual([1]);
    expect(t.counts).toEqual([[3, 1]]);
    expect(t.notes?.[0]).toMatch(
      /Dropped 1 layer whose counts are all zero \(layer id 0, 2\)|Dropped 2 layers/,
    );
    expect(countsFromNpy(readNpy(writeNpy(new Int32Array([1, 2]), [2])), 'p.npy').notes).toBeUndefined();
    for (const zeros of [new Float32Array(4), new Int32Array(3)]) {
      expect(
        errorOf(() => countsFromNpy(readNpy(writeNpy(zeros, [zeros.length])), 'p.npy'), 'p.npy').message,
      ).toBe('p.npy: every count is zero: nothing to measure');
    }
  });
});

describe('sizes that would make a reader slow or huge are refused up front', () => {
  it('more expert ids per token than any top-k (CSV, JSON, .npy)', () => {
    const ids = Array.from({ length: 65 }, (_, e) => e);
    expect(importError('k.csv', `token,layer,expert_ids\n0,0,${ids.join(' ')}\n`)).toBe(
      'k.csv line 2: 65 expert ids per token; a model routes at most 64 (top-k)',
    );
    expect(importError('k.json', JSON.stringify([{ token: 0, layer: 0, experts: ids }]))).toMatch(
      /^k\.json entry 0: 65 expert ids per token/,
    );
    const wide = writeNpy(
      Int32Array.from({ length: 2 * 100 }, (_, i) => i % 100),
      [2, 1, 100],
    );
    expect(importError('k.npy', wide)).toMatch(/^k\.npy: 100 expert ids per token \(shape \[2, 1, 100\]\)/);
  });

  it('expert ids beyond 65535 in choices', () => {
    expect(importError('e.json', '[{"token":0,"layer":0,"experts":[1,70000]}]')).toBe(
      'e.json entry 0: expert id 70000 is too large (at most 65535)',
    );
    expect(importError('e.npy', writeNpy(new Int32Array([0, 2 ** 30]), [1, 2]))).toMatch(
      /token 0, layer 0: expert id 1073741824 is too large/,
    );
  });

  it('a sparse choice file (every token in its own layer) is refused without a tokens × layers grid', () => {
    const n = 20000;
    const rows = Array.from({ length: n }, (_, i) => `${i},${i},1 2`);
    const start = performance.now();
    expect(importError('s.csv', `token,layer,expert_ids\n${rows.join('\n')}\n`)).toBe(
      's.csv: token 0 has no row for layer 1 (every token needs a row in every layer)',
    );
    // A 20000 × 20000 × 2 grid would be 3.2 GB; the refusal takes a moment.
    expect(performance.now() - start).toBeLessThan(5000);
    expect(importError('s.csv', 'token,layer,expert_ids\n0,0,1\n0,0,2\n1,1,1\n')).toBe(
      's.csv line 3: token 0, layer 0 appears a second time',
    );
  });

  it('a JSON column object with no rows is an error, not a crash', () => {
    expect(importError('c.json', '{"topk_ids":[[]],"layer":0}')).toBe(
      'c.json: no expert choices in the file',
    );
  });
});

// ---- the streamed count-table reader against a direct sum -------------------------------------------------------

interface Model {
  filters: { name: string; values: string[] }[];
  /** Rows per section: [filter values..., layer, expert, count]. */
  sections: { combo: number[]; layer: number; expert: number; count: number }[][];
}

/** What the table must read as: the sum over sections of the rows whose filters are the first combination. */
function expected(m: Model) {
  const rows = m.sections.flat();
  const first = rows[0].combo;
  const sums = new Map<number, Map<number, number>>();
  let maxExpert = -1;
  for (const r of rows) {
    if (r.combo.some((v, k) => v !== first[k])) continue;
    maxExpert = Math.max(maxExpert, r.expert);
    const m2 = sums.get(r.layer) ?? new Map<number, number>();
    sums.set(r.layer, m2);
    m2.set(r.expert, (m2.get(r.expert) ?? 0) + r.count);
  }
  const ids = [...sums.keys()].sort((a, b) => a - b);
  const all = ids.map((l) => Array.from({ length: maxExpert + 1 }, (_, e) => sums.get(l)?.get(e) ?? 0));
  const keep = ids.map((_, i) => all[i].some((c) => c > 0));
  return {
    layerIds: ids.filter((_, i) => keep[i]),
    counts: all.filter((_, i) => keep[i]),
    rows: rows.length,
    selectedRows: rows.filter((r) => r.combo.every((v, k) => v === first[k])).length,
    dropped: keep.filter((k) => !k).length,
    allZero: keep.every((k) => !k),
  };
}

function render(m: Model, style: { quote: boolean; sep: string; eol: string; bom: boolean; index: boolean }) {
  const q = (s: string) => (style.quote ? `"${s}"` : s);
  const header = [
    ...(style.index ? [''] : []),
    ...m.filters.map((f) => f.name),
    'layer_id',
    'expert_id',
    'count',
  ];
  let i = 0;
  const lines: string[] = [];
  for (const section of m.sections) {
    lines.push(header.map(q).join(style.sep));
    for (const r of section) {
      const fields = [
        ...(style.index ? [String(i++)] : []),
        ...r.combo.map((v, k) => m.filters[k].values[v]),
        String(r.layer),
        String(r.expert),
        String(r.count),
      ];
      lines.push(fields.map(q).join(style.sep));
    }
  }
  return `${style.bom ? '\uFEFF' : ''}${lines.join(style.eol)}${style.eol}`;
}

const model: fc.Arbitrary<Model> = fc
  .record({
    filters: fc
      .array(fc.constantFrom('model', 'dataset', 'run'), { maxLength: 2 })
      .map((names) => [...new Set(names)].map((name) => ({ name, values: [`${name}A`, `${name}B`] }))),
    sections: fc.array(
      fc.uniqueArray(
        fc.record({
          pick: fc.nat(3),
          layer: fc.nat(5),
          expert: fc.nat(9),
          count: fc.oneof(fc.constant(0), fc.nat(1000)),
        }),
        { selector: (r) => `${r.pick}:${r.layer}:${r.expert}`, minLength: 1, maxLength: 30 },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ filters, sections }) => ({
    filters,
    // One dump has one row per (selection, layer, expert): drop the pairs that repeat once picks become combos.
    sections: sections.map((rows) => {
      const seen = new Set<string>();
      return rows
        .map((r) => ({ ...r, combo: filters.map((_, k) => (r.pick >> k) & 1) }))
        .filter((r) => {
          const key = `${r.combo.join('/')}:${r.layer}:${r.expert}`;
          return !seen.has(key) && seen.add(key) !== undefined;
        });
    }),
  }));

describe('the streamed count-table reader', () => {
  it('reads what a direct sum over the rows gives, for every way the file is written', () => {
    fc.assert(
      fc.property(
        model,
        fc.record({
          quote: fc.boolean(),
          sep: fc.constantFrom(',', '\t', ';'),
          eol: fc.constantFrom('\n', '\r\n', '\r'),
          bom: fc.boolean(),
          index: fc.boolean(),
        }),
        (m, style) => {
          const text = render(m, style);
          const want = expected(m);
          const p = previewImport('t.csv', text);
          if (want.allZero) {
            expect(p.ok ? '' : p.error).toMatch(/^t\.csv: every count is zero: nothing to measure/);
            return;
          }
          if (!p.ok) throw new Error(p.error);
          const t = p.data as CountTable;
          expect(t.layerIds).toEqual(want.layerIds);
          expect(t.counts.map((c) => Array.from(c))).toEqual(want.counts);
          expect([t.rows, t.selectedRows]).toEqual([want.rows, want.selectedRows]);
          expect(t.filters.map((f) => f.name)).toEqual(m.filters.map((f) => f.name));
          const notes = p.summary.notes.join(' ');
          expect(notes.includes('dumps one after another')).toBe(m.sections.length > 1);
          expect(notes.includes('Dropped')).toBe(want.dropped > 0);
          expect(t.firstRows.length).toBe(Math.min(5, want.rows));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same table for the quoted and the plain form of a big file (two readers, one result)', () => {
    const lines = ['layer_id,expert_id,count'];
    for (let r = 0; r < 3; r++) {
      for (let l = 0; l < 61; l++)
        for (let e = 0; e < 64; e++) lines.push(`${l},${e},${(r * 31 + l * 7 + e * 13) % 997}`);
      lines.push('layer_id,expert_id,count');
    }
    const plain = `${lines.join('\n')}\n`;
    const quoted = plain.replace(/(\d+)/g, '"$1"');
    const a = parseImport('p.csv', plain) as CountTable;
    const b = parseImport('p.csv', quoted) as CountTable;
    expect(b.counts).toEqual(a.counts);
    expect(b.layerIds).toEqual(a.layerIds);
    expect(a.counts[60][63]).toBe([0, 1, 2].reduce((s, r) => s + ((r * 31 + 60 * 7 + 63 * 13) % 997), 0));
    expect(a.notes).toEqual(b.notes);
    expect(a.rows).toBe(3 * 61 * 64);
  });

  it('keeps line numbers through CRLF, CR, comments, blank lines and quoted line breaks', () => {
    expect(importError('l.csv', '# a comment\r\n\r\nlayer_id,expert_id,count\r\n0,0,1\r\n0,1,x\r\n')).toBe(
      'l.csv line 5: count "x" is not a number',
    );
    expect(importError('l.csv', 'layer_id,expert_id,count\r0,0,1\r\r0,1,-4\r')).toBe(
      'l.csv line 4: count -4 is negative',
    );
    expect(importError('l.csv', 'model,layer_id,expert_id,count\n"a\nb",0,0,1\n"a\nb",0,1,2.5\n')).toBe(
      'l.csv line 4: count 2.5 is not a whole number',
    );
    expect(importError('l.csv', 'layer_id,expert_id,count\n0,0,"1\n')).toBe(
      'l.csv line 2: a quoted field is not closed',
    );
  });
});
