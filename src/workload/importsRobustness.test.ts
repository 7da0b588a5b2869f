import { describe, expect, it } from 'vitest';
import { type CountTable, previewImport, type TokenChoices } from './imports';

/** SGLang's recorder (expert_distribution.py, dump_record): `layer_id,expert_id,count`, one file per rank, rows in
 * the order experts were first seen, experts that got no token left out. */
const SGLANG_RANK0 = 'layer_id,expert_id,count\n3,18,40\n3,0,25\n3,43,22\n4,7,9\n';
const SGLANG_RANK1 = 'layer_id,expert_id,count\n3,18,33\n3,29,14\n4,7,1\n';

const counts = (t: CountTable) => t.counts.map((c) => Array.from(c));
function table(name: string, input: string | Uint8Array, opts = {}) {
  const p = previewImport(name, input, opts);
  if (!p.ok) throw new Error(p.error);
  expect(p.data.format).toBe('count-table');
  return { t: p.data as CountTable, notes: p.summary.notes.join(' ') };
}
const errorOf = (name: string, input: string | Uint8Array, opts = {}) => {
  const p = previewImport(name, input, opts);
  expect(p.ok, name).toBe(false);
  const error = p.ok ? '' : p.error;
  expect(error).not.toContain('\n');
  expect(error.startsWith(`${name}`)).toBe(true);
  return error;
};

