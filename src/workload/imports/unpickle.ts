/**
 * A restricted unpickler for the pickle inside a PyTorch `.pt` (its `data.pkl`): only the opcodes of protocols 2–5
 * that torch.save's pickle of tensors, dicts, lists, tuples, strings and numbers uses, and only the globals a tensor
 * dump names (torch._utils._rebuild_tensor_v2, the torch.*Storage classes, collections.OrderedDict). Nothing is
 * ever called: a REDUCE is evaluated here, for the allowed globals only, and every other global (os.system,
 * builtins.eval, torch.nn.Module…) or opcode (NEWOBJ, INST, OBJ, EXT…) is refused by name. Iterative, with limits on
 * the stack, the memo, the number of items, the nesting depth and the tensor sizes; cycles are refused.
 *
 * How torch pickles a tensor (torch/_tensor.py, Tensor._reduce_ex_internal, and torch/serialization.py, _save's
 * persistent_id): `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
 * [, metadata])`, with backward_hooks an empty OrderedDict, and the storage as a persistent id
 * `('storage', torch.LongStorage, '0', 'cpu', numel)` whose bytes are the archive's `data/0`.
 */

import { printable } from '../input';
import { ImportError } from './types';

export type TensorDtype =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'bool';

/** A tensor, contiguous in C order: int64 read into a Float64Array (each value checked to be a safe integer). */
export interface PyTensor {
  kind: 'tensor';
  dtype: TensorDtype;
  shape: number[];
  data: Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}

/** A dict (or OrderedDict): keys are strings, numbers, booleans or None; a Map, so "__proto__" is an ordinary key. */
export interface PyDict {
  kind: 'dict';
  map: Map<PyKey, PyValue>;
}

/** An allowed global, as a value (a storage class, or a function before REDUCE calls it). */
export interface PyGlobal {
  kind: 'global';
  module: string;
  name: string;
}

export interface PyStorage {
  kind: 'storage';
  dtype: TensorDtype;
  key: string;
  location: string;
  /** Elements of `dtype` in the storage. */
  numel: number;
  bytes: Uint8Array;
}

export type PyKey = string | number | boolean | null;
export type PyValue = PyKey | PyValue[] | PyTuple | PyDict | PyTensor | PyGlobal | PyStorage | Uint8Array;

export interface UnpickleLimits {
  /** Most values on the stack (including marks). */
  maxStack: number;
  /** Most memo entries. */
  maxMemo: number;
  /** Most items added to containers in all. */
  maxItems: number;
  /** Deepest nesting of containers in the result. */
  maxDepth: number;
  /** Most elements in one tensor. */
  maxTensorElements: number;
  /** Longest string or bytes value. */
  maxString: number;
}

export const UNPICKLE_LIMITS: UnpickleLimits = {
  maxStack: 100_000,
  maxMemo: 100_000,
  maxItems: 1_000_000,
  maxDepth: 64,
  maxTensorElements: 2 ** 24,
  maxString: 1 << 20,
};

export interface UnpickleContext {
  /** Bytes of the storage `data/<key>` (the caller reads it from the archive, within its limits). */
  storage(key: string): Uint8Array | undefined;
  /** Byte order of the storages ('little' unless the archive's `byteorder` record says 'big'). */
  littleEndian: boolean;
}

