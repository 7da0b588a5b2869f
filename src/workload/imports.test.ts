import { describe, expect, it } from 'vitest';
import { gate } from '../reference';
import {
  type CountTable,
  choiceCounts,
  detectImportFormat,
  ImportError,
  MAX_CSV_HEADER_CHARS,
  parseImport,
  previewImport,
  type RouterLogits,
  replayConfig,
  replayLogits,
  type TokenChoices,
} from './imports';
import { type LayerConfig, makeLayerConfig } from './layer';
import { NpyError, writeNpy } from './npy';
import { Rng } from './rng';

/** The reference tests' small layer (src/reference/testConfig.ts), built here: test helpers are not public. */
const layerConfig = (over: Partial<LayerConfig> = {}): LayerConfig =>
  makeLayerConfig({ tokens: 4, dModel: 8, ffnSize: 6, experts: 4, topK: 2, renormalize: false, ...over });

const E = 8;
const K = 2;

/** Random top-k choices [T, L, k] with distinct ids per token, and random weights. */
function randomChoices(T: number, L: number, k = K, experts = E, seed = 3) {
  const rng = Rng.from(seed, 'choices');
  const ids: number[][][] = [];
  const weights: number[][][] = [];
  for (let t = 0; t < T; t++) {
    ids.push([]);
    weights.push([]);
    for (let l = 0; l < L; l++) {
      const pool = Array.from({ length: experts }, (_, e) => e);
      const pick: number[] = [];
      for (let j = 0; j < k; j++) pick.push(pool.splice(rng.int(pool.length), 1)[0]);
      ids[t].push(pick);
      // Probabilities that leave mass for the rest: about 0.2 each.
      weights[t].push(pick.map(() => 0.15 + 0.1 * rng.next()));
    }
  }
  return { ids, weights };
}

const flatIds = (ids: number[][][]) => Int32Array.from(ids.flat(2));

