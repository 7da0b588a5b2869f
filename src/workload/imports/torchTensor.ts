/**
 * The torch side of the restricted unpickler (./unpickle.ts): a storage named by a persistent id
 * `('storage', torch.LongStorage, '0', 'cpu', numel)` resolved to the archive's `data/0` bytes, and a tensor rebuilt
 * from `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)` as a checked view of it. Every claim the
 * pickle makes (element counts, shape, strides, offset) is checked against the limits and the storage's real bytes
 * when the view is made; its elements are read later by a TensorReader, summed in place or gathered into a C-order
 * typed array, under per-file budgets, so a 94 MB count tensor is never copied.
 */

import { printable } from '../input';
import {
  type Fail,
  isContainer,
  isKind,
  kindName,
  type PyStorage,
  type PyTensor,
  type PyValue,
  type TensorData,
  type TensorDtype,
  type UnpickleContext,
  type UnpickleLimits,
} from './pickleValues';

/** Storage classes torch.save names in a persistent id (torch/storage.py, _pickle_storage_type), by dtype. */
export const STORAGE_DTYPES: Record<string, TensorDtype> = {
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  ShortStorage: 'int16',
  IntStorage: 'int32',
  LongStorage: 'int64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

const ITEM_BYTES: Record<TensorDtype, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  bool: 1,
};

/** The functions torch pickles a tensor with (torch/_utils.py); REDUCE of one of them rebuilds a tensor. */
export const REBUILD_FUNCTIONS = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor']);

/** Most dimensions a tensor is read with. */
const MAX_DIMS = 16;

/**
 * The storages one pickle names, by key: a key named twice is the same storage (and must keep its dtype), so each
 * archive entry is read once.
 */
export class StorageTable {
  private readonly byKey = new Map<string, PyStorage>();

  constructor(
    private readonly ctx: UnpickleContext,
    private readonly fail: Fail,
  ) {}

  /** The storage a BINPERSID's persistent id names, its claimed size checked against its archive entry. */
  fromPersistentId(pid: PyValue): PyStorage {
    const fail = this.fail;
    const t = isKind(pid, 'tuple') ? pid.items : undefined;
    if (t === undefined || t.length !== 5 || t[0] !== 'storage')
      throw fail(`a persistent id that is not ('storage', type, key, location, numel): ${kindName(pid)}`);
    const [, type, key, location, numel] = t;
    if (!isKind(type, 'global'))
      throw fail(`a storage whose type is ${kindName(type)}, not a torch storage class`);
    const dtype = STORAGE_DTYPES[type.name];
    if (!dtype) throw fail(`a storage of type ${type.module}.${type.name}, not a torch storage class`);
    if (typeof key !== 'string' || typeof location !== 'string')
      throw fail('a storage whose key or location is not a string (the pickle is damaged)');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      throw fail(`storage ${printable(key)} claims ${String(numel)} elements`);
    const seen = this.byKey.get(key);
    if (seen) {
      if (seen.dtype !== dtype) throw fail(`storage ${printable(key)} is named with two dtypes`);
      return seen;
    }
    const itemBytes = type.name === 'UntypedStorage' ? 1 : ITEM_BYTES[dtype];
    const bytes = this.ctx.storage(key);
    if (!bytes) throw fail(`storage ${printable(key)} has no entry data/${printable(key)} in the archive`);
    if (numel * itemBytes > bytes.length) {
      throw fail(
        `storage ${printable(key)} claims ${numel} ${dtype} elements (${numel * itemBytes} bytes) but data/` +
          `${printable(key)} holds ${bytes.length} bytes`,
      );
    }
    const s: PyStorage = {
      kind: 'storage',
      dtype,
      key,
      location,
      numel,
      bytes,
      littleEndian: this.ctx.littleEndian,
    };
    this.byKey.set(key, s);
    return s;
  }
}

/**
 * `_rebuild_tensor_v2(storage, offset, shape, stride, …)`: the claimed shape is checked (its element count, that its
 * last element lies inside the storage, that it holds no more elements than the storage) and kept as a view;
 * nothing is read or allocated here.
 */
export function rebuildTensor(args: PyValue[], maxElements: number, fail: Fail): PyTensor {
  if (args.length < 4) throw fail('_rebuild_tensor with fewer than 4 arguments (the pickle is damaged)');
  const [st, offsetV, sizeV, strideV] = args;
  if (!isKind(st, 'storage')) throw fail(`a tensor whose storage is ${kindName(st)}`);
  if (typeof offsetV !== 'number' || !Number.isSafeInteger(offsetV) || offsetV < 0)
    throw fail(`a tensor whose storage offset is ${String(offsetV)}`);
  const shape = dimensions(sizeV, 'shape', fail);
  const stride = dimensions(strideV, 'stride', fail);
  if (stride.length !== shape.length)
    throw fail(`a tensor of shape [${shape.join(', ')}] with ${stride.length} strides`);
  let numel = 1;
  for (const d of shape) {
    numel *= d;
    if (numel > maxElements)
      throw fail(
        `a tensor of shape [${shape.join(', ')}] has more than ${maxElements} elements; larger ones are not read`,
      );
  }
  let last = offsetV;
  if (numel > 0) for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (numel > 0 && last >= st.numel)
    throw fail(
      `a tensor of shape [${shape.join(', ')}] (stride [${stride.join(', ')}], offset ${offsetV}) reaches ` +
        `element ${last} of a storage of ${st.numel}`,
    );
  // Inside the storage yet more elements than it holds: overlapping strides (stride 0, an expand()): a few bytes could
  // claim millions of elements. torch.save of a count tensor never writes one.
  if (numel > st.numel)
    throw fail(
      `a tensor of shape [${shape.join(', ')}] (stride [${stride.join(', ')}]) has ${numel} elements but its ` +
        `storage holds ${st.numel}: overlapping views are not read`,
    );
  return { kind: 'tensor', dtype: st.dtype, shape, stride, offset: offsetV, storage: st };
}

const numelOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Reads tensors' elements out of their storages for one file, under two budgets: elements gathered into arrays
 * (memory, maxTotalTensorElements) and elements read at all, gathered or summed in place (time,
 * maxScannedElements). Views of one storage count each time they are read, so a small file naming one storage a
 * thousand times is stopped by the budget, not by memory or the clock.
 */
export class TensorReader {
  private gathered = 0;
  private scanned = 0;

  constructor(
    private readonly limits: Pick<UnpickleLimits, 'maxTotalTensorElements' | 'maxScannedElements'>,
    private readonly fail: Fail,
  ) {}

  /** The tensor's elements in C order (gathered once, then kept on the tensor). */
  data(t: PyTensor): TensorData {
    if (t.data) return t.data;
    const n = numelOf(t.shape);
    const total = this.limits.maxTotalTensorElements;
    if (this.gathered + n > total)
      throw this.fail(
        `the tensors hold more than ${total} elements in all (views of one storage count each time); ` +
          'larger dumps are not read',
      );
    this.scan(n);
    this.gathered += n;
    const out = newArray(t.dtype, n);
    let i = 0;
    walk(t, this.fail, (v) => {
      out[i++] = v;
    });
    t.data = out;
    return out;
  }

  /**
   * Adds the tensor's elements, in C order, into `into` cyclically (element i into into[i % into.length]): a
   * [records, L, E] tensor summed over its records into [L, E], straight from the storage's bytes (a typed view of
   * them where byte order and alignment allow, else a DataView: nothing is copied). `onNegative` is told the first
   * negative element and its flat index (it throws).
   */
  addInto(t: PyTensor, into: Float64Array, onNegative: (v: number, flat: number) => never): void {
    const n = numelOf(t.shape);
    this.scan(n);
    if (n === 0) return;
    const { shape, stride } = t;
    const st = t.storage;
    const arr = typedView(st);
    const read = storageReader(st, this.fail);
    const dims = shape.length;
    const inner = shape[dims - 1];
    const step = stride[dims - 1];
    const idx = new Array(dims - 1).fill(0);
    const cells = into.length;
    let src = t.offset;
    let c = 0;
    for (let row = 0, rows = n / inner; row < rows; row++) {
      // Two copies of the inner loop, so the common case (int32 on a little-endian host) reads a typed array.
      if (arr) {
        for (let j = 0, at = src; j < inner; j++, at += step) {
          const v = arr[at];
          if (v < 0) onNegative(v, row * inner + j);
          into[c] += v;
          if (++c === cells) c = 0;
        }
      } else {
        for (let j = 0, at = src; j < inner; j++, at += step) {
          const v = read(at);
          if (v < 0) onNegative(v, row * inner + j);
          into[c] += v;
          if (++c === cells) c = 0;
        }
      }
      src = nextRowStart(src, idx, shape, stride);
    }
  }

  private scan(n: number): void {
    const max = this.limits.maxScannedElements;
    if (this.scanned + n > max)
      throw this.fail(
        `the tensors are read for more than ${max} elements in all (views of one storage count each time); ` +
          'larger dumps are not read',
      );
    this.scanned += n;
  }
}

/** Every tensor reachable from `root`, each once (a tensor the memo names twice is one object). */
export function tensorsIn(root: PyValue): PyTensor[] {
  const out: PyTensor[] = [];
  const seen = new Set<object>();
  const work: PyValue[] = [root];
  while (work.length) {
    const v = work.pop() as PyValue;
    if (isKind(v, 'tensor')) {
      if (!seen.has(v)) out.push(v);
      seen.add(v);
    }
    if (!isContainer(v) || seen.has(v)) continue;
    seen.add(v);
    const children = Array.isArray(v) ? v : v.kind === 'tuple' ? v.items : [...v.map.values()];
    for (let k = children.length - 1; k >= 0; k--) work.push(children[k]);
  }
  return out;
}

