/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0; https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
 * on bytes only (no file system), so the browser, the CLI and the tests share it.
 * Read: float32 ('<f4'), int32 ('<i4') and uint8 ('|u1', for recorded routing traces), C order, little-endian, as is.
 * What NumPy and PyTorch write by default is converted, with a note in `notes`: float64 and float16 to float32,
 * int64/int16/int8/uint16/uint32/uint64 to int32 (refused when a value does not fit), big-endian to little-endian,
 * Fortran order to C order. Anything else (complex, bool, strings, objects, structured) is refused with one NpyError
 * sentence. Count tables may ask to keep float64 and wide integers exact instead (ReadNpyOptions.exactCounts), so
 * counts follow one rule in .npy, CSV and JSON: whole numbers up to 2^53 − 1. Write: float32 and int32.
 */

import { InputError, MAX_NESTING_DEPTH, printable as shown } from './input';

export type NpyDtype = 'float32' | 'int32' | 'uint8';

/** `notes`: one sentence per conversion made while reading (absent when the file was read as is). */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array; notes?: string[] }
  | { dtype: 'int32'; shape: number[]; data: Int32Array; notes?: string[] }
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array; notes?: string[] };

/**
 * A count table's float64, int64, uint64 or uint32 values kept exactly (readNpy with exactCounts): float32 holds
 * whole numbers only up to 2^24 and int32 up to 2^31 − 1, where a count table holds up to 2^53 − 1. `from` is the
 * file's dtype; narrowNpy turns it into what readNpy returns without the option.
 */
export interface NpyFloat64Array {
  dtype: 'float64';
  from: 'float64' | 'int64' | 'uint64' | 'uint32';
  shape: number[];
  data: Float64Array;
  notes?: string[];
}

export interface ReadNpyOptions {
  /**
   * An array of a count table's shape ([E] or [L, E]) whose dtype float32 or int32 cannot hold exactly (float64,
   * int64, uint64, uint32) is read as float64 (NpyFloat64Array); an integer beyond ±(2^53 − 1) is refused with its
   * place. Other shapes and dtypes are read as without it.
   */
  exactCounts?: boolean;
}

/** An InputError: the CLI and the app catch every refused input file with one `instanceof`. */
export class NpyError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Larger headers are refused: real ones are ~100 bytes, and a huge one is a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 64 * 1024;
const ALIGN = 64;

