/**
 * The torch side of the restricted unpickler (./unpickle.ts): a storage named by a persistent id
 * `('storage', torch.LongStorage, '0', 'cpu', numel)` resolved to the archive's `data/0` bytes, and a tensor rebuilt
 * from `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)` into a C-order typed array. Every claim the
 * pickle makes (element counts, shape, strides, offset) is checked against the limits and the storage's real bytes
 * before anything is allocated.
 */

import { printable } from '../input';
import {
  type Fail,
  isKind,
  kindName,
  type PyStorage,
  type PyTensor,
  type PyValue,
  type TensorDtype,
  type UnpickleContext,
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
    const s: PyStorage = { kind: 'storage', dtype, key, location, numel, bytes };
    this.byKey.set(key, s);
    return s;
  }
}

/**
 * `_rebuild_tensor_v2(storage, offset, shape, stride, …)`: the claimed shape is checked before anything is
 * allocated (its element count, then that its last element lies inside the storage), then gathered in C order.
 */
export function rebuildTensor(
  args: PyValue[],
  maxElements: number,
  budget: { left: number; total: number },
  littleEndian: boolean,
  fail: Fail,
): PyTensor {
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
  if (numel > budget.left)
    throw fail(
      `the tensors hold more than ${budget.total} elements in all (views of one storage count each time); ` +
        'larger dumps are not read',
    );
  const data = gather(st, offsetV, shape, stride, numel, littleEndian, fail);
  return { kind: 'tensor', dtype: st.dtype, shape, data };
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

/** The `numel` elements the (already checked) shape and stride reach from `offset`, in C order. */
function gather(
  st: PyStorage,
  offset: number,
  shape: number[],
  stride: number[],
  numel: number,
  le: boolean,
  fail: Fail,
): PyTensor['data'] {
  const dv = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
  const out = newArray(st.dtype, numel);
  const idx = new Array(shape.length).fill(0);
  let src = offset;
  const tooLarge = (v: bigint): never => {
    throw fail(
      `storage ${printable(st.key)}: the int64 ${v} at element ${src} is larger than 2^53 − 1; such counts are not read`,
    );
  };
  for (let i = 0; i < numel; i++) {
    out[i] = readElement(dv, st.dtype, src, le, tooLarge);
    // Next index in C order.
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** The typed array a dtype is read into: int64 into float64 (each value checked safe), halves into float32. */
function newArray(dtype: TensorDtype, n: number): PyTensor['data'] {
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

/** Element `i` (not byte) of a storage of `dtype`. */
function readElement(
  dv: DataView,
  dtype: TensorDtype,
  i: number,
  le: boolean,
  tooLarge: (v: bigint) => never,
): number {
  switch (dtype) {
    case 'int8':
      return dv.getInt8(i);
    case 'uint8':
      return dv.getUint8(i);
    case 'bool':
      return dv.getUint8(i) ? 1 : 0;
    case 'int16':
      return dv.getInt16(i * 2, le);
    case 'int32':
      return dv.getInt32(i * 4, le);
    case 'int64': {
      const v = dv.getBigInt64(i * 8, le);
      if (v > MAX_I64 || v < -MAX_I64) tooLarge(v);
      return Number(v);
    }
    case 'float16':
      return half(dv.getUint16(i * 2, le));
    case 'bfloat16': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint32(0, dv.getUint16(i * 2, le) << 16);
      return b.getFloat32(0);
    }
    case 'float32':
      return dv.getFloat32(i * 4, le);
    case 'float64':
      return dv.getFloat64(i * 8, le);
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
