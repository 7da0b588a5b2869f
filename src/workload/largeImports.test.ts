/**
 * Real dumps of today's large models, generated here at full size (scripts/fixtures/ptWriter.ts writes them as
 * torch.save does): SGLang's default stat dump of Kimi K2 (int32 [1000, 61, 384], 94 MB: the whole circular buffer)
 * and per-pass / physical dumps of DeepSeek-V3 with 32 redundant experts (288 slots, 70 MB), read to the sums a
 * direct loop gives, in bounded time; the size limit that follows the content (binary vs text); and .npy traces
 * whose ids are held no wider than the file's.
 */
import { describe, expect, it } from 'vitest';
import { dict, perPassDump, statDump, tensor, writePt } from '../../scripts/fixtures/ptWriter';
import {
  type CountTable,
  ImportError,
  MAX_BINARY_IMPORT_BYTES,
  MAX_IMPORT_BYTES,
  parseImport,
  type TokenChoices,
} from './imports';
import { INPUT_LIMITS, importKindOf } from './input';

/** Deterministic counts with rows never recorded (r ≥ recorded) left zero, as SGLang's circular buffer has them. */
const countOf = (recorded: number) => (r: number, l: number, e: number) =>
  r >= recorded ? 0 : (r * 7 + l * 13 + e * 31 + ((r * e) % 11)) % 97;

/** Time limit for reading one ~90 MB dump: generous for 2 shared cores; the reading itself takes well under 1 s. */
const READ_MS = 15_000;

describe('SGLang dumps at the size of real models are read in place', () => {
  it('the default stat dump of Kimi K2: logical_count int32 [1000, 61, 384] (94 MB), summed over its buffer', () => {
    const [R, L, E] = [1000, 61, 384];
    const count = countOf(700);
    const bytes = statDump(R, L, E, count);
    expect(bytes.length).toBeGreaterThan(MAX_IMPORT_BYTES); // refused before: larger than the one 64 MiB limit
    const t0 = performance.now();
    const t = parseImport('expert_distribution_recorder_1.pt', bytes) as CountTable;
    expect(performance.now() - t0).toBeLessThan(READ_MS);
    expect(t.format).toBe('count-table');
    expect([t.layerIds.length, t.experts]).toEqual([L, E]);
    for (const l of [0, 1, 30, 60]) {
      const want = new Float64Array(E);
      for (let r = 0; r < R; r++) for (let e = 0; e < E; e++) want[e] += count(r, l, e);
      expect(Array.from(t.counts[l])).toEqual(Array.from(want));
    }
    expect(t.notes?.join(' ')).toMatch(/logical_count \[1000, 61, 384\], its 1000 buffered steps summed/);
  });

  it('a negative count deep in the buffer is named by its place', () => {
    const bytes = statDump(1000, 61, 384, (r, l, e) => (r === 999 && l === 60 && e === 383 ? -3 : 1));
    expect(() => parseImport('n.pt', bytes)).toThrow(
      /^n\.pt: logical_count: count -3 at \[999, 60, 383\] is negative$/,
    );
  });

  /** DeepSeek-V3 with 32 redundant experts: slot p of layer l holds expert (p + l) % 256 (slots 256+ replicate). */
  const [L, P, E] = [61, 288, 256];
  const slotExpert = (l: number, p: number) => (p + l) % E;
  const physical = (r: number, l: number, p: number) => (r * 3 + l * 5 + p * 7) % 23;
  const folded = (records: number, l: number) => {
    const want = new Float64Array(E);
    for (let r = 0; r < records; r++) for (let p = 0; p < P; p++) want[slotExpert(l, p)] += physical(r, l, p);
    return Array.from(want);
  };

  it('a per_pass dump of DeepSeek-V3 (1000 records of global_physical_count [61, 288], 70 MB) folded to 256 experts', () => {
    const bytes = perPassDump(1000, L, P, physical, slotExpert);
    const t0 = performance.now();
    const t = parseImport('expert_distribution_recorder_1_0.pt', bytes) as CountTable;
    expect(performance.now() - t0).toBeLessThan(READ_MS);
    expect([t.layerIds.length, t.experts]).toEqual([L, E]);
    for (const l of [0, 17, 60]) expect(Array.from(t.counts[l])).toEqual(folded(1000, l));
    expect(t.notes?.join(' ')).toMatch(/Folded 288 physical expert slots into 256 experts/);
  });

  it('physical_count [1000, 61, 288] with a physical_to_logical_map beside it is folded too', () => {
    const counts = tensor('int32', [1000, L, P], (d) => {
      let i = 0;
      for (let r = 0; r < 1000; r++)
        for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) d[i++] = physical(r, l, p);
    });
    const map = tensor('int64', [L, P], (d) => {
      for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) d[l * P + p] = BigInt(slotExpert(l, p));
    });
    const bytes = writePt(dict({ physical_count: counts, physical_to_logical_map: map }));
    const t = parseImport('phys.pt', bytes) as CountTable;
    expect(t.experts).toBe(E);
    for (const l of [0, 33, 60]) expect(Array.from(t.counts[l])).toEqual(folded(1000, l));
    expect(t.notes?.join(' ')).toMatch(
      /its 1000 records summed.*Folded 288 physical expert slots into 256 experts through physical_to_logical_map/,
    );
  });
});

