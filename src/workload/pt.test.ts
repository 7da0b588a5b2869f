/**
 * PyTorch .pt imports (src/workload/imports/{zip,unpickle,pt}.ts): SGLang's expert-distribution dumps written by
 * scripts/fixtures/make_pt.py exactly as torch.save writes them (see its docstring for the SGLang and PyTorch code
 * it follows: _StatAccumulator.dump and _DetailAccumulator.dump in python/sglang/srt/eplb/expert_distribution.py),
 * round-tripped to the counts the script wrote beside them; then hostile files, each refused with one line that
 * names the file, without allocating past the limits; then a fuzz property.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { deflateSync, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  type CountTable,
  detectImportFormat,
  ImportError,
  type ImportOptions,
  type PyValue,
  parseImport,
  previewImport,
  readPt,
  UNPICKLE_LIMITS,
  ZIP_LIMITS,
} from './imports';
import { INPUT_LIMITS, InputError } from './input';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'serving');
const fixture = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const expectedOf = (f: string) => JSON.parse(readFileSync(join(DIR, `${f}.expected.json`), 'utf8'));
const FIXTURES = [
  'sglang_stat_logical_count.pt',
  'sglang_stat_metrics.pt',
  'sglang_per_pass_rank1.pt',
  'tensor_records_view.pt',
  'sglang_stat_circular.pt',
  'sglang_per_token_rank0.pt',
];

/** Parses and expects a one-line ImportError that names the file; returns the message. */
function refused(name: string, input: Uint8Array, opts: ImportOptions = {}): string {
  let message = '';
  try {
    parseImport(name, input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    message = (err as Error).message;
  }
  expect(message, 'expected a refusal').not.toBe('');
  expect(message.startsWith(`${name}:`), message).toBe(true);
  expect(message).not.toMatch(/[\n\r]/);
  return message;
}

// --- building .pt files by hand --------------------------------------------------------------------------------

const enc = new TextEncoder();
const cat = (...parts: (Uint8Array | number[] | string)[]) => {
  const arrays = parts.map((p) =>
    typeof p === 'string' ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p),
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};
const le = (v: number, bytes: number) =>
  Array.from({ length: bytes }, (_, i) => Math.floor(v / 256 ** i) % 256);
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Entry {
  name: string;
  data: Uint8Array | string;
  deflate?: boolean;
  /** Declared uncompressed size (default: the real one). */
  size?: number;
  /** Declared compressed size (default: the real one). */
  csize?: number;
  flags?: number;
}

/** A plain zip (no zip64) of the entries, stored or deflated. */
function zipOf(entries: Entry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = typeof e.data === 'string' ? enc.encode(e.data) : e.data;
    const body = e.deflate ? deflateSync(data) : data;
    const size = e.size ?? data.length;
    const name = enc.encode(e.name);
    const common = [
      ...le(e.flags ?? 0, 2),
      ...le(e.deflate ? 8 : 0, 2),
      0,
      0,
      0,
      0,
      ...le(crc32(data), 4),
      ...le(e.csize ?? body.length, 4),
      ...le(size, 4),
      ...le(name.length, 2),
      0,
      0,
    ];
    const local = cat([0x50, 0x4b, 0x03, 0x04, 20, 0], common, name, body);
    central.push(
      cat(
        [0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0],
        common,
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        le(offset, 4),
        name,
      ),
    );
    locals.push(local);
    offset += local.length;
  }
  const cd = cat(...central);
  const n = entries.length;
  return cat(
    ...locals,
    cd,
    [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0],
    le(n, 2),
    le(n, 2),
    le(cd.length, 4),
    le(offset, 4),
    [0, 0],
  );
}

