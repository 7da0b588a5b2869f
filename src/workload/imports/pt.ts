/**
 * PyTorch `.pt` files: the zip archive torch.save writes (`<dir>/data.pkl`, `<dir>/data/<key>`, `<dir>/byteorder`,
 * `<dir>/version`…), read with the bounded zip reader (./zip.ts) and the restricted unpickler (./unpickle.ts), then
 * recognised as counts:
 *
 * SGLang's expert-distribution recorder (python/sglang/srt/eplb/expert_distribution.py in sgl-project/sglang, read at
 * commits dd780ab9 and 02295fe5; the repository is too large to mirror here, so places are named by function rather
 * than line) writes with `_dump_to_file` → `torch.save(data, path)`:
 * - mode "stat" / "stat_approx" (`_StatAccumulator.dump`): `dict(rank=…, logical_count=…,
 *   average_utilization_rate_over_window=…)` to `expert_distribution_recorder_{time}.pt` (rank 0 only), where
 *   logical_count is int32 [buffer size, layers, logical experts] (`_Buffer` of item shape
 *   (num_layers, num_physical_experts), dtype torch.int32, folded by `_convert_global_physical_count_to_logical_count`
 *   and all-reduced over ranks) and the rate is None unless EPLB metrics are on. The buffer is a `_CircularBuffer`
 *   of expert_distribution_recorder_buffer_size rows (default eplb_rebalance_num_iterations, 1000; server_args.py)
 *   saved whole: rows never recorded are zero, older passes are overwritten. → counts summed over the rows.
 * - modes "per_pass" and "per_token" (`_DetailAccumulator.dump`): `dict(records=[dict(forward_pass_id, rank,
 *   gatherer_key, …, global_physical_count=int32 [layers, physical experts]), …], last_physical_to_logical_map=int64
 *   [layers, physical experts])` to `expert_distribution_recorder_{time}_{rank}.pt`, one file per rank; per_token
 *   records also hold input_ids, positions, extend_seq_lens, forward_mode, topk_ids_of_layer (int32 [layers,
 *   tokens, 8]) and misc_objects (`_DetailSinglePassGatherer.collect`). → the records' physical counts summed, then
 *   folded to logical experts through the map (as SGLang's own conversion does).
 * A `.pt` holding one integer tensor [layers, experts] or [records, layers, experts] is read as counts too.
 */

import { countTableProblem, layerIdProblem, MAX_IMPORT_EXPERTS, printable } from '../input';
import { denseCountTable } from './countTable';
import { checkExperts, checkLayers } from './fields';
import { type PyDict, type PyTensor, type PyValue, UNPICKLE_LIMITS } from './pickleValues';
import { TensorReader, tensorsIn } from './torchTensor';
import { type CountTable, ImportError, type ImportOptions, MAX_COUNT_CELLS } from './types';
import { unpickle } from './unpickle';
import { readZip, ZIP_LIMITS, type ZipLimits } from './zip';

const INT_DTYPES = new Set(['int8', 'uint8', 'int16', 'int32', 'int64']);

const isDict = (v: PyValue): v is PyDict =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'dict';
const isTensor = (v: PyValue | undefined): v is PyTensor =>
  v !== undefined &&
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !(v instanceof Uint8Array) &&
  v.kind === 'tensor';