/** Element kinds read: NumPy's kind letter and size → the dtype they are read as. */
const KINDS: Record<string, { dtype: NpyDtype; bytes: number; label: string }> = {
  f4: { dtype: 'float32', bytes: 4, label: 'float32' },
  f8: { dtype: 'float32', bytes: 8, label: 'float64' },
  f2: { dtype: 'float32', bytes: 2, label: 'float16' },
  i4: { dtype: 'int32', bytes: 4, label: 'int32' },
  i8: { dtype: 'int32', bytes: 8, label: 'int64' },
  i2: { dtype: 'int32', bytes: 2, label: 'int16' },
  i1: { dtype: 'int32', bytes: 1, label: 'int8' },
  u1: { dtype: 'uint8', bytes: 1, label: 'uint8' },
  u2: { dtype: 'int32', bytes: 2, label: 'uint16' },
  u4: { dtype: 'int32', bytes: 4, label: 'uint32' },
  u8: { dtype: 'int32', bytes: 8, label: 'uint64' },
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Element i of the raw data as a JS number (bigint-sized integers are returned as bigint). */
function elementReader(
  view: DataView,
  at: number,
  kind: string,
  little: boolean,
): (i: number) => number | bigint {
  switch (kind) {
    case 'f4':
      return (i) => view.getFloat32(at + 4 * i, little);
    case 'f8':
      return (i) => view.getFloat64(at + 8 * i, little);
    case 'f2':
      return (i) => halfToFloat(view.getUint16(at + 2 * i, little));
    case 'i4':
      return (i) => view.getInt32(at + 4 * i, little);
    case 'i8':
      return (i) => view.getBigInt64(at + 8 * i, little);
    case 'i2':
      return (i) => view.getInt16(at + 2 * i, little);
    case 'i1':
      return (i) => view.getInt8(at + i);
    case 'u1':
      return (i) => view.getUint8(at + i);
    case 'u2':
      return (i) => view.getUint16(at + 2 * i, little);
    case 'u4':
      return (i) => view.getUint32(at + 4 * i, little);
    default:
      return (i) => view.getBigUint64(at + 8 * i, little);
  }
}

/** For each C-order position, the position of the same element in Fortran (column-major) order. */
function fortranIndex(shape: number[]): (c: number) => number {
  const n = shape.length;
  const fStride: number[] = [];
  let st = 1;
  for (let d = 0; d < n; d++) {
    fStride.push(st);
    st *= shape[d];
  }
  return (c) => {
    let f = 0;
    let rest = c;
    for (let d = n - 1; d >= 0; d--) {
      const i = rest % shape[d];
      rest = (rest - i) / shape[d];
      f += i * fStride[d];
    }
    return f;
  };
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// ---- a parser for the header's Python dict literal ----------------------------------------------------------

type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

const WORD = /True|False|None|-?\d+L?/y;

/**
 * Python literals (dict, tuple, list, str, int, bool, None): recursive descent, with nesting limited to
 * MAX_NESTING_DEPTH so a hostile header (64 KiB of '[') fails with a message instead of overflowing the stack.
 */
class LiteralParser {
  private at = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly fail: (why: string) => never,
  ) {}

  parseAll(): Literal {
    const value = this.value();
    this.space();
    if (this.at !== this.text.length)
      this.fail(`unexpected ${JSON.stringify(this.text.slice(this.at, this.at + 10))}`);
    return value;
  }

  /** A dict, tuple or list: one level deeper, refused beyond MAX_NESTING_DEPTH. */
  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH)
      this.fail(`nested more than ${MAX_NESTING_DEPTH} levels deep; real headers use 2`);
    const value = read();
    this.depth--;
    return value;
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  private value(): Literal {
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.nested(() => this.dict());
    if (c === '(' || c === '[') return this.nested(() => this.sequence(c === '(' ? ')' : ']'));
    if (c === "'" || c === '"') return this.string();
    WORD.lastIndex = this.at;
    const word = WORD.exec(this.text);
    if (!word) this.fail(`unexpected ${JSON.stringify(this.text.slice(this.at, this.at + 10))}`);
    this.at += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number.parseInt(word[0], 10); // a trailing L (Python 2 long) is ignored by parseInt
  }

  private string(): string {
    const quote = this.text[this.at++];
    const end = this.text.indexOf(quote, this.at);
    if (end < 0) this.fail('unterminated string');
    const s = this.text.slice(this.at, end);
    this.at = end + 1;
    return s;
  }

  private sequence(close: string): Literal[] {
    this.at++;
    const items: Literal[] = [];
    for (;;) {
      this.space();
      if (this.text[this.at] === close) {
        this.at++;
        return items;
      }
      items.push(this.value());
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private dict(): { [key: string]: Literal } {
    this.at++;
    const out: { [key: string]: Literal } = {};
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') {
        this.at++;
        return out;
      }
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.space();
      if (this.text[this.at++] !== ':') this.fail(`expected ':' after '${shown(key as string)}'`);
      out[key] = this.value();
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== '}') this.fail("expected ',' or '}'");
    }
  }
}

// ---- read --------------------------------------------------------------------------------------------------