/** A tensor's shape or stride: a tuple (or list) of at most MAX_DIMS non-negative integers. */
function dimensions(v: PyValue, what: string, fail: Fail): number[] {
  const list = isKind(v, 'tuple') ? v.items : Array.isArray(v) ? v : undefined;
  if (!list) throw fail(`a tensor whose ${what} is ${kindName(v)}, not a tuple of integers`);
  if (list.length > MAX_DIMS)
    throw fail(`a tensor with ${list.length} dimensions; at most ${MAX_DIMS} are read`);
  return list.map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
      throw fail(`a tensor whose ${what} holds ${String(x)}, not a non-negative integer`);
    return x;
  });
}

/** Calls `visit` with each element the (already checked) view reaches, in C order, read from the storage's bytes. */
function walk(t: PyTensor, fail: Fail, visit: (v: number) => void): void {
  const { storage: st, shape, stride } = t;
  const numel = numelOf(shape);
  if (numel === 0) return;
  let src = t.offset;
  const read = storageReader(st, fail);
  const dims = shape.length;
  // The innermost dimension in a tight loop; the outer ones stepped in C order.
  const inner = dims ? shape[dims - 1] : 1;
  const step = dims ? stride[dims - 1] : 0;
  const idx = new Array(Math.max(0, dims - 1)).fill(0);
  for (let row = 0, rows = numel / inner; row < rows; row++) {
    for (let j = 0, at = src; j < inner; j++, at += step) visit(read(at));
    src = nextRowStart(src, idx, shape, stride);
  }
}

/** A storage's element i as a number; an int64 past 2^53 − 1 is refused, naming the storage and the element. */
function storageReader(st: PyStorage, fail: Fail): (i: number) => number {
  const dv = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
  return elementReader(dv, st.dtype, st.littleEndian, (v, at) => {
    throw fail(
      `storage ${printable(st.key)}: the int64 ${v} at element ${at} is larger than 2^53 − 1; such counts are not read`,
    );
  });
}

/**
 * The next innermost row of a view in C order: steps the outer dimensions' index `idx` (one per dimension but the
 * last, updated in place) and returns the row's first element in the storage, from the current row's `src`.
 */
function nextRowStart(
  src: number,
  idx: number[],
  shape: readonly number[],
  stride: readonly number[],
): number {
  for (let d = shape.length - 2; d >= 0; d--) {
    idx[d]++;
    src += stride[d];
    if (idx[d] < shape[d]) return src;
    src -= stride[d] * shape[d];
    idx[d] = 0;
  }
  return src;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The storage's bytes as a typed array of its dtype, without a copy, when the host reads them as they are (same byte
 * order, aligned, a dtype with a typed array of its own); undefined otherwise (then a DataView reads them).
 */
function typedView(st: PyStorage): ArrayLike<number> | undefined {
  if (st.littleEndian !== LITTLE_ENDIAN_HOST) return undefined;
  const { buffer, byteOffset } = st.bytes;
  const aligned = (size: number) => byteOffset % size === 0;
  switch (st.dtype) {
    case 'int8':
      return new Int8Array(buffer, byteOffset, st.numel);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, st.numel);
    case 'int16':
      return aligned(2) ? new Int16Array(buffer, byteOffset, st.numel) : undefined;
    case 'int32':
      return aligned(4) ? new Int32Array(buffer, byteOffset, st.numel) : undefined;
    default:
      return undefined;
  }
}

/** The typed array a dtype is read into: int64 into float64 (each value checked safe), halves into float32. */
function newArray(dtype: TensorDtype, n: number): TensorData {
  switch (dtype) {
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'float16':
    case 'bfloat16':
    case 'float32':
      return new Float32Array(n);
    case 'int64':
    case 'float64':
      return new Float64Array(n);
  }
}

const MAX_I64 = BigInt(Number.MAX_SAFE_INTEGER);

/** Element `i` (not byte) of a storage of `dtype`, as a function chosen once per tensor (not a switch per element). */
function elementReader(
  dv: DataView,
  dtype: TensorDtype,
  le: boolean,
  tooLarge: (v: bigint, i: number) => never,
): (i: number) => number {
  switch (dtype) {
    case 'int8':
      return (i) => dv.getInt8(i);
    case 'uint8':
      return (i) => dv.getUint8(i);
    case 'bool':
      return (i) => (dv.getUint8(i) ? 1 : 0);
    case 'int16':
      return (i) => dv.getInt16(i * 2, le);
    case 'int32':
      return (i) => dv.getInt32(i * 4, le);
    case 'int64':
      return (i) => {
        const v = dv.getBigInt64(i * 8, le);
        if (v > MAX_I64 || v < -MAX_I64) tooLarge(v, i);
        return Number(v);
      };
    case 'float16':
      return (i) => half(dv.getUint16(i * 2, le));
    case 'bfloat16': {
      const b = new DataView(new ArrayBuffer(4));
      return (i) => {
        b.setUint32(0, dv.getUint16(i * 2, le) << 16);
        return b.getFloat32(0);
      };
    }
    case 'float32':
      return (i) => dv.getFloat32(i * 4, le);
    case 'float64':
      return (i) => dv.getFloat64(i * 8, le);
  }
}

/** An IEEE 754 half (binary16) from its bits; JavaScript has no Float16Array on Node 20. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