describe('count tables', () => {
  const counts = [
    [5, 0, 3, 2],
    [1, 1, 7, 1],
  ];
  const sglang = `layer_id,expert_id,count\n${counts.flatMap((row, l) => row.map((c, e) => `${l + 1},${e},${c}`)).join('\n')}\n`;

  it("round-trips SGLang's layer_id,expert_id,count dump", () => {
    const t = parseImport('dump.csv', sglang) as CountTable;
    expect(t.format).toBe('count-table');
    expect(t.layerIds).toEqual([1, 2]);
    expect(t.experts).toBe(4);
    expect(t.counts.map((c) => Array.from(c))).toEqual(counts);
    expect(t.filters).toEqual([]);
    // Bytes work the same as text, and a missing row counts 0 when E is given.
    const bytes = new TextEncoder().encode(sglang.replace('1,1,0\n', ''));
    const u = parseImport('dump.csv', bytes, { experts: 6 }) as CountTable;
    expect(Array.from(u.counts[0])).toEqual([5, 0, 3, 2, 0, 0]);
  });

  it('offers the distinct values of extra leading columns and selects one combination', () => {
    const rows = ['model,dataset,layer_id,expert_id,count'];
    for (const [model, dataset, base] of [
      ['A', 'x', 10],
      ['A', 'y', 20],
      ['B', 'x', 30],
    ] as const) {
      for (let e = 0; e < 3; e++) rows.push(`${model},${dataset},0,${e},${base + e}`);
    }
    const text = `${rows.join('\r\n')}\r\n`;
    const first = parseImport('t.csv', text) as CountTable;
    expect(first.filters).toEqual([
      { name: 'model', values: ['A', 'B'], selected: 'A' },
      { name: 'dataset', values: ['x', 'y'], selected: 'x' },
    ]);
    expect(first.combinations).toEqual([
      ['A', 'x'],
      ['A', 'y'],
      ['B', 'x'],
    ]);
    expect(Array.from(first.counts[0])).toEqual([10, 11, 12]);
    const bx = parseImport('t.csv', text, { filter: { model: 'B', dataset: 'x' } }) as CountTable;
    expect(Array.from(bx.counts[0])).toEqual([30, 31, 32]);
    expect(bx.selectedRows).toBe(3);
    expect(() => parseImport('t.csv', text, { filter: { model: 'B', dataset: 'y' } })).toThrow(
      't.csv: no rows for model=B, dataset=y (present: A/x, A/y, B/x)',
    );
    // An unselected column takes the first value that exists beside the selected ones (B, not A, for dataset z).
    const withZ = `${text}B,z,0,0,7\n`;
    const z = parseImport('t.csv', withZ, { filter: { dataset: 'z' } }) as CountTable;
    expect(z.filters.map((f) => f.selected)).toEqual(['B', 'z']);
    expect(Array.from(z.counts[0])).toEqual([7]);
    expect(() => parseImport('t.csv', text, { filter: { model: 'C' } })).toThrow(
      't.csv: column model has no value "C" (values: A, B)',
    );
    expect(() => parseImport('t.csv', text, { filter: { run: '1' } })).toThrow(/no filter column "run"/);
  });

  const bad: [string, string, RegExp][] = [
    [
      'wrong columns',
      'layer,expert_idx,tokens\n0,0,1\n',
      /needs columns layer_id, expert_id and count; missing count \(header: layer,expert_idx,tokens\)$/,
    ],
    ['negative count', 'layer_id,expert_id,count\n0,0,5\n0,1,-3\n', /^c\.csv line 3: count -3 is negative$/],
    ['fractional count', 'layer_id,expert_id,count\n0,0,2.5\n', /line 2: count 2.5 is not a whole number/],
    ['non-numeric count', 'layer_id,expert_id,count\n0,0,lots\n', /line 2: count "lots" is not a number/],
    ['hex count', 'layer_id,expert_id,count\n0,0,0x10\n', /is not a number/],
    ['empty count', 'layer_id,expert_id,count\n0,0,\n', /line 2: count is empty/],
    ['field count', 'layer_id,expert_id,count\n0,0,1,7\n', /line 2: 4 fields, but the header has 3 columns/],
    [
      'duplicate row',
      'layer_id,expert_id,count\n0,0,1\n0,0,2\n',
      /line 3: a second row for layer 0, expert 0/,
    ],
    ['header only', 'layer_id,expert_id,count\n', /has a header but no data rows/],
    ['empty', '', /^c\.csv: the file is empty$/],
    ['blank', '\n\n  \n', /the file is empty/],
    ['unclosed quote', 'layer_id,expert_id,count\n"0,0,1\n', /quoted field is not closed/],
  ];
  for (const [what, text, error] of bad) {
    it(`refuses ${what} with one line`, () => {
      const p = previewImport('c.csv', text);
      expect(p.ok).toBe(false);
      if (!p.ok) {
        expect(p.error).toMatch(error);
        expect(p.error).not.toContain('\n');
      }
    });
  }

  it('refuses expert ids beyond the model, huge headers and huge files', () => {
    expect(() => parseImport('c.csv', 'layer_id,expert_id,count\n0,9,1\n', { experts: 8 })).toThrow(
      'c.csv line 2: expert id 9 is outside 0–7 (the model has 8 experts)',
    );
    const huge = `${'x,'.repeat(MAX_CSV_HEADER_CHARS)}count\n1\n`;
    expect(() => parseImport('c.csv', huge)).toThrow(/header line is \d+ characters; at most 4096/);
    expect(() => parseImport('c.csv', sglang, { maxBytes: 16 })).toThrow(
      /the file is \d+ bytes; at most 16 bytes/,
    );
    expect(() => parseImport('c.csv', 'a,b\n1,2\n')).toThrow(/not a recognised routing file/);
  });
});