/** What a value is, for a message: "a dict with keys a, b", "an int32 tensor [2, 3]". */
function kindOf(v: PyValue): string {
  if (isTensor(v)) return `a ${v.dtype} tensor [${v.shape.join(', ')}]`;
  if (isDict(v)) return `a dict with keys ${keyList(v)}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return `a ${v.kind}`;
  return `a ${typeof v}`;
}

function keyList(d: PyDict): string {
  const keys = [...d.map.keys()].map((k) => printable(String(k), 40));
  return keys.length === 0 ? '(none)' : printable(keys.join(', '), 200);
}

/** The archive's directory (torch names it after the file, or "archive") and its data.pkl, unpickled into views. */
function openPt(
  name: string,
  bytes: Uint8Array,
  limits: ZipLimits,
): { value: PyValue; reader: TensorReader } {
  const zip = readZip(name, bytes, limits);
  const first = zip.entries[0]?.name ?? '';
  const slash = first.indexOf('/');
  const dir = slash > 0 ? first.slice(0, slash + 1) : '';
  const pkl = dir ? zip.find(`${dir}data.pkl`) : undefined;
  if (!pkl) {
    const names = zip.entries.slice(0, 6).map((e) => printable(e.name, 40));
    throw new ImportError(
      `${name}: a zip archive but not a PyTorch .pt file (no <folder>/data.pkl; entries: ` +
        `${names.join(', ') || 'none'}${zip.entries.length > 6 ? ', …' : ''}); expected .npy, CSV, JSON or .pt`,
    );
  }
  const order = zip.find(`${dir}byteorder`);
  const byteorder = order ? new TextDecoder().decode(zip.read(order)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big')
    throw new ImportError(`${name}: the byteorder record says "${printable(byteorder)}", not little or big`);
  const value = unpickle(`${name}: data.pkl`, zip.read(pkl), {
    littleEndian: byteorder === 'little',
    storage: (key) => {
      const e = zip.find(`${dir}data/${key}`);
      return e ? zip.read(e) : undefined;
    },
  });
  return { value, reader: new TensorReader(UNPICKLE_LIMITS, (why) => new ImportError(`${name}: ${why}`)) };
}

/**
 * Reads a `.pt` file into plain values (tensors, dicts, lists…) with every tensor's `data` gathered, under the
 * reader's budget: for tests and callers that want the raw content. parsePt gathers nothing it can sum in place.
 */
export function readPt(name: string, bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): PyValue {
  const { value, reader } = openPt(name, bytes, limits);
  for (const t of tensorsIn(value)) reader.data(t);
  return value;
}

/** Shape [L, E] of counts [L, E] or [R, L, E], after the checks every count tensor gets. */
function countShape(name: string, what: string, t: PyTensor): { R: number; L: number; E: number } {
  if (!INT_DTYPES.has(t.dtype))
    throw new ImportError(`${name}: ${what} is a ${t.dtype} tensor; counts must be an integer tensor`);
  if (t.shape.length !== 2 && t.shape.length !== 3)
    throw new ImportError(
      `${name}: ${what} has shape [${t.shape.join(', ')}]; counts must be [layers, experts] or [records, layers, experts]`,
    );
  const [R, L, E] = t.shape.length === 2 ? [1, t.shape[0], t.shape[1]] : t.shape;
  // The limit is on the table the counts become; the records summed into it are read in place, not held.
  if (L * E > MAX_COUNT_CELLS)
    throw new ImportError(
      `${name}: ${what}: ${L} layers × ${E} experts is more than ${MAX_COUNT_CELLS} counts`,
    );
  return { R, L, E };
}

/**
 * Adds counts [L, E] or [R, L, E] (summed over R) into `into` (flat [L, E]), straight from the storage's bytes:
 * SGLang's default stat dump of Kimi K2 is int32 [1000, 61, 384], 94 MB, and is never copied.
 */
function addCounts(name: string, what: string, t: PyTensor, into: Float64Array, reader: TensorReader): void {
  const { E } = countShape(name, what, t);
  const cells = into.length;
  reader.addInto(t, into, (v, i) => {
    const r = Math.floor(i / cells);
    const c = i % cells;
    throw new ImportError(
      `${name}: ${what}: count ${v} at [${t.shape.length === 3 ? `${r}, ` : ''}${Math.floor(c / E)}, ${c % E}] is negative`,
    );
  });
}

/** Counts [L, E] (flat) from an integer tensor [L, E] or [R, L, E], summed over R. */
function sumRecords(
  name: string,
  what: string,
  t: PyTensor,
  reader: TensorReader,
): { L: number; E: number; data: Float64Array; records: number } {
  const { R, L, E } = countShape(name, what, t);
  const data = new Float64Array(L * E);
  addCounts(name, what, t, data, reader);
  return { L, E, data, records: R };
}

/** A CountTable from counts [L, E] (flat), under the same rules as the .npy and CSV readers. */
function countTable(
  name: string,
  L: number,
  E: number,
  data: Float64Array,
  opts: ImportOptions,
  notes: string[],
  source: string,
): CountTable {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  if (L === 0 || E === 0) throw new ImportError(`${name}: the counts are empty ([${L}, ${E}])`);
  if (opts.experts !== undefined && E !== opts.experts)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer but the model has ${opts.experts}`,
    );
  if (E > MAX_IMPORT_EXPERTS)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer; at most ${MAX_IMPORT_EXPERTS} are accepted`,
    );
  let allIds = Array.from({ length: L }, (_, l) => l);
  if (opts.layerIds) {
    if (opts.layerIds.length !== L)
      throw new ImportError(`${name}: ${opts.layerIds.length} layer ids given for ${L} layers in the file`);
    allIds = opts.layerIds;
  } else if (opts.layers !== undefined && L > opts.layers) {
    throw new ImportError(`${name}: the counts have ${L} layers but the model has ${opts.layers}`);
  }
  for (const id of allIds) {
    const why = layerIdProblem(id, opts.layers);
    if (why) throw new ImportError(`${name}: ${why}`);
  }
  const bad = countTableProblem(data, E, allIds);
  if (bad) throw new ImportError(`${name}: ${bad}`);
  const allCounts = Array.from({ length: L }, (_, l) => data.slice(l * E, (l + 1) * E));
  return denseCountTable(name, allIds, allCounts, E, notes, source);
}

/** SGLang's per_pass dump: records' global_physical_count summed, folded to logical experts through the map. */
function fromRecords(
  name: string,
  d: PyDict,
  records: PyValue[],
  opts: ImportOptions,
  reader: TensorReader,
): CountTable {
  if (records.length === 0)
    throw new ImportError(`${name}: the dump's records list is empty: nothing to measure`);
  let sum: ReturnType<typeof sumRecords> | undefined;
  records.forEach((rec, r) => {
    const phys = isDict(rec) ? rec.map.get('global_physical_count') : undefined;
    if (!isTensor(phys)) {
      const perToken = isDict(rec) && rec.map.has('topk_ids_of_layer');
      throw new ImportError(
        `${name}: record ${r} has no global_physical_count tensor (it is ${kindOf(rec)})` +
          (perToken
            ? "; SGLang's per_token records carry one beside topk_ids_of_layer, so this dump is damaged or from " +
              'another tool: record with --expert-distribution-recorder-mode stat'
            : ''),
      );
    }
    const what = `records[${r}].global_physical_count`;
    if (!sum) {
      sum = sumRecords(name, what, phys, reader);
      return;
    }
    const s = countShape(name, what, phys);
    if (s.L !== sum.L || s.E !== sum.E)
      throw new ImportError(`${name}: ${what} is [${s.L}, ${s.E}] but records[0]'s is [${sum.L}, ${sum.E}]`);
    addCounts(name, what, phys, sum.data, reader);
  });
  const { L, E: P, data } = sum as ReturnType<typeof sumRecords>;
  const notes = [
    `Read SGLang's per-pass expert-distribution dump: ${records.length} record${records.length === 1 ? '' : 's'} ` +
      "of global_physical_count summed (one file per rank: this is one rank's dump).",
  ];
  const key = mapKey(d);
  if (!key) {
    notes.push(
      `The dump has no physical-to-logical map, so the counts are per physical expert slot (${P} slots), not per expert.`,
    );
    return countTable(name, L, P, data, opts, notes, 'SGLang dump (.pt, global_physical_count per slot)');
  }
  const folded = foldToLogical(name, L, P, data, key, d.map.get(key) as PyValue, opts, reader, notes);
  return countTable(name, L, folded.E, folded.data, opts, notes, 'SGLang dump (.pt, per_pass records)');
}