describe('count tables as real tools write them', () => {
  const plain = 'layer_id,expert_id,count\n0,0,5\n0,1,3\n1,0,2\n1,1,6\n';
  const want = [
    [5, 3],
    [2, 6],
  ];

  it("reads SGLang's per-rank dump: unsorted rows, skipped experts count 0", () => {
    const { t } = table('expert_distribution_rank0_timestamp1744347750.37.csv', SGLANG_RANK0, {
      experts: 64,
    });
    expect(t.layerIds).toEqual([3, 4]);
    expect(t.experts).toBe(64);
    expect([t.counts[0][18], t.counts[0][0], t.counts[0][43], t.counts[0][1], t.counts[1][7]]).toEqual([
      40, 25, 22, 0, 9,
    ]);
  });

  it('adds up rank files concatenated with their headers (cat rank*.csv), and says so', () => {
    const { t, notes } = table('all.csv', SGLANG_RANK0 + SGLANG_RANK1);
    expect(t.counts[0][18]).toBe(73);
    expect(t.counts[0][29]).toBe(14);
    expect(t.counts[1][7]).toBe(10);
    expect(notes).toMatch(/2 dumps .* added up/);
  });

  it('refuses a repeated (layer, expert) pair within one dump, and says how to add up ranks', () => {
    expect(errorOf('d.csv', 'layer_id,expert_id,count\n0,0,1\n0,0,2\n')).toMatch(
      /line 3: a second row for layer 0, expert 0 .*cat expert_distribution_rank\*\.csv/,
    );
  });

  const variants: [string, string | Uint8Array][] = [
    ['CRLF', plain.replace(/\n/g, '\r\n')],
    ['CR only (old Mac)', plain.replace(/\n/g, '\r')],
    ['UTF-8 BOM', `\uFEFF${plain}`],
    ['UTF-8 BOM bytes', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(plain)])],
    [
      'UTF-16LE with BOM (PowerShell >)',
      new Uint8Array([0xff, 0xfe, ...Array.from(new TextEncoder().encode(plain)).flatMap((b) => [b, 0])]),
    ],
    ['trailing blank lines', `${plain}\n\n   \n\r\n`],
    ['no final newline', plain.trimEnd()],
    ['spaces around fields', plain.replace(/,/g, ' , ').replace(/\n/g, ' \n')],
    ['quoted fields', plain.replace(/(\w+)/g, '"$1"')],
    ['tab-separated', plain.replace(/,/g, '\t')],
    ['semicolon-separated (spreadsheet locale)', plain.replace(/,/g, ';')],
    ['columns in another order', 'count,expert_id,layer_id\n5,0,0\n3,1,0\n2,0,1\n6,1,1\n'],
    ['upper-case header', plain.replace('layer_id,expert_id,count', 'Layer_ID,Expert_ID,COUNT')],
    ['float counts like 12.0', plain.replace(/,(\d)\n/g, ',$1.0\n')],
    ['counts in exponent form', plain.replace(',5\n', ',5e0\n')],
    ['a comment line', `# recorded 2025-04-11\n${plain}`],
    [
      'pandas index column (DataFrame.to_csv)',
      ',layer_id,expert_id,count\n0,0,0,5\n1,0,1,3\n2,1,0,2\n3,1,1,6\n',
    ],
    [
      'pandas "Unnamed: 0" column',
      'Unnamed: 0,layer_id,expert_id,count\n0,0,0,5\n1,0,1,3\n2,1,0,2\n3,1,1,6\n',
    ],
    [
      'per-row numbers after count',
      'layer_id,expert_id,count,ratio\n0,0,5,0.62\n0,1,3,0.38\n1,0,2,0.25\n1,1,6,0.75\n',
    ],
    ['a trailing comma on every line', plain.replace(/\n/g, ',\n')],
  ];
  for (const [what, input] of variants) {
    it(`reads ${what}`, () => {
      const { t } = table('c.csv', input);
      expect(t.layerIds).toEqual([0, 1]);
      expect(counts(t)).toEqual(want);
    });
  }

  it('keeps layer and expert ids that skip numbers and one layer; drops all-zero layers, refuses all-zero tables', () => {
    const { t } = table('c.csv', 'layer_id,expert_id,count\n3,0,1\n3,5,2\n58,2,3\n', { experts: 8 });
    expect(t.layerIds).toEqual([3, 58]);
    expect(counts(t)).toEqual([
      [1, 0, 0, 0, 0, 2, 0, 0],
      [0, 0, 3, 0, 0, 0, 0, 0],
    ]);
    expect(counts(table('c.csv', 'layer_id,expert_id,count\n7,0,4\n7,1,4\n').t)).toEqual([[4, 4]]);
    // SGLang writes zero rows for its dense layers: dropped, and said so; never scored as "balanced".
    const dense = table('c.csv', 'layer_id,expert_id,count\n0,0,0\n0,1,0\n1,0,2\n1,1,5\n2,0,0\n2,1,0\n');
    expect(dense.t.layerIds).toEqual([1]);
    expect(counts(dense.t)).toEqual([[2, 5]]);
    expect(dense.notes).toMatch(/Dropped 2 layers whose counts are all zero \(layer ids 0, 2\)/);
    for (const zeros of [
      'layer_id,expert_id,count\n0,0,0\n0,1,0\n1,0,0\n1,1,0\n',
      'layer_id,expert_id,count\n5,3,0\n',
      'layer_id,expert_id,count\n0,0,0\nlayer_id,expert_id,count\n0,0,0\n',
      'model,layer_id,expert_id,count\nA,0,0,0\nB,0,0,9\n',
    ]) {
      expect(errorOf('z.csv', zeros)).toMatch(/^z\.csv: every count is zero: nothing to measure/);
    }
    expect(errorOf('z.csv', 'model,layer_id,expert_id,count\nA,0,0,0\nB,0,0,9\n')).toContain('(model=A)');
    expect(
      counts(
        table('z.csv', 'model,layer_id,expert_id,count\nA,0,0,0\nB,0,0,9\n', { filter: { model: 'B' } }).t,
      ),
    ).toEqual([[9]]);
  });

  it('refuses what cannot be counts with the line and what was expected', () => {
    expect(errorOf('c.csv', 'layer_id,expert_id,count\n0,0,3.5\n')).toMatch(
      /line 2: count 3\.5 is not a whole number/,
    );
    expect(errorOf('c.csv', 'layer_id,expert_id,count\n0,0,nan\n')).toMatch(
      /line 2: count "nan" is not a number/,
    );
    expect(errorOf('c.csv', 'layer_id,expert_id,count\n0,-1,3\n')).toMatch(
      /line 2: expert_id -1 is negative/,
    );
    expect(errorOf('c.csv', 'layer_id,expert_id,count\n0,0,1e30\n')).toMatch(
      /line 2: count 1e30 is too large/,
    );
  });

  it('reads a .pt as a zip (pt.test.ts has the dumps): a truncated one and a raw pickle are named', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0x61, 0x72, 0x63, 0x68]);
    expect(errorOf('expert_distribution_recorder_1.pt', zip)).toMatch(
      /zip archive without its end record.*truncated/,
    );
    const pickle = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28]);
    expect(errorOf('old.pt', pickle)).toMatch(/a raw Python pickle, which is not read.*torch\.save/);
    expect(errorOf('x.bin', new Uint8Array([1, 2, 0, 4, 5]))).toMatch(/a binary file that is not \.npy/);
  });

  it('refuses bytes that are not valid in the file encoding, naming the line, instead of replacing them unseen', () => {
    const header = 'layer_id,expert_id,count,model\n';
    const utf8 = (t: string) => new TextEncoder().encode(t);
    const latin1 = Uint8Array.from([...utf8(`${header}0,0,1,a\n0,1,2,caf`), 0xe9, 0x0a]);
    expect(errorOf('l.csv', latin1)).toMatch(
      /^l\.csv line 3: bytes that are not valid UTF-8 .*save the file as UTF-8/,
    );
    const cp1252 = Uint8Array.from([...utf8(header), 0x93, ...utf8('0,0,1,x\n')]); // a Windows-1252 curly quote
    expect(errorOf('w.csv', cp1252)).toMatch(/^w\.csv line 2: bytes that are not valid UTF-8/);
    const truncated = utf8(`${header}0,0,1,日本`).slice(0, -1); // a multi-byte character cut in half
    expect(errorOf('t.csv', truncated)).toMatch(/line 2: bytes that are not valid UTF-8/);
    const le16 = new Uint8Array([
      0xff,
      0xfe,
      ...new Uint8Array(new Uint16Array([...`${header}0,0,1,a\n`].map((c) => c.charCodeAt(0))).buffer),
      0x41,
    ]);
    expect(errorOf('u.csv', le16)).toMatch(/^u\.csv line 3: bytes that are not valid UTF-16LE/);
    const lone = new Uint8Array([
      0xff,
      0xfe,
      ...new Uint8Array(
        new Uint16Array([...`${header}0,0,1,`].map((c) => c.charCodeAt(0)).concat([0xd800, 10])).buffer,
      ),
    ]);
    expect(errorOf('s.csv', lone)).toMatch(/line 2: bytes that are not valid UTF-16LE/); // a lone surrogate
    // Valid multi-byte UTF-8 (a model name) is read as it is.
    const { t } = table('ok.csv', utf8(`${header}0,0,1,Qwen3-235B-A22B·日本\n0,1,2,Qwen3-235B-A22B·日本\n`));
    expect(t.filters[0].values).toEqual(['Qwen3-235B-A22B·日本']);
  });

  it('a NUL byte past the first 512 bytes is refused where it is, printed escaped', () => {
    const rows = Array.from({ length: 100 }, (_, e) => `0,${e},1`).join('\n');
    for (const tail of ['0,100,\u00002', '0,\u0000,2', '\u0000,100,2']) {
      const error = errorOf('n.csv', `layer_id,expert_id,count\n${rows}\n${tail}\n`);
      expect(error).toMatch(/line 102: /);
      expect(error).not.toContain('\u0000');
    }
  });

  // Their speed is in `npm run bench -- inputs`.
  it('reads 61 layers × 256 experts (DeepSeek-V3), and 2000 layers too', () => {
    for (const L of [61, 2000]) {
      const lines = ['layer_id,expert_id,count'];
      for (let l = 0; l < L; l++)
        for (let e = 0; e < 256; e++) lines.push(`${l},${e},${(l * 7 + e * 13) % 997}`);
      const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
      const { t } = table('big.csv', bytes);
      expect(t.layerIds.length).toBe(L);
      expect(t.counts[L - 1][255]).toBe(((L - 1) * 7 + 255 * 13) % 997);
    }
  });
});

