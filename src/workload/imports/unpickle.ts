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
 *
 * This file is the machine: its stack and memo, one small handler per opcode grouped by concern, and the loop that
 * dispatches them through a 256-entry table. The values are in ./pickleValues.ts, the byte cursor in
 * ./pickleReader.ts, storages and tensors in ./torchTensor.ts.
 */

import { printable } from '../input';
import { PickleReader } from './pickleReader';
import {
  checkShape,
  type Fail,
  isKind,
  kindName,
  MARK,
  type PyGlobal,
  type PyTuple,
  type PyValue,
  type Slot,
  UNPICKLE_LIMITS,
  type UnpickleContext,
  type UnpickleLimits,
} from './pickleValues';
import { REBUILD_FUNCTIONS, rebuildTensor, STORAGE_DTYPES, StorageTable } from './torchTensor';

/** The globals a tensor dump may name; anything else is refused by name. */
function allowedGlobal(module: string, name: string): boolean {
  const full = `${module}.${name}`;
  if (REBUILD_FUNCTIONS.has(full) || full === 'collections.OrderedDict') return true;
  if (module === 'torch' && name in STORAGE_DTYPES) return true;
  return full === 'torch.storage.UntypedStorage';
}

/** The unpickler's state (stack, memo, storages, items counted) and the operations the opcode handlers share. */
class PickleMachine {
  readonly stack: Slot[] = [];
  readonly memo = new Map<number, PyValue>();
  readonly storages: StorageTable;
  readonly fail: Fail;
  /** The unpickled value, once STOP has run. */
  result: PyValue | undefined;
  private items = 0;

  constructor(
    readonly r: PickleReader,
    ctx: UnpickleContext,
    private readonly limits: UnpickleLimits,
  ) {
    this.fail = (why) => r.fail(why);
    this.storages = new StorageTable(ctx, this.fail);
  }

  // --- the stack -------------------------------------------------------------------------------------------------

  push(v: Slot): void {
    if (this.stack.length >= this.limits.maxStack)
      throw this.fail(`more than ${this.limits.maxStack} values on the pickle's stack`);
    this.stack.push(v);
  }

  pop(): PyValue {
    const v = this.stack.pop();
    if (v === undefined)
      throw this.fail('an opcode needs a value but the stack is empty (the pickle is damaged)');
    if (v === MARK) throw this.fail('an opcode needs a value but found a mark (the pickle is damaged)');
    return v;
  }

