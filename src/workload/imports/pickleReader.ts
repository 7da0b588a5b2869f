/**
 * The byte cursor of the restricted unpickler (./unpickle.ts): reads an opcode's arguments from data.pkl, each read
 * checked against the end of the pickle and each string or bytes value against the length limit, and makes the
 * one-line ImportError that names the pickle and the byte of the opcode being run.
 */

import { ImportError } from './types';

/** Longest newline-ended name a GLOBAL opcode may carry. */
const MAX_GLOBAL_NAME = 256;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class PickleReader {
  /** The next byte to read. */
  pos = 0;
  /** Where the opcode being run starts, for messages. */
  opAt = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly where: string,
    readonly data: Uint8Array,
    private readonly maxString: number,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  /** The error for a problem at the current opcode (thrown by the caller, so control flow stays visible). */
  fail(why: string): ImportError {
    return new ImportError(`${this.where}: byte ${this.opAt}: ${why}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.data.length)
      throw this.fail('the pickle ends early (the file is truncated or damaged)');
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An 8-byte length; `what` names it in the message when it claims more than the whole pickle. */
  u64(what: string): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.data.length)) throw this.fail(`${what} of ${v} bytes is longer than the pickle`);
    return Number(v);
  }

  /** BINFLOAT's argument: a big-endian float64, unlike every other number in a pickle. */
  f64BigEndian(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** LONG1's argument: a length byte, then that many bytes of little-endian two's complement. */
  long1(): number {
    const n = this.u8();
    if (n > 8) throw this.fail(`an integer of ${n} bytes; integers beyond 2^53 are not read`);
    this.need(n);
    const data = this.data;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[this.pos + i]);
    if (n > 0 && data[this.pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    this.pos += n;
    if (v > MAX_SAFE || v < -MAX_SAFE)
      throw this.fail(`the integer ${v} is larger than 2^53 − 1; such integers are not read`);
    return Number(v);
  }

  /** `n` bytes of UTF-8. */
  text(n: number): string {
    if (n > this.maxString) throw this.fail(`a string of ${n} bytes; at most ${this.maxString} are read`);
    this.need(n);
    let s: string;
    try {
      s = this.decoder.decode(this.data.subarray(this.pos, this.pos + n));
    } catch {
      throw this.fail('a string that is not valid UTF-8 (the pickle is damaged)');
    }
    this.pos += n;
    return s;
  }

  /** `n` bytes, copied (so the value does not hold the whole pickle alive). */
  bytes(n: number): Uint8Array {
    if (n > this.maxString)
      throw this.fail(`a bytes value of ${n} bytes; at most ${this.maxString} are read`);
    this.need(n);
    const b = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A GLOBAL's newline-ended module or name, one character a byte (refused names are printed, not run). */
  line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > MAX_GLOBAL_NAME)
      throw this.fail('a GLOBAL without its newline-ended name (the pickle is damaged)');
    const s = String.fromCharCode(...this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
}