describe('token-choice imports', () => {
  const ids = (c: TokenChoices) => Array.from(c.ids);
  const choices = (input: string, opts = {}) => {
    const p = previewImport('c.json', input, opts);
    if (!p.ok) throw new Error(p.error);
    expect(p.data.format).toBe('token-choices');
    return p.data as TokenChoices;
  };
  const records = [
    { token: 0, layer: 0, experts: [1, 2] },
    { token: 1, layer: 0, experts: [0, 3] },
  ];

  it('reads a JSON array, the array under a key, JSON Lines and one column object', () => {
    expect(ids(choices(JSON.stringify(records)))).toEqual([1, 2, 0, 3]);
    expect(ids(choices(JSON.stringify({ model: 'x', choices: records })))).toEqual([1, 2, 0, 3]);
    expect(ids(choices(records.map((r) => JSON.stringify(r)).join('\n')))).toEqual([1, 2, 0, 3]);
    expect(ids(choices(JSON.stringify(records[0])))).toEqual([1, 2]);
    const cols = choices(
      JSON.stringify({
        topk_ids: [
          [1, 2],
          [0, 3],
        ],
        topk_weights: [
          [0.6, 0.4],
          [0.5, 0.5],
        ],
      }),
    );
    expect(ids(cols)).toEqual([1, 2, 0, 3]);
    expect(Array.from(cols.weights ?? [])).toEqual([0.6, 0.4, 0.5, 0.5].map(Math.fround));
    const perLayer = choices(
      JSON.stringify({
        topk_ids: [
          [
            [1, 2],
            [3, 0],
          ],
        ],
      }),
    );
    expect([perLayer.tokens, perLayer.layers, ids(perLayer)]).toEqual([1, 2, [1, 2, 3, 0]]);
  });

  it('reads ids written as strings and the CSV column aliases as keys', () => {
    const c = choices('[{"token_id":"0","layer_id":"3","topk_ids":["1","2"],"topk_weights":["0.7","0.3"]}]');
    expect([c.tokenIds, c.layerIds, ids(c)]).toEqual([[0], [3], [1, 2]]);
    expect(Array.from(c.weights ?? [])).toEqual([0.7, 0.3].map(Math.fround));
  });

  it('accepts weights that do not sum to 1 and rows without weights when no row has them', () => {
    const c = choices('[{"token":0,"layer":0,"experts":[1,2],"weights":[3,1]}]');
    expect(Array.from(c.weights ?? [])).toEqual([3, 1]);
    expect(choices(JSON.stringify(records)).weights).toBeUndefined();
  });

  const bad: [string, string, object, RegExp][] = [
    [
      'k varying per row',
      '[{"token":0,"layer":0,"experts":[1,2]},{"token":1,"layer":0,"experts":[0]}]',
      {},
      /entry 1: 1 expert ids, but the first row has 2 \(every token needs the same k\)/,
    ],
    [
      'an id ≥ E',
      '[{"token":0,"layer":0,"experts":[1,9]}]',
      { experts: 8 },
      /entry 0: expert id 9 is outside 0–7 \(the model has 8 experts\)/,
    ],
    ['a negative id', '[{"token":0,"layer":0,"experts":[-1,2]}]', {}, /entry 0: expert id -1 is negative/],
    ['a negative id in CSV', 'token,layer,expert_ids\n0,0,-1 2\n', {}, /line 2: expert id -1 is negative/],
    [
      'weights on some rows only',
      '[{"token":0,"layer":0,"experts":[1,2],"weights":[0.5,0.5]},{"token":1,"layer":0,"experts":[1,2]}]',
      {},
      /entry 1: weights must be given for every row or for none/,
    ],
    [
      'a non-numeric id',
      '[{"token":0,"layer":0,"experts":[1,"x"]}]',
      {},
      /entry 0: expert id "x" is not a whole number/,
    ],
    [
      'a NaN weight',
      'token,layer,expert_ids,weights\n0,0,1 2,nan 0.4\n',
      {},
      /line 2: weight "nan" is not a number/,
    ],
    [
      'a record without experts',
      '[{"token":0,"layer":0,"ids":[1]}]',
      {},
      /entry 0: missing "experts" \(keys: token, layer, ids/,
    ],
    ['broken JSON Lines', '{"token":0,"layer":0,"experts":[1]}\n{"token":1,', {}, /line 2: not valid JSON/],
  ];
  for (const [what, input, opts, error] of bad) {
    it(`refuses ${what} with one line naming the place`, () => {
      expect(errorOf('c.json', input, opts)).toMatch(error);
    });
  }
});