/** Parses .npy bytes. `name` (a file name) starts every error message. */
export function readNpy(input: Uint8Array | ArrayBuffer, name?: string): NpyArray;
export function readNpy(
  input: Uint8Array | ArrayBuffer,
  name: string,
  opts: ReadNpyOptions,
): NpyArray | NpyFloat64Array;
export function readNpy(
  input: Uint8Array | ArrayBuffer,
  name = 'array',
  opts: ReadNpyOptions = {},
): NpyArray | NpyFloat64Array {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (why: string): never => {
    throw new NpyError(`${name}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic bytes)');
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) fail(`unsupported .npy format version ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail('truncated header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) {
    fail(`header is ${headerLength} bytes; at most ${MAX_HEADER_BYTES} are accepted`);
  }
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart)
    fail(`truncated header (${bytes.length} bytes; the header ends at byte ${dataStart})`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // 1.0 and 2.0 headers are latin-1, 3.0 is UTF-8; the keys and values we accept are ASCII either way.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);

  const parsed = new LiteralParser(header.trim(), (why) => fail(`malformed header (${why})`)).parseAll();
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('malformed header (not a dict)');
  const dict = parsed as { [key: string]: Literal };
  for (const key of ['descr', 'fortran_order', 'shape']) if (!(key in dict)) fail(`header has no '${key}'`);

  const descr = dict.descr;
  if (typeof descr !== 'string')
    fail('unsupported dtype (a structured dtype); expected float32, int32 or uint8');
  const d = descr as string;
  const m = /^([<>|=])([fiu])(\d+)$/.exec(d);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) {
    fail(
      `unsupported dtype '${shown(d)}'; expected float32 ('<f4'), int32 ('<i4') or uint8 ('|u1') ` +
        '(float64, float16 and other integer widths are converted)',
    );
  }
  const k = kind as { dtype: NpyDtype; bytes: number; label: string };
  const code = `${(m as RegExpExecArray)[2]}${(m as RegExpExecArray)[3]}`;
  const bigEndian = (m as RegExpExecArray)[1] === '>' && k.bytes > 1;
  if (typeof dict.fortran_order !== 'boolean')
    fail("malformed header ('fortran_order' is not True or False)");
  const fortran = dict.fortran_order === true;

  const shapeValue = dict.shape;
  if (
    !Array.isArray(shapeValue) ||
    shapeValue.some((n) => typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
  ) {
    fail('malformed header (shape is not a tuple of non-negative integers)');
  }
  const shape = shapeValue as number[];
  const count = shape.reduce((a, n) => a * n, 1);
  if (!Number.isSafeInteger(count * k.bytes)) fail(`shape [${shape.join(', ')}] is too large`);
  const dataBytes = count * k.bytes;
  const available = bytes.length - dataStart;
  if (available < dataBytes) {
    fail(`truncated data: shape [${shape.join(', ')}] needs ${dataBytes} bytes, the file has ${available}`);
  }
  if (available > dataBytes) {
    fail(
      `data size mismatch: shape [${shape.join(', ')}] needs ${dataBytes} bytes, the file has ${available}`,
    );
  }

  const asIs = (code === 'f4' || code === 'i4' || code === 'u1') && !bigEndian && !fortran;
  if (asIs) {
    // Copy into a fresh, aligned buffer (the input may sit at any byte offset). Not bytes.slice: a Node Buffer's
    // slice is a view into a shared pool.
    const raw = new Uint8Array(bytes.subarray(dataStart, dataStart + dataBytes));
    if (k.dtype === 'uint8') return { dtype: 'uint8', shape, data: raw };
    if (k.dtype === 'float32') {
      const data = littleEndianHost ? new Float32Array(raw.buffer) : new Float32Array(count);
      if (!littleEndianHost)
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
      return { dtype: 'float32', shape, data };
    }
    const data = littleEndianHost ? new Int32Array(raw.buffer) : new Int32Array(count);
    if (!littleEndianHost) for (let i = 0; i < count; i++) data[i] = view.getInt32(dataStart + 4 * i, true);
    return { dtype: 'int32', shape, data };
  }

  // Converted: element by element through a DataView, in C order.
  const exact = opts.exactCounts === true && shape.length <= 2 && k.label in WIDE;
  const notes: string[] = [];
  if (k.label !== k.dtype && !exact) notes.push(`converted ${k.label} to ${k.dtype}`);
  if (bigEndian) notes.push('converted big-endian to little-endian');
  if (fortran) notes.push('converted Fortran order to C order');
  const read = elementReader(view, dataStart, code, !bigEndian);
  const at = fortran && shape.length > 1 ? fortranIndex(shape) : (c: number) => c;
  const where = (c: number) => `at flat index ${c} of shape [${shape.join(', ')}]`;
  if (exact) {
    const data = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const v = read(at(c));
      // A bigint beyond 2^53 − 1 would round on the way to a number: refused here, with its exact value.
      if (typeof v === 'bigint' && (v > MAX_SAFE || v < -MAX_SAFE))
        fail(`${k.label} value ${v} ${where(c)} is beyond 2^53 − 1 (${Number.MAX_SAFE_INTEGER})`);
      data[c] = Number(v);
    }
    const from = k.label as NpyFloat64Array['from'];
    return { dtype: 'float64', from, shape, data, notes };
  }
  if (k.dtype === 'float32') {
    const data = new Float32Array(count);
    for (let c = 0; c < count; c++) {
      const v = read(at(c)) as number;
      data[c] = v;
      if (Number.isFinite(v) && !Number.isFinite(data[c]))
        fail(`${k.label} value ${v} ${where(c)} is too large for float32`);
    }
    return { dtype: 'float32', shape, data, notes };
  }
  const out = k.dtype === 'uint8' ? new Uint8Array(count) : new Int32Array(count);
  for (let c = 0; c < count; c++) {
    const v = read(at(c));
    if (v < -2147483648 || v > 2147483647) fail(`${k.label} value ${v} ${where(c)} does not fit int32`);
    out[c] = Number(v);
  }
  return out instanceof Uint8Array
    ? { dtype: 'uint8', shape, data: out, notes }
    : { dtype: 'int32', shape, data: out, notes };
}

/** File dtypes whose values float32 / int32 cannot all hold: kept as float64 by ReadNpyOptions.exactCounts. */
const WIDE: Record<string, true> = { float64: true, int64: true, uint64: true, uint32: true };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * What readNpy returns without exactCounts: a kept-exact array narrowed to float32 (from float64) or int32 (from
 * the integers), refused as readNpy refuses a value that does not fit; other arrays as they are.
 */
export function narrowNpy(a: NpyArray | NpyFloat64Array, name = 'array'): NpyArray {
  if (a.dtype !== 'float64') return a;
  const where = (c: number) => `at flat index ${c} of shape [${a.shape.join(', ')}]`;
  const to = a.from === 'float64' ? 'float32' : 'int32';
  const notes = [`converted ${a.from} to ${to}`, ...(a.notes ?? [])];
  if (to === 'float32') {
    const data = Float32Array.from(a.data);
    for (let c = 0; c < data.length; c++)
      if (Number.isFinite(a.data[c]) && !Number.isFinite(data[c]))
        throw new NpyError(`${name}: float64 value ${a.data[c]} ${where(c)} is too large for float32`);
    return { dtype: 'float32', shape: a.shape, data, notes };
  }
  const data = new Int32Array(a.data.length);
  for (let c = 0; c < data.length; c++) {
    const v = a.data[c];
    if (v < -2147483648 || v > 2147483647)
      throw new NpyError(`${name}: ${a.from} value ${v} ${where(c)} does not fit int32`);
    data[c] = v;
  }
  return { dtype: 'int32', shape: a.shape, data, notes };
}

// ---- write -------------------------------------------------------------------------------------------------

/** .npy bytes (version 1.0, or 2.0 when the header needs it) for a C-order float32 or int32 array. */
export function writeNpy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new NpyError(`shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  const count = shape.reduce((a, n) => a * n, 1);
  if (count !== data.length) {
    throw new NpyError(`shape [${shape.join(', ')}] holds ${count} values but the array has ${data.length}`);
  }
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const major = dict.length + 1 + 10 <= 65535 ? 1 : 2;
  const prefix = major === 1 ? 10 : 12;
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const header = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  if (littleEndianHost) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  else {
    for (let i = 0; i < data.length; i++) {
      if (data instanceof Float32Array) view.setFloat32(total + 4 * i, data[i], true);
      else view.setInt32(total + 4 * i, data[i], true);
    }
  }
  return out;
}