/** Pickle opcodes. */
const P = {
  proto: [0x80, 2],
  str: (s: string) => cat([0x58], le(enc.encode(s).length, 4), s),
  glob: (m: string, n: string) => cat('c', `${m}\n${n}\n`),
  int: (v: number) => cat([0x4a], le(v >>> 0, 4)),
  mark: [0x28],
  tuple: [0x74],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  emptyTuple: [0x29],
  setitem: [0x73],
  append: [0x61],
  reduce: [0x52],
  persid: [0x51],
  false: [0x89],
  stop: [0x2e],
};

/** _rebuild_tensor_v2(('storage', torch.<cls>, key, 'cpu', numel), offset, shape, stride, False, OrderedDict()). */
function tensorOps(
  cls: string,
  key: string,
  numel: number,
  shape: number[],
  stride?: number[],
  offset = 0,
): Uint8Array {
  const st = stride ?? shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const tup = (xs: number[]) => cat(P.mark, ...xs.map(P.int), P.tuple);
  return cat(
    P.glob('torch._utils', '_rebuild_tensor_v2'),
    P.mark,
    P.mark,
    P.str('storage'),
    P.glob('torch', cls),
    P.str(key),
    P.str('cpu'),
    P.int(numel),
    P.tuple,
    P.persid,
    P.int(offset),
    tup(shape),
    tup(st),
    P.false,
    P.glob('collections', 'OrderedDict'),
    P.emptyTuple,
    P.reduce,
    P.tuple,
    P.reduce,
  );
}

/** A .pt archive: data.pkl, byteorder, the storages, version (as torch lays them out). */
function ptOf(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, dir = 'archive'): Uint8Array {
  return zipOf([
    { name: `${dir}/data.pkl`, data: pkl },
    { name: `${dir}/byteorder`, data: 'little' },
    ...Object.entries(storages).map(([k, data]) => ({ name: `${dir}/data/${k}`, data })),
    { name: `${dir}/version`, data: '3\n' },
  ]);
}

const i32 = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);
const pickleOf = (...ops: (Uint8Array | number[])[]) => cat(P.proto, ...ops, P.stop);
/** {'logical_count': tensor} with an int32 storage of the values. */
const logicalCountPt = (values: number[], shape: number[]) =>
  ptOf(
    pickleOf(
      P.emptyDict,
      P.str('logical_count'),
      tensorOps('IntStorage', '0', values.length, shape),
      P.setitem,
    ),
    { '0': i32(values) },
  );

// --- fixtures ----------------------------------------------------------------------------------------------------

