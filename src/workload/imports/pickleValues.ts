/**
 * The Python values the restricted unpickler (./unpickle.ts) builds from a `.pt`'s data.pkl, the limits it reads
 * under, and the context that hands it the archive's storages. Also the checks on values every part of the
 * unpickler shares: what kind a value is (for messages) and that a result is neither too deep nor cyclic.
 */

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

/** A tensor's elements in C order: int64 read into a Float64Array (each value checked to be a safe integer). */
export type TensorData = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A tensor as the pickle names it: a view (offset, shape, stride) of a storage, already checked to lie inside it
 * and to hold no more elements than it (no overlapping views). Its elements stay in the storage's bytes until a
 * TensorReader (./torchTensor.ts) sums them in place or gathers them into `data`, under its budgets.
 */
export interface PyTensor {
  kind: 'tensor';
  dtype: TensorDtype;
  shape: number[];
  stride: number[];
  /** Element (not byte) of the storage the view starts at. */
  offset: number;
  storage: PyStorage;
  /** The elements in C order, once gathered (readPt gathers every tensor; parsePt only the small ones it needs). */
  data?: TensorData;
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
  /** The archive entry's bytes (a view into the file for a stored entry: nothing is copied). */
  bytes: Uint8Array;
  littleEndian: boolean;
}

export type PyKey = string | number | boolean | null;
export type PyValue = PyKey | PyValue[] | PyTuple | PyDict | PyTensor | PyGlobal | PyStorage | Uint8Array;

/** The values with a `kind` tag. */
type PyObject = PyTuple | PyDict | PyTensor | PyGlobal | PyStorage;

export interface UnpickleLimits {
  /** Most values on the stack (including marks). */
  maxStack: number;
  /** Most memo entries. */
  maxMemo: number;
  /** Most items added to containers in all. */
  maxItems: number;
  /** Deepest nesting of containers in the result. */
  maxDepth: number;
  /**
   * Most elements one tensor may claim, checked while its shape is multiplied out (a view must also fit in its
   * storage, which the binary import limit bounds: 512 MiB hold at most 2^29 one-byte elements).
   */
  maxTensorElements: number;
  /** Most elements gathered into arrays in all (memory; views of one storage each count: each is gathered). */
  maxTotalTensorElements: number;
  /** Most elements read out of storages in all, summed in place or gathered (time; a view read twice counts twice). */
  maxScannedElements: number;
  /** Longest string or bytes value. */
  maxString: number;
}

export const UNPICKLE_LIMITS: UnpickleLimits = {
  maxStack: 100_000,
  maxMemo: 100_000,
  maxItems: 1_000_000,
  maxDepth: 64,
  maxTensorElements: 2 ** 29,
  maxTotalTensorElements: 2 ** 25,
  maxScannedElements: 2 ** 28,
  maxString: 1 << 20,
};

export interface UnpickleContext {
  /** Bytes of the storage `data/<key>` (the caller reads it from the archive, within its limits). */
  storage(key: string): Uint8Array | undefined;
  /** Byte order of the storages ('little' unless the archive's `byteorder` record says 'big'). */
  littleEndian: boolean;
}

/** Makes the one-line ImportError for a problem at the opcode being run. */
export type Fail = (why: string) => Error;

/** The MARK opcode's entry on the stack; a symbol, so no pickled value can be mistaken for it. */
export const MARK = Symbol('mark');
export type Slot = PyValue | typeof MARK;

/** Whether `v` is the tagged value of `kind` (not a list, bytes, None or a scalar). */
export function isKind<K extends PyObject['kind']>(
  v: PyValue | undefined,
  kind: K,
): v is Extract<PyObject, { kind: K }> {
  return (
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === kind
  );
}

export const isContainer = (v: PyValue): v is PyValue[] | PyTuple | PyDict =>
  Array.isArray(v) ||
  (typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    (v.kind === 'tuple' || v.kind === 'dict'));

/** What a stack entry is, for a message: "a list", "None", "torch.LongStorage", "a mark". */
export function kindName(v: Slot): string {
  if (v === MARK) return 'a mark';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return v.kind === 'global' ? `${v.module}.${v.name}` : `a ${v.kind}`;
  return `a ${typeof v}`;
}

/** Refuses a result that nests deeper than `maxDepth` or holds a container inside itself; iterative, linear. */
export function checkShape(root: PyValue, maxDepth: number, fail: Fail): void {
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