/** Storage classes torch.save names in a persistent id (torch/storage.py, _pickle_storage_type), by dtype. */
const STORAGE_DTYPES: Record<string, TensorDtype> = {
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

const REBUILD = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor']);

/** The globals a tensor dump may name; anything else is refused by name. */
function allowedGlobal(module: string, name: string): boolean {
  const full = `${module}.${name}`;
  if (REBUILD.has(full) || full === 'collections.OrderedDict') return true;
  if (module === 'torch' && name in STORAGE_DTYPES) return true;
  return full === 'torch.storage.UntypedStorage';
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

const isContainer = (v: PyValue): v is PyValue[] | PyTuple | PyDict =>
  Array.isArray(v) ||
  (typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    (v.kind === 'tuple' || v.kind === 'dict'));

function kindName(v: Slot): string {
  if (v === MARK) return 'a mark';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return v.kind === 'global' ? `${v.module}.${v.name}` : `a ${v.kind}`;
  return `a ${typeof v}`;
}

/**
 * Unpickles `data` (a `.pt` archive's data.pkl). `where` names it in messages ("f.pt: data.pkl"). Throws an
 * ImportError of one line for anything outside the subset, past a limit, or damaged.
 */
export function unpickle(
  where: string,
  data: Uint8Array,
  ctx: UnpickleContext,
  limits: UnpickleLimits = UNPICKLE_LIMITS,
): PyValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let opAt = 0;
  const fail = (why: string) => new ImportError(`${where}: byte ${opAt}: ${why}`);
  const need = (n: number) => {
    if (pos + n > data.length) throw fail('the pickle ends early (the file is truncated or damaged)');
  };
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  const storages = new Map<string, PyStorage>();
  let items = 0;

  const push = (v: Slot) => {
    if (stack.length >= limits.maxStack)
      throw fail(`more than ${limits.maxStack} values on the pickle's stack`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined) throw fail('an opcode needs a value but the stack is empty (the pickle is damaged)');
    if (v === MARK) throw fail('an opcode needs a value but found a mark (the pickle is damaged)');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK)
      throw fail('an opcode needs a value on the stack (the pickle is damaged)');
    return v;
  };
  /** The values above the topmost mark, the mark removed. */
  const popMark = (): PyValue[] => {
    let m = stack.length - 1;
    while (m >= 0 && stack[m] !== MARK) m--;
    if (m < 0) throw fail('no mark on the stack (the pickle is damaged)');
    const vals = stack.splice(m + 1) as PyValue[];
    stack.pop();
    return vals;
  };
  const count = (n: number) => {
    items += n;
    if (items > limits.maxItems) throw fail(`more than ${limits.maxItems} items in all`);
  };
  const text = (n: number): string => {
    if (n > limits.maxString) throw fail(`a string of ${n} bytes; at most ${limits.maxString} are read`);
    need(n);
    let s: string;
    try {
      s = decoder.decode(data.subarray(pos, pos + n));
    } catch {
      throw fail('a string that is not valid UTF-8 (the pickle is damaged)');
    }
    pos += n;
    return s;
  };
  const bytesOf = (n: number): Uint8Array => {
    if (n > limits.maxString) throw fail(`a bytes value of ${n} bytes; at most ${limits.maxString} are read`);
    need(n);
    const b = data.slice(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = () => {
    need(1);
    return data[pos++];
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (what: string) => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) throw fail(`${what} of ${v} bytes is longer than the pickle`);
    return Number(v);
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256)
      throw fail('a GLOBAL without its newline-ended name (the pickle is damaged)');
    const s = String.fromCharCode(...data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!allowedGlobal(module, name)) {
      throw fail(
        `refused the global ${printable(`${module}.${name}`, 80)}: a .pt is read only when it holds tensors, ` +
          'dicts, lists, tuples, strings and numbers (nothing that would run code is called)',
      );
    }
    return { kind: 'global', module, name };
  };
  const memoPut = (key: number, v: PyValue) => {
    if (!memo.has(key) && memo.size >= limits.maxMemo) throw fail(`more than ${limits.maxMemo} memo entries`);
    memo.set(key, v);
  };
  const memoGet = (key: number): PyValue => {
    const v = memo.get(key);
    if (v === undefined) throw fail(`memo entry ${key} is read before it is written (the pickle is damaged)`);
    return v;
  };
  const setItems = (dict: PyValue, kv: PyValue[]) => {
    if (
      typeof dict !== 'object' ||
      dict === null ||
      Array.isArray(dict) ||
      dict instanceof Uint8Array ||
      dict.kind !== 'dict'
    )
      throw fail(`SETITEM on ${kindName(dict)}, not a dict`);
    if (kv.length % 2) throw fail('SETITEMS with an odd number of values (the pickle is damaged)');
    count(kv.length / 2);
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i];
      if (k !== null && typeof k === 'object')
        throw fail(
          `a dict key that is ${kindName(k)}; only strings, numbers, booleans and None are read as keys`,
        );
      dict.map.set(k, kv[i + 1]);
    }
  };
  const append = (list: PyValue, vals: PyValue[]) => {
    if (!Array.isArray(list)) throw fail(`APPEND on ${kindName(list)}, not a list`);
    count(vals.length);
    for (const v of vals) list.push(v);
  };
  const tuple = (vals: PyValue[]): PyTuple => {
    count(vals.length);
    return { kind: 'tuple', items: vals };
  };
  const int = (v: bigint): number => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
      throw fail(`the integer ${v} is larger than 2^53 − 1; such integers are not read`);
    return Number(v);
  };

  const persistent = (pid: PyValue): PyStorage => {
    const t =
      pid !== null &&
      typeof pid === 'object' &&
      !Array.isArray(pid) &&
      !(pid instanceof Uint8Array) &&
      pid.kind === 'tuple'
        ? pid.items
        : undefined;
    if (t === undefined || t.length !== 5 || t[0] !== 'storage')
      throw fail(`a persistent id that is not ('storage', type, key, location, numel): ${kindName(pid)}`);
    const [, type, key, location, numel] = t;
    if (
      typeof type !== 'object' ||
      type === null ||
      Array.isArray(type) ||
      type instanceof Uint8Array ||
      type.kind !== 'global'
    )
      throw fail(`a storage whose type is ${kindName(type)}, not a torch storage class`);
    const dtype = STORAGE_DTYPES[type.name];
    if (!dtype) throw fail(`a storage of type ${type.module}.${type.name}, not a torch storage class`);
    if (typeof key !== 'string' || typeof location !== 'string')
      throw fail('a storage whose key or location is not a string (the pickle is damaged)');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      throw fail(`storage ${printable(key)} claims ${String(numel)} elements`);
    const seen = storages.get(key);
    if (seen) {
      if (seen.dtype !== dtype) throw fail(`storage ${printable(key)} is named with two dtypes`);
      return seen;
    }
    const itemBytes = type.name === 'UntypedStorage' ? 1 : ITEM_BYTES[dtype];
    const bytes = ctx.storage(key);
    if (!bytes) throw fail(`storage ${printable(key)} has no entry data/${printable(key)} in the archive`);
    if (numel * itemBytes > bytes.length) {
      throw fail(
        `storage ${printable(key)} claims ${numel} ${dtype} elements (${numel * itemBytes} bytes) but data/` +
          `${printable(key)} holds ${bytes.length} bytes`,
      );
    }
    const s: PyStorage = { kind: 'storage', dtype, key, location, numel, bytes };
    storages.set(key, s);
    return s;
  };

  const reduce = (fn: PyValue, args: PyValue): PyValue => {
    if (
      typeof fn !== 'object' ||
      fn === null ||
      Array.isArray(fn) ||
      fn instanceof Uint8Array ||
      fn.kind !== 'global'
    )
      throw fail(`REDUCE calls ${kindName(fn)}, which is not an allowed function`);
    const full = `${fn.module}.${fn.name}`;
    if (
      typeof args !== 'object' ||
      args === null ||
      Array.isArray(args) ||
      args instanceof Uint8Array ||
      args.kind !== 'tuple'
    )
      throw fail(`REDUCE of ${full} with ${kindName(args)} for arguments, not a tuple`);
    const a = args.items;
    if (full === 'collections.OrderedDict') {
      if (a.length === 0) return { kind: 'dict', map: new Map() };
      throw fail(
        'OrderedDict built from arguments is not read (torch.save writes an empty one, then its items)',
      );
    }
    if (REBUILD.has(full)) return rebuildTensor(a);
    throw fail(`REDUCE calls ${full}, which is not a function a tensor dump calls`);
  };

  const ints = (v: PyValue, what: string): number[] => {
    const list =
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      !(v instanceof Uint8Array) &&
      v.kind === 'tuple'
        ? v.items
        : Array.isArray(v)
          ? v
          : undefined;
    if (!list) throw fail(`a tensor whose ${what} is ${kindName(v)}, not a tuple of integers`);
    if (list.length > 16) throw fail(`a tensor with ${list.length} dimensions; at most 16 are read`);
    return list.map((x) => {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
        throw fail(`a tensor whose ${what} holds ${String(x)}, not a non-negative integer`);
      return x;
    });
  };

  const rebuildTensor = (a: PyValue[]): PyTensor => {
    if (a.length < 4) throw fail('_rebuild_tensor with fewer than 4 arguments (the pickle is damaged)');
    const [st, offsetV, sizeV, strideV] = a;
    if (
      st === null ||
      typeof st !== 'object' ||
      Array.isArray(st) ||
      st instanceof Uint8Array ||
      st.kind !== 'storage'
    )
      throw fail(`a tensor whose storage is ${kindName(st)}`);
    if (typeof offsetV !== 'number' || !Number.isSafeInteger(offsetV) || offsetV < 0)
      throw fail(`a tensor whose storage offset is ${String(offsetV)}`);
    const shape = ints(sizeV, 'shape');
    const stride = ints(strideV, 'stride');
    if (stride.length !== shape.length)
      throw fail(`a tensor of shape [${shape.join(', ')}] with ${stride.length} strides`);
    // The claimed shape is checked before anything is allocated: its element count, then that it fits the storage.
    let numel = 1;
    for (const d of shape) {
      numel *= d;
      if (numel > limits.maxTensorElements)
        throw fail(
          `a tensor of shape [${shape.join(', ')}] has more than ${limits.maxTensorElements} elements; larger ones are not read`,
        );
    }
    let last = offsetV;
    if (numel > 0) for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
    if (numel > 0 && last >= st.numel)
      throw fail(
        `a tensor of shape [${shape.join(', ')}] (stride [${stride.join(', ')}], offset ${offsetV}) reaches ` +
          `element ${last} of a storage of ${st.numel}`,
      );
    return { kind: 'tensor', dtype: st.dtype, shape, data: gather(st, offsetV, shape, stride, numel) };
  };

  const gather = (
    st: PyStorage,
    offset: number,
    shape: number[],
    stride: number[],
    numel: number,
  ): PyTensor['data'] => {
    const dv = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
    const le = ctx.littleEndian;
    const out = newArray(st.dtype, numel);
    const idx = new Array(shape.length).fill(0);
    let src = offset;
    for (let i = 0; i < numel; i++) {
      out[i] = readElement(dv, st.dtype, src, le, (v) => {
        throw fail(
          `storage ${printable(st.key)}: the int64 ${v} at element ${src} is larger than 2^53 − 1; such counts are not read`,
        );
      });
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
  };

  while (true) {
    opAt = pos;
    if (pos >= data.length) throw fail('the pickle ends without STOP (the file is truncated or damaged)');
    const op = data[pos++];
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto < 2 || proto > 5) throw fail(`pickle protocol ${proto}; protocols 2 to 5 are read`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        u64('a frame');
        break;
      case 0x7d: // EMPTY_DICT
        push({ kind: 'dict', map: new Map() });
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push({ kind: 'tuple', items: [] });
        break;
      case 0x28: // MARK
        push(MARK);
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64('a string')));
        break;
      case 0x43: // SHORT_BINBYTES
        push(bytesOf(u8()));
        break;
      case 0x42: // BINBYTES
        push(bytesOf(u32()));
        break;
      case 0x4a: // BININT
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        need(2);
        push(view.getUint16(pos, true));
        pos += 2;
        break;
      case 0x8a: {
        // LONG1: n bytes, little-endian two's complement.
        const n = u8();
        if (n > 8) throw fail(`an integer of ${n} bytes; integers beyond 2^53 are not read`);
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[pos + i]);
        if (n > 0 && data[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        push(int(v));
        break;
      }
      case 0x47: // BINFLOAT: big-endian float64
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x85: // TUPLE1
        push(tuple([pop()]));
        break;
      case 0x86: {
        const b = pop();
        push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        push(tuple([pop(), b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(tuple(popMark()));
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const vals = popMark();
        append(top(), vals);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, top());
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x51: // BINPERSID
        push(persistent(pop()));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw fail('STACK_GLOBAL with names that are not strings (the pickle is damaged)');
        push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(reduce(fn, args));
        break;
      }
      case 0x62: {
        // BUILD: only a no-op state (None or empty) is accepted; nothing's __setstate__ is called.
        const state = pop();
        top();
        const empty =
          state === null ||
          (Array.isArray(state) && state.length === 0) ||
          (typeof state === 'object' &&
            !(state instanceof Uint8Array) &&
            !Array.isArray(state) &&
            ((state.kind === 'dict' && state.map.size === 0) ||
              (state.kind === 'tuple' && state.items.length === 0)));
        if (!empty)
          throw fail(
            `BUILD sets state (${kindName(state)}) on ${kindName(top())}; objects with state are not read`,
          );
        break;
      }
      case 0x2e: {
        // STOP
        const result = pop();
        checkShape(result, limits.maxDepth, fail);
        return result;
      }
      default:
        throw fail(`${opcodeName(op)} is not an opcode a tensor dump uses; refused`);
    }
  }
}