/** The key of the dump's physical-to-logical map, if it has one. */
const mapKey = (d: PyDict) =>
  ['last_physical_to_logical_map', 'physical_to_logical_map'].find((k) => d.map.get(k) !== undefined);

/**
 * Physical slot counts [L, P] folded into logical expert counts [L, E] through the map int [L, P] (slot → expert),
 * as SGLang's own `_convert_global_physical_count_to_logical_count` does; E is opts.experts or the largest id + 1.
 */
function foldToLogical(
  name: string,
  L: number,
  P: number,
  data: Float64Array,
  key: string,
  map: PyValue,
  opts: ImportOptions,
  reader: TensorReader,
  notes: string[],
): { E: number; data: Float64Array } {
  if (
    !isTensor(map) ||
    !INT_DTYPES.has(map.dtype) ||
    map.shape.length !== 2 ||
    map.shape[0] !== L ||
    map.shape[1] !== P
  )
    throw new ImportError(`${name}: ${key} is ${kindOf(map)}; expected an integer tensor [${L}, ${P}]`);
  const ids = reader.data(map);
  let maxId = -1;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= MAX_IMPORT_EXPERTS || (opts.experts !== undefined && id >= opts.experts))
      throw new ImportError(
        `${name}: ${key}[${Math.floor(i / P)}, ${i % P}] = ${id} is not an expert id` +
          (opts.experts !== undefined ? ` below ${opts.experts}` : ''),
      );
    if (id > maxId) maxId = id;
  }
  const E = opts.experts ?? maxId + 1;
  if (L * E > MAX_COUNT_CELLS)
    throw new ImportError(`${name}: ${L} layers × ${E} experts is more than ${MAX_COUNT_CELLS} counts`);
  const logical = new Float64Array(L * E);
  for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) logical[l * E + ids[l * P + p]] += data[l * P + p];
  if (P !== E) notes.push(`Folded ${P} physical expert slots into ${E} experts through ${key}.`);
  return { E, data: logical };
}

