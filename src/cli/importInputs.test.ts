/**
 * What `moe project --counts` and `moe stream --import` read, through the shared import reader: binary files
 * (.npy, .pt) under the binary size limit and text under the text one, CSV bytes decoded strictly (never U+FFFD),
 * and counts exact to 2^53 − 1 in .npy as in CSV and JSON.
 */
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { INPUT_LIMITS } from '../workload';
import { parseArgs } from './args';
import { captured } from './captureOutput';
import { projectCommand, readCountsFile } from './projectCommand';
import { streamCommand } from './streamCommand';

const dir = mkdtempSync(join(tmpdir(), 'moe-import-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** .npy bytes with a hand-written header (padded as NumPy pads it) and raw data. */
function npyBytes(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const padded = `${header}${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
  for (let i = 0; i < padded.length; i++) out[10 + i] = padded.charCodeAt(i);
  out.set(data, 10 + padded.length);
  return out;
}

/** A sparse file of `size` bytes that starts with `head` (the rest reads as zeros, taking no disk). */
function sparse(name: string, head: Uint8Array, size: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  closeSync(fd);
  truncateSync(path, size);
  return path;
}

const errorOf = async (run: () => unknown): Promise<string> => {
  try {
    await captured(run);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

const scenario = file(
  's.json',
  JSON.stringify({ v: 2, dModel: 16, ffnSize: 8, experts: 4, topK: 2, tokens: 16, moeLayers: 2 }),
);

describe('size limits follow the file kind: .npy and .pt binary, CSV and JSON text', () => {
  const text = INPUT_LIMITS.import.maxBytes;
  const binary = INPUT_LIMITS.importBinary.maxBytes;
  // int32 [1, N] counts just past the text limit: read (then refused for its width, not its size).
  const N = Math.ceil(text / 4) + 1024;
  const size = 128 + 4 * N;

  it('a .npy past 64 MiB (under 512 MiB) is read by project and stream; a CSV of that size is refused', async () => {
    expect(size).toBeGreaterThan(text);
    expect(size).toBeLessThan(binary);
    const npy = sparse('wide.npy', npyBytes('<i4', [1, N], new Uint8Array(0)).subarray(0, 128), size);
    const sizeRefusal = /the file is .*; at most/;
    const p = await errorOf(() => readCountsFile(npy, {}));
    expect(p).not.toMatch(sizeRefusal);
    expect(p).toMatch(new RegExp(`${N} experts per layer; at most 65536`));
    const s = await errorOf(() =>
      streamCommand.run(parseArgs(['--scenario', scenario, '--out', join(dir, 'o'), '--import', npy])),
    );
    expect(s).not.toMatch(sizeRefusal);
    expect(s).toMatch(new RegExp(`wide\\.npy: the counts have ${N} experts per layer but the model has 4`));
    const csv = sparse('big.csv', new TextEncoder().encode('layer_id,expert_id,count\n'), size);
    expect(await errorOf(() => readCountsFile(csv, {}))).toMatch(
      new RegExp(
        `^--counts \\S+big\\.csv: the file is ${size} bytes; at most ${text} bytes is read as an imported trace or count table$`,
      ),
    );
    const json = sparse('big.json', new TextEncoder().encode('[['), size);
    expect(await errorOf(() => readCountsFile(json, {}))).toMatch(
      `at most ${text} bytes is read as an imported trace`,
    );
    // Past 512 MiB a .npy is refused from its size, before a byte is read.
    const huge = sparse('huge.npy', npyBytes('<i4', [1, N], new Uint8Array(0)).subarray(0, 128), binary + 1);
    expect(await errorOf(() => readCountsFile(huge, {}))).toMatch(
      `at most ${binary} bytes is read as an imported .npy`,
    );
  });

  it('a .pt past 64 MiB is read (refused for what it holds, not its size)', async () => {
    const pt = file('big.pt', zipSync({ 'archive/data/0': new Uint8Array(text + 1024) }, { level: 0 }));
    const message = await errorOf(() => readCountsFile(pt, {}));
    expect(message).not.toMatch(/the file is .*; at most/);
    expect(message).toMatch(/big\.pt/);
  });
});

describe('CSV counts are decoded by the reader, strictly', () => {
  it('a Latin-1 CSV is refused with its line, not read as "caf\ufffd"', async () => {
    // "café" in Latin-1: é is the one byte 0xE9, not valid UTF-8.
    const bytes = Buffer.from('layer_id,expert_id,count,model\n0,0,5,caf\xe9\n0,1,3,caf\xe9\n', 'latin1');
    expect(bytes.includes(0xe9)).toBe(true);
    const path = file('latin1.csv', bytes);
    expect(await errorOf(() => readCountsFile(path, {}))).toMatch(
      /latin1\.csv line 2: bytes that are not valid UTF-8 \(a Latin-1 or Windows-1252 export\?\)/,
    );
    const p = await errorOf(() => projectCommand.run(parseArgs(['--scenario', scenario, '--counts', path])));
    expect(p).not.toMatch(/\ufffd/);
    expect(p).toMatch(/line 2: bytes that are not valid UTF-8/);
  });

  it('a UTF-16 CSV (PowerShell, Excel) is read, its extra column named as written', async () => {
    const text =
      '\ufefflayer_id,expert_id,count,model\r\n0,0,5,café\r\n0,1,3,café\r\n0,2,1,café\r\n0,3,1,café\r\n';
    for (const [name, bytes] of [
      ['le.csv', Buffer.from(text, 'utf16le')],
      ['be.csv', Buffer.from(text, 'utf16le').swap16()],
    ] as const) {
      const path = file(name, bytes);
      const { value, err } = await captured(() => readCountsFile(path, { model: 'café' }));
      expect('counts' in value && value.counts).toEqual([[5, 3, 1, 1]]);
      expect('counts' in value && value.selected).toEqual({ model: 'café' });
      expect(err).toMatch(/selected model=café/);
    }
  });
});

describe('.npy counts are exact to 2^53 − 1, as CSV and JSON counts', () => {
  const le = (a: BigInt64Array | Float64Array) => new Uint8Array(a.buffer);
  it('float64 16777217 and int64 2^40 are read exactly; 2^53 is refused with its place', async () => {
    const want = [[16777217, 2 ** 40, 3, 0]];
    for (const [name, bytes] of [
      ['f8.npy', npyBytes('<f8', [1, 4], le(Float64Array.from([16777217, 2 ** 40, 3, 0])))],
      ['i8.npy', npyBytes('<i8', [4], le(BigInt64Array.from([16777217n, 2n ** 40n, 3n, 0n])))],
      ['c.csv', 'layer_id,expert_id,count\n0,0,16777217\n0,1,1099511627776\n0,2,3\n0,3,0\n'],
      ['c.json', '[[16777217, 1099511627776, 3, 0]]'],
    ] as const) {
      const { value } = await captured(() => readCountsFile(file(name, bytes), {}));
      expect('counts' in value && value.counts).toEqual(want);
    }
    const f8 = file('f8big.npy', npyBytes('<f8', [1, 2], le(Float64Array.from([1, 2 ** 53]))));
    expect(await errorOf(() => readCountsFile(f8, {}))).toMatch(
      /f8big\.npy: count 9007199254740992 at \[0, 1\] \(layer 0, expert 1\) is too large \(at most 9007199254740991\)/,
    );
    const i8 = file('i8big.npy', npyBytes('<i8', [1, 2], le(BigInt64Array.from([1n, 2n ** 53n]))));
    expect(await errorOf(() => readCountsFile(i8, {}))).toMatch(
      /i8big\.npy: int64 value 9007199254740992 at flat index 1 of shape \[1, 2\] is beyond 2\^53 − 1/,
    );
    const csv = file('big.csv', 'layer_id,expert_id,count\n0,0,1\n0,1,9007199254740992\n');
    expect(await errorOf(() => readCountsFile(csv, {}))).toMatch(
      /line 3: count 9007199254740992 is too large/,
    );
  });
});