describe('per-token expert choices', () => {
  const T = 5;
  const L = 3;
  const { ids, weights } = randomChoices(T, L);

  const check = (c: TokenChoices, withWeights: boolean) => {
    expect(c.format).toBe('token-choices');
    expect([c.tokens, c.layers, c.topK, c.experts]).toEqual([T, L, K, Math.max(...ids.flat(2)) + 1]);
    expect(Array.from(c.ids)).toEqual(Array.from(flatIds(ids)));
    if (withWeights)
      expect(Array.from(c.weights as Float32Array)).toEqual(Array.from(Float32Array.from(weights.flat(2))));
    else expect(c.weights).toBeUndefined();
  };

  it('round-trips CSV with ids separated by spaces, semicolons or quoted commas, rows in any order', () => {
    const lines = ['token,layer,expert_ids,weights'];
    for (let l = L - 1; l >= 0; l--) {
      for (let t = 0; t < T; t++) {
        const sep = [' ', ';', ','][t % 3];
        const list = ids[t][l].join(sep);
        const w = weights[t][l].map((v) => Math.fround(v).toPrecision(9)).join(' ');
        lines.push(`${t + 100},${l},${sep === ',' ? `"${list}"` : list},${w}`);
      }
    }
    const c = parseImport('choices.csv', lines.join('\n')) as TokenChoices;
    check(c, true);
    expect(c.tokenIds).toEqual([100, 101, 102, 103, 104]);
  });

  it('round-trips JSON', () => {
    const entries = [];
    for (let t = 0; t < T; t++)
      for (let l = 0; l < L; l++)
        entries.push({ token: t, layer: l, experts: ids[t][l], weights: weights[t][l] });
    check(parseImport('c.json', JSON.stringify(entries)) as TokenChoices, true);
    const bare = entries.map(({ token, layer, experts }) => ({ token, layer, experts }));
    check(parseImport('c.json', JSON.stringify(bare)) as TokenChoices, false);
  });

  it('round-trips an integer .npy [T, L, k] and [T, k]', () => {
    const c = parseImport('trace.npy', writeNpy(flatIds(ids), [T, L, K]), { experts: E }) as TokenChoices;
    check({ ...c, experts: Math.max(...ids.flat(2)) + 1 }, false);
    expect(c.experts).toBe(E);
    const one = parseImport(
      't.npy',
      writeNpy(Int32Array.from(ids.flatMap((r) => r[0])), [T, K]),
    ) as TokenChoices;
    expect([one.tokens, one.layers, one.topK]).toEqual([T, 1, K]);
    expect(detectImportFormat('t.npy', writeNpy(flatIds(ids), [T, L, K]))).toBe('token-choices');
  });

  const bad: [string, string, RegExp][] = [
    ['missing expert_ids', 'token,layer,weights\n0,0,1\n', /not a recognised routing file/],
    ['missing layer', 'token,expert_ids\n0,1 2\n', /need columns token, layer and expert_ids.*missing layer/],
    [
      'unequal k',
      'token,layer,expert_ids\n0,0,1 2\n1,0,3\n',
      /line 3: 1 expert ids, but the first row has 2/,
    ],
    ['repeated expert', 'token,layer,expert_ids\n0,0,2 2\n', /line 2: expert 2 is chosen twice by one token/],
    ['fractional id', 'token,layer,expert_ids\n0,0,1.5 2\n', /expert id "1.5" is not a whole number/],
    ['word id', 'token,layer,expert_ids\n0,0,one 2\n', /expert id "one" is not a number/],
    ['negative id', 'token,layer,expert_ids\n0,0,-1 2\n', /expert id -1 is negative/],
    ['missing cell', 'token,layer,expert_ids\n0,0,1 2\n0,1,1 2\n1,0,1 2\n', /token 1 has no row for layer 1/],
    ['repeated cell', 'token,layer,expert_ids\n0,0,1 2\n0,0,1 3\n', /token 0, layer 0 appears a second time/],
    ['weights count', 'token,layer,expert_ids,weights\n0,0,1 2,0.5\n', /1 weights for 2 expert ids/],
    ['bad json', '[{"token": 0, "layer": 0, "experts": [1, 2]', /not valid JSON/],
    ['json object', '{"token": 0}', /entry 0: missing "layer"/],
    ['json scalar', '[1, 2]', /entry 0: not an object \(expected a JSON array/],
    ['json key', '[{"token": 0, "experts": [1]}]', /entry 0: missing "layer"/],
    [
      'json id',
      '[{"token": 0, "layer": 0, "experts": [1, "two"]}]',
      /entry 0: expert id "two" is not a whole number/,
    ],
  ];
  for (const [what, text, error] of bad) {
    it(`refuses ${what} with one line`, () => {
      const p = previewImport('c.csv', text);
      expect(p.ok).toBe(false);
      if (!p.ok) {
        expect(p.error).toMatch(error);
        expect(p.error).not.toContain('\n');
      }
    });
  }

  it('refuses ids beyond the model in a trace', () => {
    expect(() => parseImport('t.npy', writeNpy(Int32Array.from([0, 9]), [1, 2]), { experts: 8 })).toThrow(
      't.npy token 0, layer 0: expert id 9 is outside 0–7 (the model has 8 experts)',
    );
  });
});

describe('replaying choices through the gate', () => {
  const T = 40;
  const L = 2;
  const { ids, weights } = randomChoices(T, L, 3, 16, 9);
  const flat = Int32Array.from(ids.flat(2));

  const sets = (topk: Int32Array, k: number) =>
    Array.from({ length: topk.length / k }, (_, t) =>
      Array.from(topk.subarray(t * k, (t + 1) * k)).sort((a, b) => a - b),
    );

  it('without weights: the gate picks exactly the recorded experts, in recorded order', () => {
    const c = parseImport('t.npy', writeNpy(flat, [T, L, 3]), { experts: 16 }) as TokenChoices;
    for (let l = 0; l < L; l++) {
      const cfg = replayConfig(
        layerConfig({ topK: 1, experts: 4, useBias: true, groups: 2, topGroups: 1 }),
        c,
        T,
      );
      expect([cfg.topK, cfg.experts, cfg.useBias, cfg.groups, cfg.scoreFn]).toEqual([
        3,
        16,
        false,
        1,
        'softmax',
      ]);
      const g = gate(cfg, replayLogits(c, l), new Float32Array(16));
      const want = Int32Array.from(ids.flatMap((r) => r[l]));
      expect(Array.from(g.topkIds)).toEqual(Array.from(want));
      for (const w of g.topkWeights) expect(w).toBeCloseTo(1 / 3, 2);
      expect(Array.from(choiceCounts(c, l))).toEqual(Array.from(countOf(want, 16)));
    }
  });

  it('with weights: the same sets, and the recorded probabilities as combine weights', () => {
    const entries = [];
    for (let t = 0; t < T; t++)
      for (let l = 0; l < L; l++)
        entries.push({ token: t, layer: l, experts: ids[t][l], weights: weights[t][l] });
    const c = parseImport('c.json', JSON.stringify(entries), { experts: 16 }) as TokenChoices;
    for (const renormalize of [false, true]) {
      const cfg = replayConfig(layerConfig({ renormalize, routeScale: 1 }), c, T);
      const g = gate(cfg, replayLogits(c, 1), new Float32Array(16));
      expect(sets(g.topkIds, 3)).toEqual(ids.map((r) => [...r[1]].sort((a, b) => a - b)));
      for (let t = 0; t < T; t++) {
        const rec = new Map(ids[t][1].map((e, j) => [e, weights[t][1][j]]));
        const sum = weights[t][1].reduce((a, b) => a + b, 0);
        for (let j = 0; j < 3; j++) {
          const want = (rec.get(g.topkIds[t * 3 + j]) as number) / (renormalize ? sum : 1);
          expect(g.topkWeights[t * 3 + j]).toBeCloseTo(want, 5);
        }
      }
    }
  });
});

function countOf(ids: Int32Array, experts: number): Int32Array {
  const c = new Int32Array(experts);
  for (const e of ids) c[e]++;
  return c;
}

describe('router logits', () => {
  const T = 6;
  const L = 2;
  const data = new Float32Array(L * T * E);
  Rng.from(4, 'logits').fillNormal(data);

  it('round-trips [T, E] and [L, T, E] float32 .npy', () => {
    const three = parseImport('l.npy', writeNpy(data, [L, T, E])) as RouterLogits;
    expect([three.format, three.layers, three.tokens, three.experts]).toEqual(['router-logits', L, T, E]);
    expect(Array.from(three.logits[1])).toEqual(Array.from(data.subarray(T * E)));
    const two = parseImport('l.npy', writeNpy(data.slice(0, T * E), [T, E]), {
      layerIds: [5],
    }) as RouterLogits;
    expect([two.layers, two.layerIds]).toEqual([1, [5]]);
    expect(detectImportFormat('l.npy', writeNpy(data, [L, T, E]))).toBe('router-logits');
  });

  it('refuses wrong widths, bad shapes, non-finite values, truncated files and huge headers', () => {
    expect(() => parseImport('l.npy', writeNpy(data, [L, T, E]), { experts: 16 })).toThrow(
      'l.npy: the logits have 8 experts per token but the model has 16',
    );
    expect(() => parseImport('l.npy', writeNpy(data, [L * T * E]))).toThrow(
      /must have shape \[tokens, experts\]/,
    );
    const nan = data.slice();
    nan[E + 3] = Number.NaN;
    expect(() => parseImport('l.npy', writeNpy(nan, [L, T, E]))).toThrow(
      'l.npy: logit NaN at layer 0, token 1, expert 3 is not finite',
    );
    const full = writeNpy(data, [L, T, E]);
    const cut = previewImport('l.npy', full.subarray(0, full.length - 5));
    expect(cut.ok).toBe(false);
    if (!cut.ok)
      expect(cut.error).toMatch(
        /^l\.npy: truncated data: shape \[2, 6, 8\] needs 384 bytes, the file has 379$/,
      );
    // A version-2 header claiming a megabyte: refused before anything is read.
    const huge = new Uint8Array(64);
    huge.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(huge.buffer).setUint32(8, 1_000_000, true);
    expect(() => parseImport('l.npy', huge)).toThrow(NpyError);
    expect(() => parseImport('l.npy', huge)).toThrow(
      'l.npy: header is 1000000 bytes; at most 65536 are accepted',
    );
    expect(() => parseImport('l.npy', full, { format: 'count-table' })).toThrow(
      /counts must have shape \[experts\] or \[layers, experts\], not \[2, 6, 8\]/,
    );
    expect(() => parseImport('l.npy', full, { format: 'token-choices' })).toThrow(/holds router logits/);
  });
});

describe('previewImport', () => {
  it('summarises a count table: format, layers, experts, tokens, first rows, per-layer max/mean', () => {
    const text =
      'dataset,layer_id,expert_id,count\nq,3,0,6\nq,3,1,2\nq,4,0,4\nq,4,1,4\nr,3,0,1\nr,3,1,1\nr,4,0,1\nr,4,1,1\n';
    const p = previewImport('t.csv', text, { topK: 2 });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const s = p.summary;
    expect([s.format, s.layers, s.experts, s.tokens, s.topK]).toEqual(['count-table', 2, 2, 4, 2]);
    expect(s.layerIds).toEqual([3, 4]);
    expect(s.header).toEqual(['dataset', 'layer_id', 'expert_id', 'count']);
    expect(s.firstRows[0]).toEqual(['q', '3', '0', '6']);
    expect(s.perLayer.map((l) => [l.layerId, l.total, l.max, l.mean, l.maxOverMean])).toEqual([
      [3, 8, 6, 4, 1.5],
      [4, 8, 4, 4, 1],
    ]);
    expect(s.filters[0]).toEqual({ name: 'dataset', values: ['q', 'r'], selected: 'q' });
    expect(s.notes.join(' ')).toContain('dataset = q (4 of 8 rows)');
  });

  it('summarises choices and logits', () => {
    const c = previewImport('c.csv', 'token,layer,expert_ids\n0,0,1 0\n1,0,1 2\n');
    expect(c.ok && [c.summary.format, c.summary.tokens, c.summary.topK, c.summary.perLayer[0].max]).toEqual([
      'token-choices',
      2,
      2,
      2,
    ]);
    const lg = previewImport('l.npy', writeNpy(new Float32Array([0, 1, 2, 5, 0, 0]), [2, 3]), { topK: 1 });
    expect(lg.ok && lg.summary.perLayer[0]).toEqual({
      layerId: 0,
      total: 2,
      max: 1,
      mean: 2 / 3,
      maxOverMean: 1.5,
    });
  });

  it('turns every failure into { ok: false, error } with the file name first', () => {
    const p = previewImport('x.npy', new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1]));
    expect(p).toEqual({ ok: false, error: expect.stringMatching(/^x\.npy: /) });
    expect(new ImportError('a')).toBeInstanceOf(Error);
  });
});