/** Counts from a PyTorch `.pt` file (SGLang's expert-distribution dumps, or one integer count tensor). */
export function parsePt(
  name: string,
  bytes: Uint8Array,
  opts: ImportOptions = {},
  limits?: ZipLimits,
): CountTable {
  const { value, reader } = openPt(name, bytes, limits ?? ZIP_LIMITS);
  if (isTensor(value)) {
    const s = sumRecords(name, 'the tensor', value, reader);
    const notes = [
      s.records > 1 || value.shape.length === 3
        ? `Read the tensor [${value.shape.join(', ')}] as counts [records, layers, experts]; its ${s.records} records were summed.`
        : `Read the tensor [${value.shape.join(', ')}] as counts [layers, experts].`,
    ];
    return countTable(name, s.L, s.E, s.data, opts, notes, 'PyTorch tensor (.pt)');
  }
  if (isDict(value)) {
    const logical = value.map.get('logical_count');
    if (logical !== undefined) {
      if (!isTensor(logical))
        throw new ImportError(`${name}: logical_count is ${kindOf(logical)}, not a tensor`);
      const s = sumRecords(name, 'logical_count', logical, reader);
      const rank = value.map.get('rank');
      const notes = [
        `Read SGLang's expert-distribution dump: logical_count [${logical.shape.join(', ')}]` +
          (logical.shape.length === 3
            ? `, its ${s.records} buffered steps summed (SGLang's circular buffer: the last ${s.records} forward ` +
              'passes at most; rows never recorded are zero)'
            : '') +
          (typeof rank === 'number' ? ` (written by rank ${rank}, summed over all ranks by SGLang)` : '') +
          '.',
      ];
      return countTable(name, s.L, s.E, s.data, opts, notes, 'SGLang dump (.pt, logical_count)');
    }
    const records = value.map.get('records');
    if (Array.isArray(records)) return fromRecords(name, value, records, opts, reader);
    const physical = value.map.get('physical_count') ?? value.map.get('global_physical_count');
    if (isTensor(physical)) {
      const s = sumRecords(name, 'physical_count', physical, reader);
      const key = mapKey(value);
      const read =
        `Read physical_count [${physical.shape.join(', ')}]` +
        (physical.shape.length === 3 ? `, its ${s.records} records summed` : '');
      if (!key)
        return countTable(
          name,
          s.L,
          s.E,
          s.data,
          opts,
          [`${read}: counts per physical expert slot, not per expert (no map in the file).`],
          'SGLang dump (.pt, physical_count per slot)',
        );
      const notes = [`${read}.`];
      const folded = foldToLogical(
        name,
        s.L,
        s.E,
        s.data,
        key,
        value.map.get(key) as PyValue,
        opts,
        reader,
        notes,
      );
      return countTable(name, s.L, folded.E, folded.data, opts, notes, 'SGLang dump (.pt, physical_count)');
    }
  }
  throw new ImportError(
    `${name}: a PyTorch .pt holding ${kindOf(value)}; expected SGLang's expert-distribution dump (logical_count, ` +
      'or records with global_physical_count) or one integer tensor [layers, experts]',
  );
}