  top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK)
      throw this.fail('an opcode needs a value on the stack (the pickle is damaged)');
    return v;
  }

  /** The values above the topmost mark, the mark removed. */
  popMark(): PyValue[] {
    const stack = this.stack;
    let m = stack.length - 1;
    while (m >= 0 && stack[m] !== MARK) m--;
    if (m < 0) throw this.fail('no mark on the stack (the pickle is damaged)');
    const vals = stack.splice(m + 1) as PyValue[];
    stack.pop();
    return vals;
  }

  // --- containers ------------------------------------------------------------------------------------------------

  /** Counts `n` more items put into containers, against the limit on all of them. */
  private count(n: number): void {
    this.items += n;
    if (this.items > this.limits.maxItems) throw this.fail(`more than ${this.limits.maxItems} items in all`);
  }

  tuple(vals: PyValue[]): PyTuple {
    this.count(vals.length);
    return { kind: 'tuple', items: vals };
  }

  /** SETITEM(S): `kv` holds keys and values alternately; keys must be scalars (a Map keyed by value). */
  setItems(dict: PyValue, kv: PyValue[]): void {
    if (!isKind(dict, 'dict')) throw this.fail(`SETITEM on ${kindName(dict)}, not a dict`);
    if (kv.length % 2) throw this.fail('SETITEMS with an odd number of values (the pickle is damaged)');
    this.count(kv.length / 2);
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i];
      if (k !== null && typeof k === 'object')
        throw this.fail(
          `a dict key that is ${kindName(k)}; only strings, numbers, booleans and None are read as keys`,
        );
      dict.map.set(k, kv[i + 1]);
    }
  }

  append(list: PyValue, vals: PyValue[]): void {
    if (!Array.isArray(list)) throw this.fail(`APPEND on ${kindName(list)}, not a list`);
    this.count(vals.length);
    for (const v of vals) list.push(v);
  }

  // --- the memo --------------------------------------------------------------------------------------------------

  memoPut(key: number, v: PyValue): void {
    if (!this.memo.has(key) && this.memo.size >= this.limits.maxMemo)
      throw this.fail(`more than ${this.limits.maxMemo} memo entries`);
    this.memo.set(key, v);
  }

  memoGet(key: number): PyValue {
    const v = this.memo.get(key);
    if (v === undefined)
      throw this.fail(`memo entry ${key} is read before it is written (the pickle is damaged)`);
    return v;
  }

  // --- globals and the objects built from them -------------------------------------------------------------------

  global(module: string, name: string): PyGlobal {
    if (!allowedGlobal(module, name)) {
      throw this.fail(
        `refused the global ${printable(`${module}.${name}`, 80)}: a .pt is read only when it holds tensors, ` +
          'dicts, lists, tuples, strings and numbers (nothing that would run code is called)',
      );
    }
    return { kind: 'global', module, name };
  }

  /** REDUCE, evaluated here: an empty OrderedDict, or a tensor from _rebuild_tensor(_v2); nothing else. */
  reduce(fn: PyValue, args: PyValue): PyValue {
    if (!isKind(fn, 'global'))
      throw this.fail(`REDUCE calls ${kindName(fn)}, which is not an allowed function`);
    const full = `${fn.module}.${fn.name}`;
    if (!isKind(args, 'tuple'))
      throw this.fail(`REDUCE of ${full} with ${kindName(args)} for arguments, not a tuple`);
    const a = args.items;
    if (full === 'collections.OrderedDict') {
      if (a.length === 0) return { kind: 'dict', map: new Map() };
      throw this.fail(
        'OrderedDict built from arguments is not read (torch.save writes an empty one, then its items)',
      );
    }
    // A checked view: its elements are read later, under the reader's budgets (./torchTensor.ts TensorReader).
    if (REBUILD_FUNCTIONS.has(full)) return rebuildTensor(a, this.limits.maxTensorElements, this.fail);
    throw this.fail(`REDUCE calls ${full}, which is not a function a tensor dump calls`);
  }

  /** BUILD: only a no-op state (None or empty) is accepted; nothing's __setstate__ is called. */
  build(): void {
    const state = this.pop();
    this.top();
    const empty =
      state === null ||
      (Array.isArray(state) && state.length === 0) ||
      (isKind(state, 'dict') && state.map.size === 0) ||
      (isKind(state, 'tuple') && state.items.length === 0);
    if (!empty)
      throw this.fail(
        `BUILD sets state (${kindName(state)}) on ${kindName(this.top())}; objects with state are not read`,
      );
  }

  /** STOP: the value on top is the result, once it is known to be neither too deep nor cyclic. */
  stop(): void {
    const result = this.pop();
    checkShape(result, this.limits.maxDepth, this.fail);
    this.result = result;
  }
}

type Handler = (m: PickleMachine) => void;

/** Protocol, frame, strings, bytes, numbers, None and booleans: each pushes at most one value read from its argument. */
const SCALAR_OPS: Record<number, Handler> = {
  128: ({ r }) => {
    // PROTO
    const proto = r.u8();
    if (proto < 2 || proto > 5) throw r.fail(`pickle protocol ${proto}; protocols 2 to 5 are read`);
  },
  149: ({ r }) => void r.u64('a frame'), // FRAME: a length hint only
  88: (m) => m.push(m.r.text(m.r.u32())), // BINUNICODE
  140: (m) => m.push(m.r.text(m.r.u8())), // SHORT_BINUNICODE
  141: (m) => m.push(m.r.text(m.r.u64('a string'))), // BINUNICODE8
  67: (m) => m.push(m.r.bytes(m.r.u8())), // SHORT_BINBYTES
  66: (m) => m.push(m.r.bytes(m.r.u32())), // BINBYTES
  74: (m) => m.push(m.r.i32()), // BININT
  75: (m) => m.push(m.r.u8()), // BININT1
  77: (m) => m.push(m.r.u16()), // BININT2
  138: (m) => m.push(m.r.long1()), // LONG1
  71: (m) => m.push(m.r.f64BigEndian()), // BINFLOAT
  78: (m) => m.push(null), // NONE
  136: (m) => m.push(true), // NEWTRUE
  137: (m) => m.push(false), // NEWFALSE
};