/** Refuses a result that nests deeper than `maxDepth` or holds a container inside itself; iterative, linear. */
function checkShape(root: PyValue, maxDepth: number, fail: (why: string) => Error): void {
  const state = new Map<object, number>(); // 1: on the path, 2: done
  const work: { v: PyValue; depth: number; exit: boolean }[] = [{ v: root, depth: 1, exit: false }];
  while (work.length) {
    const { v, depth, exit } = work.pop() as { v: PyValue; depth: number; exit: boolean };
    if (!isContainer(v)) continue;
    if (exit) {
      state.set(v, 2);
      continue;
    }
    const s = state.get(v);
    if (s === 1) throw fail('a container that holds itself (a cycle); such pickles are not read');
    if (s === 2) continue;
    if (depth > maxDepth)
      throw fail(`containers nested more than ${maxDepth} deep; deeper ones are not read`);
    state.set(v, 1);
    work.push({ v, depth, exit: true });
    const children = Array.isArray(v) ? v : v.kind === 'tuple' ? v.items : [...v.map.values()];
    for (const c of children) if (isContainer(c)) work.push({ v: c, depth: depth + 1, exit: false });
  }
}

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

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const OPCODE_NAMES: Record<number, string> = {
  129: 'NEWOBJ (creates an object of any class)',
  146: 'NEWOBJ_EX (creates an object of any class)',
  105: 'INST (calls a class)',
  111: 'OBJ (calls a class)',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  80: 'PERSID (text persistent id)',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
  73: 'INT (protocol 0)',
  76: 'LONG (protocol 0)',
  70: 'FLOAT (protocol 0)',
  83: 'STRING (protocol 0)',
  86: 'UNICODE (protocol 0)',
  139: 'LONG4',
  142: 'BINBYTES8',
};

function opcodeName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  return OPCODE_NAMES[op] ? `opcode ${OPCODE_NAMES[op]} (${hex})` : `opcode ${hex}`;
}