describe('SGLang .pt dumps round-trip to the counts make_pt.py wrote', () => {
  for (const f of FIXTURES) {
    it(f, () => {
      const want = expectedOf(f);
      const bytes = fixture(f);
      expect(detectImportFormat(f, bytes)).toBe('count-table');
      const t = parseImport(f, bytes) as CountTable;
      expect(t.format).toBe('count-table');
      expect(t.experts).toBe(want.experts);
      expect(t.layerIds).toEqual(want.layerIds);
      expect(t.counts.map((c) => Array.from(c))).toEqual(want.counts);
      if (want.droppedLayers.length) expect(t.notes?.join(' ')).toMatch(/Dropped 1 layer/);
      expect(t.source).toBeTruthy();
      const preview = previewImport(f, bytes);
      expect(preview.ok).toBe(true);
    });
  }

  it('reads the stat dump as the dict SGLang saved: rank, logical_count int32 [3, 4, 16] on cuda:0, the rate', () => {
    const v = readPt('s.pt', fixture('sglang_stat_logical_count.pt')) as Extract<PyValue, { kind: 'dict' }>;
    expect(v.kind).toBe('dict');
    expect([...v.map.keys()]).toEqual(['rank', 'logical_count', 'average_utilization_rate_over_window']);
    expect(v.map.get('rank')).toBe(0);
    expect(v.map.get('average_utilization_rate_over_window')).toBeNull();
    const lc = v.map.get('logical_count') as Extract<PyValue, { kind: 'tensor' }>;
    expect(lc.dtype).toBe('int32');
    expect(lc.shape).toEqual([3, 4, 16]);
    expect(lc.data).toBeInstanceOf(Int32Array);
    const m = readPt('m.pt', fixture('sglang_stat_metrics.pt')) as Extract<PyValue, { kind: 'dict' }>;
    expect(m.map.get('average_utilization_rate_over_window')).toBe(0.8125);
  });

  it('folds the per-pass dump through last_physical_to_logical_map, and says so', () => {
    const t = parseImport('r.pt', fixture('sglang_per_pass_rank1.pt')) as CountTable;
    expect(t.notes?.join(' ')).toMatch(/3 records of global_physical_count summed/);
    expect(t.notes?.join(' ')).toMatch(/Folded 6 physical expert slots into 4 experts/);
    // The same total as the physical counts: folding moves counts, never drops them.
    const v = readPt('r.pt', fixture('sglang_per_pass_rank1.pt')) as Extract<PyValue, { kind: 'dict' }>;
    const recs = v.map.get('records') as Extract<PyValue, { kind: 'dict' }>[];
    let physical = 0;
    for (const r of recs)
      for (const x of (r.map.get('global_physical_count') as { data: Int32Array }).data) physical += x;
    expect(t.counts.reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0)).toBe(physical);
  });

  it('applies the model options like the other count readers', () => {
    const f = 'sglang_stat_logical_count.pt';
    expect(refused(f, fixture(f), { experts: 8 })).toMatch(/16 experts per layer but the model has 8/);
    expect(refused(f, fixture(f), { layers: 3 })).toMatch(/4 layers but the model has 3/);
    const t = parseImport(f, fixture(f), { layerIds: [10, 11, 12, 13] }) as CountTable;
    expect(t.layerIds).toEqual([11, 12, 13]);
    expect(refused(f, fixture(f), { format: 'token-choices' })).toMatch(/read as counts/);
  });

  it('an all-zero logical_count is refused; a float tensor is not counts', () => {
    expect(refused('z.pt', logicalCountPt([0, 0, 0, 0], [1, 2, 2]))).toMatch(/every count is zero/);
    const floats = ptOf(
      pickleOf(P.emptyDict, P.str('logical_count'), tensorOps('FloatStorage', '0', 4, [2, 2]), P.setitem),
      { '0': new Uint8Array(16) },
    );
    expect(refused('f.pt', floats)).toMatch(/float32 tensor; counts must be an integer tensor/);
    expect(refused('n.pt', logicalCountPt([1, -2, 3, 4], [2, 2]))).toMatch(
      /count -2 at \[0, 1\] is negative/,
    );
  });

  it('names the keys of a .pt it does not recognise, and the per_token dumps', () => {
    const other = ptOf(
      pickleOf(
        P.emptyDict,
        P.str('state_dict'),
        P.int(1),
        P.setitem,
        P.str('__proto__'),
        P.int(2),
        P.setitem,
      ),
    );
    expect(refused('o.pt', other)).toMatch(/a dict with keys state_dict, __proto__; expected SGLang's/);
    const perToken = ptOf(
      pickleOf(
        P.emptyDict,
        P.str('records'),
        P.emptyList,
        P.emptyDict,
        P.str('topk_ids_of_layer'),
        P.int(0),
        P.setitem,
        P.append,
        P.setitem,
      ),
    );
    expect(refused('t.pt', perToken)).toMatch(/per_token records carry one beside topk_ids_of_layer/);
  });

  it("reads SGLang's default stat dump: its whole circular buffer, zero rows and overwritten passes", () => {
    const f = 'sglang_stat_circular.pt';
    const lc = (readPt(f, fixture(f)) as Extract<PyValue, { kind: 'dict' }>).map.get(
      'logical_count',
    ) as Extract<PyValue, { kind: 'tensor' }>;
    expect(lc.shape).toEqual([5, 3, 8]);
    const t = parseImport(f, fixture(f)) as CountTable;
    expect(t.notes?.join(' ')).toMatch(/5 buffered steps summed \(SGLang's circular buffer/);
  });

  it('reads per_token records (token lists, None, topk_ids_of_layer with -1 slots) through global_physical_count', () => {
    const f = 'sglang_per_token_rank0.pt';
    const v = readPt(f, fixture(f)) as Extract<PyValue, { kind: 'dict' }>;
    const recs = v.map.get('records') as Extract<PyValue, { kind: 'dict' }>[];
    expect(recs).toHaveLength(2);
    expect([...recs[0].map.keys()]).toEqual([
      'forward_pass_id',
      'rank',
      'gatherer_key',
      'input_ids',
      'positions',
      'extend_seq_lens',
      'forward_mode',
      'topk_ids_of_layer',
      'misc_objects',
      'global_physical_count',
    ]);
    expect(recs[1].map.get('extend_seq_lens')).toBeNull();
    const ids = recs[0].map.get('topk_ids_of_layer') as Extract<PyValue, { kind: 'tensor' }>;
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([2, 3, 8]);
    expect(Array.from((ids.data as Int32Array).slice(2, 8))).toEqual([-1, -1, -1, -1, -1, -1]);
    const t = parseImport(f, fixture(f)) as CountTable;
    expect(t.notes?.join(' ')).toMatch(/2 records of global_physical_count summed/);
  });
});

// --- hostile files -----------------------------------------------------------------------------------------------

describe('hostile .pt files are refused with one line', () => {
  it('a REDUCE that would call builtins.eval or os.system, or any global outside the allow-list', () => {
    const evalPkl = pickleOf(P.glob('builtins', 'eval'), P.str('1+1'), [0x85], P.reduce);
    expect(refused('e.pt', ptOf(evalPkl))).toMatch(/refused the global builtins\.eval/);
    // STACK_GLOBAL (protocol 4) names it from the stack.
    const sys = cat(
      [0x80, 4],
      [0x8c, 2],
      'os',
      [0x8c, 6],
      'system',
      [0x93],
      [0x8c, 2],
      'ls',
      [0x85],
      P.reduce,
      P.stop,
    );
    expect(refused('s.pt', ptOf(sys))).toMatch(/refused the global os\.system/);
    for (const [m, n] of [
      ['torch.nn.modules.linear', 'Linear'],
      ['posix', 'system'],
      ['subprocess', 'Popen'],
      ['torch', 'load'],
      ['torch._utils', '_rebuild_parameter'],
    ])
      expect(refused('g.pt', ptOf(pickleOf(P.glob(m, n))))).toMatch(
        new RegExp(`refused the global ${m}\\.${n}`),
      );
  });

  it('an allowed global is still never called with what it is not made for', () => {
    // REDUCE on a storage class: allowed as a name in a persistent id, never as a function.
    const call = pickleOf(P.glob('torch', 'IntStorage'), P.emptyTuple, P.reduce);
    expect(refused('c.pt', ptOf(call))).toMatch(/REDUCE calls torch\.IntStorage/);
    const od = pickleOf(P.glob('collections', 'OrderedDict'), P.mark, P.str('x'), P.tuple, P.reduce);
    expect(refused('o.pt', ptOf(od))).toMatch(/OrderedDict built from arguments is not read/);
    const build = pickleOf(P.emptyList, P.emptyDict, P.str('a'), P.int(1), P.setitem, [0x62]);
    expect(refused('b.pt', ptOf(build))).toMatch(/BUILD sets state/);
  });

  it('opcodes that create objects (NEWOBJ, INST, OBJ) and unknown ones', () => {
    expect(refused('n.pt', ptOf(pickleOf(P.emptyTuple, P.emptyTuple, [0x81])))).toMatch(/NEWOBJ/);
    expect(refused('i.pt', ptOf(pickleOf(cat('i', 'os\nsystem\n'))))).toMatch(/INST/);
    expect(refused('o.pt', ptOf(pickleOf(P.mark, [0x6f])))).toMatch(/OBJ/);
    expect(refused('u.pt', ptOf(pickleOf([0xff])))).toMatch(/opcode 0xff/);
    expect(refused('p.pt', ptOf(cat([0x80, 1], P.stop)))).toMatch(/pickle protocol 1/);
  });

  it('a huge claimed shape is refused before anything is allocated', () => {
    const huge = ptOf(pickleOf(tensorOps('LongStorage', '0', 4, [2 ** 20, 2 ** 20, 2 ** 10], [0, 0, 0])), {
      '0': new Uint8Array(32),
    });
    const t0 = performance.now();
    expect(refused('h.pt', huge)).toMatch(
      new RegExp(`more than ${UNPICKLE_LIMITS.maxTensorElements} elements; larger ones are not read`),
    );
    expect(performance.now() - t0).toBeLessThan(500);
    // Within the element limit but past its storage (numel 4 of 32 bytes of int64).
    const past = ptOf(pickleOf(tensorOps('LongStorage', '0', 4, [3, 2])), { '0': new Uint8Array(32) });
    expect(refused('p.pt', past)).toMatch(/reaches element 5 of a storage of 4/);
    const offset = ptOf(pickleOf(tensorOps('LongStorage', '0', 4, [4], [1], 1)), { '0': new Uint8Array(32) });
    expect(refused('q.pt', offset)).toMatch(/reaches element 4 of a storage of 4/);
    // The persistent id claims more elements than data/0 holds.
    const claim = ptOf(pickleOf(tensorOps('LongStorage', '0', 1000, [2])), { '0': new Uint8Array(16) });
    expect(refused('c.pt', claim)).toMatch(
      /claims 1000 int64 elements \(8000 bytes\) but data\/0 holds 16 bytes/,
    );
    const missing = ptOf(pickleOf(tensorOps('IntStorage', '7', 1, [1])));
    expect(refused('m.pt', missing)).toMatch(/no entry data\/7/);
  });

  it('overlapping views (stride 0, or strides that revisit elements) cannot claim more elements than their storage', () => {
    const one = i32([7]);
    const cases: [number[], number[]][] = [
      [[2 ** 24], [0]],
      [
        [4096, 4096],
        [0, 0],
      ],
      [
        [4096, 4096],
        [1, 0],
      ],
      [
        [3, 3],
        [1, 1],
      ],
      [
        [2, 1000, 1000],
        [0, 1, 0],
      ],
    ];
    for (const [shape, stride] of cases) {
      const numel = shape.reduce((a, b) => a * b, 1);
      const storage = i32(Array.from({ length: Math.min(numel - 1, 5000) }, () => 1));
      const pt = ptOf(
        pickleOf(
          P.emptyDict,
          P.str('logical_count'),
          tensorOps('IntStorage', '0', storage.length / 4, shape, stride),
          P.setitem,
        ),
        { '0': storage },
      );
      expect(refused('o.pt', pt)).toMatch(
        /elements but its storage holds \d+: overlapping views are not read/,
      );
    }
    // A tiny file naming a 16M-element stride-0 view 64 times once took minutes and 8 GB; now the first is refused.
    const views = cat(
      P.emptyList,
      P.mark,
      ...Array.from({ length: 64 }, () => tensorOps('IntStorage', '0', 1, [2 ** 24], [0])),
      [0x65],
    );
    expect(refused('a.pt', ptOf(pickleOf(views), { '0': one }))).toMatch(/overlapping views are not read/);
  });

  it('views of one storage count each time: against the gathered total, and against the elements read at all', () => {
    const storage = new Uint8Array(2 ** 20).fill(1);
    const view = () => tensorOps('ByteStorage', '0', 2 ** 20, [1024, 1024]);
    const record = () => cat(P.emptyDict, P.str('global_physical_count'), view(), P.setitem);
    const records = (n: number) =>
      cat(
        P.emptyDict,
        P.str('records'),
        P.emptyList,
        P.mark,
        ...Array.from({ length: n }, record),
        [0x65],
        P.setitem,
      );
    // Gathered into arrays (readPt gathers every tensor): memory, 2^25 elements in all.
    const gathered = UNPICKLE_LIMITS.maxTotalTensorElements / 2 ** 20 + 1;
    const list = cat(P.emptyList, P.mark, ...Array.from({ length: gathered }, view), [0x65]);
    expect(() => readPt('v.pt', ptOf(pickleOf(list), { '0': storage }))).toThrow(
      new RegExp(
        `^v\\.pt: the tensors hold more than ${UNPICKLE_LIMITS.maxTotalTensorElements} elements in all`,
      ),
    );
    // Summed in place (records' counts are never gathered): as many views are read, and add up.
    const summed = parseImport('s.pt', ptOf(pickleOf(records(gathered)), { '0': storage })) as CountTable;
    expect(summed.counts[0][0]).toBe(gathered);
    // Read at all (time): 2^28 elements, so a 1 MiB storage named 257 times is refused, in bounded time.
    const scanned = UNPICKLE_LIMITS.maxScannedElements / 2 ** 20 + 1;
    const t0 = performance.now();
    expect(refused('v.pt', ptOf(pickleOf(records(scanned)), { '0': storage }))).toMatch(
      new RegExp(`read for more than ${UNPICKLE_LIMITS.maxScannedElements} elements in all`),
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
    // The same budgets hold when the pickle names one record a thousand times through the memo (BINGET).
    const memo = cat(
      P.emptyDict,
      P.str('records'),
      P.emptyList,
      P.mark,
      record(),
      [0x71, 1],
      ...Array.from({ length: 1000 }, () => [0x68, 1]),
      [0x65],
      P.setitem,
    );
    expect(refused('m.pt', ptOf(pickleOf(memo), { '0': storage }))).toMatch(
      /read for more than \d+ elements in all/,
    );
  });

  it('an int64 count beyond 2^53 is refused, not rounded', () => {
    const big = new Uint8Array(new BigInt64Array([5n, 2n ** 60n]).buffer);
    const pt = ptOf(
      pickleOf(P.emptyDict, P.str('logical_count'), tensorOps('LongStorage', '0', 2, [1, 2]), P.setitem),
      {
        '0': big,
      },
    );
    expect(refused('b.pt', pt)).toMatch(/int64 1152921504606846976 at element 1 is larger than 2\^53/);
  });

  it('truncated archives, at every cut of a fixture', () => {
    const whole = fixture('sglang_stat_metrics.pt');
    for (let cut = 4; cut < whole.length; cut += 37) refused('cut.pt', whole.subarray(0, cut));
    expect(refused('cut.pt', whole.subarray(0, whole.length - 30))).toMatch(/truncated or damaged/);
    // A truncated pickle inside a whole archive.
    const files = unzipSync(whole);
    const pkl = files['sglang_stat_metrics/data.pkl'];
    const withPkl = (data: Uint8Array) =>
      zipOf(Object.entries(files).map(([name, d]) => ({ name, data: name.endsWith('data.pkl') ? data : d })));
    expect(refused('p.pt', withPkl(pkl.subarray(0, pkl.length - 1)))).toMatch(/ends without STOP/);
    expect(refused('p.pt', withPkl(pkl.subarray(0, 100)))).toMatch(/damaged|truncated/);
  });

  it('zip bombs: an entry inflating past its declared size, one declaring a huge size, a ratio bomb', () => {
    const zeros = new Uint8Array(2 * 2 ** 20); // 2 MiB of zeros deflates to about 2 KiB
    const lying = zipOf([
      { name: 'archive/data.pkl', data: zeros, deflate: true, size: 4000 },
      { name: 'archive/version', data: '3\n' },
    ]);
    expect(lying.length).toBeLessThan(64 * 1024);
    expect(refused('lie.pt', lying)).toMatch(
      /inflates to more than the 4000 bytes it declares; refused as a zip bomb/,
    );
    const huge = zipOf([{ name: 'archive/data.pkl', data: 'x', size: 2 ** 31 }]);
    expect(refused('huge.pt', huge)).toMatch(
      new RegExp(`declares 2147483648 bytes; at most ${ZIP_LIMITS.maxEntryBytes} are read`),
    );
    const ratio = zipOf([{ name: 'archive/data.pkl', data: zeros, deflate: true }]);
    expect(refused('ratio.pt', ratio)).toMatch(/more than 512:1\); refused as a zip bomb/);
    const many = (n: number, deflate: boolean) =>
      zipOf(
        Array.from({ length: n }, (_, i) => ({
          name: `archive/data/${i}`,
          data: 'x',
          deflate,
          size: 32 * 2 ** 20,
          csize: deflate ? 2 ** 20 : 32 * 2 ** 20,
        })),
      );
    expect(refused('many.pt', many(17, false))).toMatch(
      new RegExp(`more than ${ZIP_LIMITS.maxTotalBytes} bytes in all`),
    );
    // Deflated entries are inflated into buffers of their own: a smaller total (a re-zipped .pt is rare).
    expect(refused('many.pt', many(5, true))).toMatch(
      new RegExp(`deflated entries declare more than ${ZIP_LIMITS.maxInflatedBytes} bytes in all`),
    );
    // Stored entries are views into the file: one may be as large as a binary import.
    expect(ZIP_LIMITS.maxEntryBytes).toBe(INPUT_LIMITS.importBinary.maxBytes);
    expect(ZIP_LIMITS.maxInflatedBytes).toBe(128 * 2 ** 20);
  });

  it('a deflated .pt (someone re-zipped it) is read; encrypted, zip64 entries and other methods are refused', () => {
    const files = unzipSync(fixture('sglang_stat_metrics.pt'));
    const rezipped = zipOf(Object.entries(files).map(([name, data]) => ({ name, data, deflate: true })));
    const t = parseImport('z.pt', rezipped) as CountTable;
    expect(t.counts.map((c) => Array.from(c))).toEqual(expectedOf('sglang_stat_metrics.pt').counts);
    expect(refused('enc.pt', zipOf([{ name: 'archive/data.pkl', data: 'x', flags: 1 }]))).toMatch(
      /is encrypted/,
    );
    const z64 = zipOf([{ name: 'archive/data.pkl', data: 'x', size: 0xffffffff }]);
    expect(refused('z64.pt', z64)).toMatch(/zip64 entry/);
    const bz = zipOf([{ name: 'archive/data.pkl', data: 'x' }]);
    bz[8] = 12; // local header method
    bz[bz.length - 22 - 46 - 'archive/data.pkl'.length + 10] = 12; // central directory method
    expect(refused('bz.pt', bz)).toMatch(/compression method 12/);
  });

  it('a zip that is not a .pt, and raw pickles (legacy torch.save) are named', () => {
    const plain = zipOf([{ name: 'readme.txt', data: 'hi' }]);
    expect(refused('a.zip', plain)).toMatch(
      /not a PyTorch \.pt file \(no <folder>\/data\.pkl; entries: readme\.txt\)/,
    );
    const legacy = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
    ]);
    expect(refused('old.pt', legacy)).toMatch(/legacy format \(before PyTorch 1\.6\)/);
    expect(refused('raw.pkl', cat([0x80, 4], P.stop))).toMatch(/a raw Python pickle/);
  });

  it('deep nesting and a cycle', () => {
    const deep = cat(P.proto, new Uint8Array(5000).fill(0x5d), new Uint8Array(4999).fill(0x61), P.stop);
    expect(refused('d.pt', ptOf(deep))).toMatch(/nested more than 64 deep/);
    // l = []; l.append(l)
    const cycle = pickleOf(P.emptyList, [0x71, 0], [0x68, 0], P.append);
    expect(refused('c.pt', ptOf(cycle))).toMatch(/holds itself/);
  });

  it('memo abuse: a read before a write, too many entries', () => {
    expect(refused('g.pt', ptOf(pickleOf([0x68, 9])))).toMatch(/memo entry 9 is read before it is written/);
    const n = UNPICKLE_LIMITS.maxMemo + 1;
    const memo = new Uint8Array(2 + 1 + n * 5 + 1);
    memo.set([0x80, 2, 0x4e]);
    for (let i = 0; i < n; i++) memo.set([0x72, ...le(i, 4)], 3 + i * 5);
    memo[memo.length - 1] = 0x2e;
    expect(refused('m.pt', ptOf(memo))).toMatch(/more than 100000 memo entries/);
  });

  it('stack floods and a shared list referenced a million times', () => {
    const flood = cat(P.proto, new Uint8Array(UNPICKLE_LIMITS.maxStack + 1).fill(0x28), P.stop);
    expect(refused('s.pt', ptOf(flood))).toMatch(/more than 100000 values on the pickle's stack/);
    // BINGET 0 × 50,000 between MARK and APPENDS, 25 times: the items limit stops it, not memory.
    const gets = new Uint8Array(100_000);
    for (let i = 0; i < gets.length; i += 2) gets[i] = 0x68;
    const batch = cat(P.mark, gets, [0x65]);
    const items = cat(P.proto, P.emptyList, [0x71, 0], ...Array.from({ length: 25 }, () => batch), P.stop);
    expect(refused('i.pt', ptOf(items))).toMatch(/more than 1000000 items/);
  });

  it('a damaged entry fails its CRC check', () => {
    const bytes = fixture('sglang_stat_metrics.pt').slice();
    const at = bytes.indexOf(0x80); // first byte of data.pkl (PROTO)
    bytes[at + 1] = 4;
    expect(refused('crc.pt', bytes)).toMatch(/CRC-32/);
  });
});

// --- fuzz --------------------------------------------------------------------------------------------------------

/** Either a one-line InputError naming the file or a count table, in bounded time. */
function clearOrValid(name: string, bytes: Uint8Array): void {
  const t0 = performance.now();
  try {
    const t = parseImport(name, bytes) as CountTable;
    expect(t.format).toBe('count-table');
    expect(t.counts.length).toBe(t.layerIds.length);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // Every reader's convention: "name: …", or "name line N: …" once the bytes are read as text.
    expect(err.message.startsWith(`${name}:`) || err.message.startsWith(`${name} line `), err.message).toBe(
      true,
    );
    expect(err.message).not.toMatch(/[\n\r]/);
  }
  expect(performance.now() - t0).toBeLessThan(2000);
}

describe('fuzz: random and mutated .pt files give a clear error or a valid result', () => {
  const pkls = FIXTURES.map((f) => {
    const files = unzipSync(fixture(f));
    return { f, files, pkl: Object.keys(files).find((k) => k.endsWith('/data.pkl')) as string };
  });

  it('random bytes after the zip magic, and raw pickle-looking bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (tail, zip) => {
        clearOrValid('r.pt', cat(zip ? [0x50, 0x4b, 0x03, 0x04] : [0x80, 0x02], tail));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated fixtures (bytes flipped or cut anywhere in the archive)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat()),
        (f, flips, cut) => {
          const bytes = fixture(f);
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          clearOrValid(f, cut === null ? bytes : bytes.subarray(0, 4 + (cut % bytes.length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mutated pickles in a well-formed archive (the unpickler itself)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...pkls),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        ({ f, files, pkl }, flips) => {
          const data = files[pkl].slice();
          for (const [at, v] of flips) data[at % data.length] = v;
          const entries = Object.entries(files).map(([name, d]) => ({ name, data: name === pkl ? data : d }));
          clearOrValid(f, zipOf(entries));
        },
      ),
      { numRuns: 400 },
    );
  });
});