/** Tuples, lists, dicts and the marks that delimit their items. */
const CONTAINER_OPS: Record<number, Handler> = {
  125: (m) => m.push({ kind: 'dict', map: new Map() }), // EMPTY_DICT
  93: (m) => m.push([]), // EMPTY_LIST
  41: (m) => m.push({ kind: 'tuple', items: [] }), // EMPTY_TUPLE
  40: (m) => m.push(MARK), // MARK
  133: (m) => m.push(m.tuple([m.pop()])), // TUPLE1
  134: (m) => {
    // TUPLE2
    const b = m.pop();
    m.push(m.tuple([m.pop(), b]));
  },
  135: (m) => {
    // TUPLE3
    const c = m.pop();
    const b = m.pop();
    m.push(m.tuple([m.pop(), b, c]));
  },
  116: (m) => m.push(m.tuple(m.popMark())), // TUPLE
  115: (m) => {
    // SETITEM
    const v = m.pop();
    const k = m.pop();
    m.setItems(m.top(), [k, v]);
  },
  117: (m) => {
    // SETITEMS
    const kv = m.popMark();
    m.setItems(m.top(), kv);
  },
  97: (m) => {
    // APPEND
    const v = m.pop();
    m.append(m.top(), [v]);
  },
  101: (m) => {
    // APPENDS
    const vals = m.popMark();
    m.append(m.top(), vals);
  },
};

/** The memo: values stored by index so a pickle can name one twice (shared, or a cycle that STOP refuses). */
const MEMO_OPS: Record<number, Handler> = {
  113: (m) => m.memoPut(m.r.u8(), m.top()), // BINPUT
  114: (m) => m.memoPut(m.r.u32(), m.top()), // LONG_BINPUT
  148: (m) => m.memoPut(m.memo.size, m.top()), // MEMOIZE
  104: (m) => m.push(m.memoGet(m.r.u8())), // BINGET
  106: (m) => m.push(m.memoGet(m.r.u32())), // LONG_BINGET
};

/** Globals, persistent ids (storages), REDUCE, BUILD and STOP. */
const OBJECT_OPS: Record<number, Handler> = {
  81: (m) => m.push(m.storages.fromPersistentId(m.pop())), // BINPERSID
  99: (m) => {
    // GLOBAL: "module\nname\n"
    const module = m.r.line();
    const name = m.r.line();
    m.push(m.global(module, name));
  },
  147: (m) => {
    // STACK_GLOBAL
    const name = m.pop();
    const module = m.pop();
    if (typeof module !== 'string' || typeof name !== 'string')
      throw m.fail('STACK_GLOBAL with names that are not strings (the pickle is damaged)');
    m.push(m.global(module, name));
  },
  82: (m) => {
    // REDUCE
    const args = m.pop();
    const fn = m.pop();
    m.push(m.reduce(fn, args));
  },
  98: (m) => m.build(), // BUILD
  46: (m) => m.stop(), // STOP
};

/** Every accepted opcode's handler, by opcode; an empty entry is refused. */
const HANDLERS: readonly (Handler | undefined)[] = (() => {
  const table = new Array<Handler | undefined>(256).fill(undefined);
  for (const group of [SCALAR_OPS, CONTAINER_OPS, MEMO_OPS, OBJECT_OPS])
    for (const [op, handler] of Object.entries(group)) table[Number(op)] = handler;
  return table;
})();

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
  const r = new PickleReader(where, data, limits.maxString);
  const m = new PickleMachine(r, ctx, limits);
  while (m.result === undefined) {
    r.opAt = r.pos;
    if (r.pos >= data.length) throw r.fail('the pickle ends without STOP (the file is truncated or damaged)');
    const op = data[r.pos++];
    const handler = HANDLERS[op];
    if (handler === undefined) throw r.fail(`${opcodeName(op)} is not an opcode a tensor dump uses; refused`);
    handler(m);
  }
  return m.result;
}

/** Opcodes a tensor dump never uses, named in the refusal so the message says what the file tried. */
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