describe('the size limit follows the content', () => {
  it('names pick the limit alike in the CLI and the app: .npy, .pt, .pth binary; anything else text', () => {
    for (const n of ['a.npy', 'dump.pt', 'X.PTH', 'dir/expert_distribution_recorder_1.pt '])
      expect(importKindOf(n)).toBe('importBinary');
    for (const n of ['a.csv', 'a.json', 'a.pt.csv', 'npy', 'a.ptx', 'a.txt'])
      expect(importKindOf(n)).toBe('import');
    expect(INPUT_LIMITS.importBinary.maxBytes).toBe(MAX_BINARY_IMPORT_BYTES);
    expect(INPUT_LIMITS.import.maxBytes).toBe(MAX_IMPORT_BYTES);
    expect(MAX_BINARY_IMPORT_BYTES).toBeGreaterThan(MAX_IMPORT_BYTES);
  });

  it('text above the text limit is refused whatever its name; the same size of .pt bytes is read', () => {
    const text = new Uint8Array(MAX_IMPORT_BYTES + 1).fill(0x31); // "111…": a CSV-like file
    text.set(new TextEncoder().encode('layer_id,expert_id,count\n'));
    for (const name of ['big.pt', 'big.npy', 'big.csv']) {
      expect(() => parseImport(name, text)).toThrow(ImportError);
      expect(() => parseImport(name, text)).toThrow(
        new RegExp(
          `^${name.replace('.', '\\.')}: the file is 64\\.0 MiB; at most 64\\.0 MiB can be imported as text`,
        ),
      );
    }
    // A caller's smaller limit holds for binary content too.
    const pt = statDump(2, 2, 4, () => 1);
    expect(() => parseImport('s.pt', pt, { maxBytes: 100 })).toThrow(/at most 100 bytes can be imported$/);
  });
});

/** A .npy v1.0 of `descr` ('|u1', '<u2') [T, L, k] from `fill`. */
function npy(descr: string, shape: number[], item: number, fill: (i: number) => number): Uint8Array {
  const dictText = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + dictText.length + 1) / 64) * 64;
  const header = `${dictText}${' '.repeat(total - 10 - dictText.length - 1)}\n`;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(total + n * item);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const v = new DataView(out.buffer, total);
  for (let i = 0; i < n; i++) item === 1 ? v.setUint8(i, fill(i)) : v.setUint16(i * 2, fill(i), true);
  return out;
}

describe('.npy traces keep ids no wider than the file', () => {
  // vLLM's routed experts [T, L, k]: layers 0–2 dense (never captured: zero), k = 8 distinct ids per row.
  const [T, L, k] = [20_000, 61, 8];
  const id = (E: number) => (i: number) => {
    const cell = Math.floor(i / k);
    const l = cell % L;
    return l < 3 ? 0 : (cell * 37 + (i % k) * Math.floor(E / k)) % E;
  };

  it('uint8 (up to 256 experts): ids stay one byte each, dense layers dropped without widening', () => {
    const bytes = npy('|u1', [T, L, k], 1, id(256));
    const c = parseImport('routed_experts.npy', bytes) as TokenChoices;
    expect(c.layerIds).toEqual(Array.from({ length: L - 3 }, (_, l) => l + 3));
    expect(c.ids).toBeInstanceOf(Uint8Array);
    expect(c.ids.length).toBe(T * (L - 3) * k);
    expect(c.ids.byteLength).toBeLessThanOrEqual(bytes.length);
    expect(c.tokenIds).toBeUndefined(); // no array of T numbers: tokens are numbered by position
    const f = id(256);
    expect(c.ids[((T - 1) * (L - 3) + 5) * k + 3]).toBe(f(((T - 1) * L + 8) * k + 3));
  });

  it('uint16 (Kimi K2, 384 experts): ids held as uint16, not int32', () => {
    const bytes = npy('<u2', [T, L, k], 2, id(384));
    const c = parseImport('routed_experts.npy', bytes) as TokenChoices;
    expect(c.ids).toBeInstanceOf(Uint16Array);
    expect(c.experts).toBe(384);
    expect(c.ids.byteLength).toBeLessThanOrEqual(bytes.length);
    expect(Math.max(...c.ids.subarray(0, 10_000))).toBeGreaterThan(255);
  });

  it('a bad row in a long trace is still named by token and layer', () => {
    const f = id(256);
    const bytes = npy('|u1', [T, L, k], 1, (i) => (i === ((T - 2) * L + 40) * k + 5 ? f(i - 1) : f(i)));
    expect(() => parseImport('r.npy', bytes)).toThrow(
      new RegExp(`^r\\.npy token ${T - 2}, layer 40: expert \\d+ is chosen twice by one token$`),
    );
  });
});
