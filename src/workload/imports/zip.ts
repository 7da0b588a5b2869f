/**
 * A minimal, bounded zip reader for PyTorch `.pt` archives: the central directory (with the zip64 end record that
 * PyTorch's writer always emits, see below), stored entries (what torch.save writes) and deflated ones (a `.pt`
 * someone re-zipped). Nothing is inflated or copied past the limits: every declared size is checked before any
 * allocation, a deflated entry is inflated in small chunks into a buffer of its declared size and refused the
 * moment it would grow past it, and CRC-32 is checked. Every error is an ImportError of one line naming the file.
 *
 * PyTorch's writer (caffe2/serialize/inline_container.cc, PyTorchStreamWriter::setup) opens miniz with
 * MZ_ZIP_FLAG_WRITE_ZIP64, so even a small `.pt` ends with a zip64 end-of-central-directory record and locator
 * before the ordinary one; entries are stored uncompressed, each local header carrying an "FB" extra field that pads
 * the data to a 64-byte boundary (getPadding there), while the central directory carries no extra field.
 */

import { Inflate } from 'fflate';
import { printable } from '../input';
import { ImportError, MAX_BINARY_IMPORT_BYTES } from './types';

export interface ZipLimits {
  /** Most entries in the central directory. */
  maxEntries: number;
  /** Largest uncompressed size of one entry (bytes). */
  maxEntryBytes: number;
  /** Largest sum of the uncompressed sizes of all entries (bytes): each is CRC-checked when read. */
  maxTotalBytes: number;
  /** Largest sum of the uncompressed sizes of deflated entries (bytes): each is inflated into its own buffer. */
  maxInflatedBytes: number;
  /** Largest uncompressed / compressed ratio of a deflated entry. */
  maxRatio: number;
}

/**
 * A stored entry (what torch.save writes) is a view into the file, so one may be as large as a binary import; the
 * sum over entries bounds the CRC work when entries overlap. Deflated entries (a re-zipped .pt) cost their size in
 * memory, so they keep a smaller total.
 */
export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 4096,
  maxEntryBytes: MAX_BINARY_IMPORT_BYTES,
  maxTotalBytes: MAX_BINARY_IMPORT_BYTES,
  maxInflatedBytes: 128 * 2 ** 20,
  maxRatio: 512,
};

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the local header. */
  headerOffset: number;
}

export interface ZipArchive {
  /** Entries in central-directory order. */
  entries: ZipEntry[];
  /** The entry of that name, or undefined. */
  find(entryName: string): ZipEntry | undefined;
  /** The entry's uncompressed bytes (a view into the file for stored entries). */
  read(entry: ZipEntry): Uint8Array;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

export const isZip = (input: Uint8Array | string): input is Uint8Array =>
  typeof input !== 'string' &&
  input.length >= 4 &&
  input[0] === 0x50 &&
  input[1] === 0x4b &&
  input[2] === 0x03 &&
  input[3] === 0x04;

/** Reads the central directory of a zip archive; entries are read on demand with `read`. */
export function readZip(name: string, bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): ZipArchive {
  const fail = (why: string) => new ImportError(`${name}: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  /** A 64-bit little-endian field, refused when it cannot be a position in this file. */
  const u64 = (at: number, what: string) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(n))
      throw fail(`the zip64 end record's ${what} (${v}) is past the end of the file (${n} bytes)`);
    return Number(v);
  };

  // End of central directory: 22 bytes, then a comment of at most 65535 bytes.
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 65535); at--) {
    if (u32(at) === EOCD_SIG && at + 22 + u16(at + 20) === n) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0)
    throw fail(
      'a zip archive without its end record (the central directory): the file is truncated or damaged',
    );
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0)
    throw fail('a zip archive split over several disks is not read');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  let cdEnd = eocd;
  if (eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR_SIG) {
    const z = u64(eocd - 12, 'offset');
    if (z + 56 > eocd - 20 || u32(z) !== ZIP64_EOCD_SIG)
      throw fail('the zip64 end record is missing or damaged (the file is truncated or damaged)');
    const entries64 = view.getBigUint64(z + 32, true);
    if (entries64 > BigInt(limits.maxEntries))
      throw fail(`the archive lists ${entries64} entries; at most ${limits.maxEntries} are read`);
    count = Number(entries64);
    cdSize = u64(z + 40, 'central directory size');
    cdOffset = u64(z + 48, 'central directory offset');
    cdEnd = z;
  } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw fail('a zip64 archive without its zip64 end record: the file is truncated or damaged');
  }
  if (count > limits.maxEntries)
    throw fail(`the archive lists ${count} entries; at most ${limits.maxEntries} are read`);
  if (cdOffset + cdSize > cdEnd)
    throw fail('the central directory runs past the end of the archive: the file is truncated or damaged');

  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let total = 0;
  let inflated = 0;
  let at = cdOffset;
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || u32(at) !== CDH_SIG)
      throw fail(`entry ${i} of the central directory is damaged (the file is truncated or damaged)`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    const headerOffset = u32(at + 42);
    if (at + 46 + nameLen > cdOffset + cdSize)
      throw fail(`entry ${i} of the central directory is damaged (the file is truncated or damaged)`);
    const entryName = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    const label = `entry "${printable(entryName, 60)}"`;
    if (flags & 0x41) throw fail(`${label} is encrypted; encrypted archives are not read`);
    if (method !== 0 && method !== 8)
      throw fail(`${label} uses compression method ${method}; only stored and deflate entries are read`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || headerOffset === 0xffffffff)
      throw fail(`${label} is a zip64 entry (4 GiB or more, or past 4 GiB in the archive); it is not read`);
    if (size > limits.maxEntryBytes)
      throw fail(`${label} declares ${size} bytes; at most ${limits.maxEntryBytes} are read from one entry`);
    total += size;
    if (total > limits.maxTotalBytes)
      throw fail(
        `the entries declare more than ${limits.maxTotalBytes} bytes in all; that many are read at most`,
      );
    if (method === 8) inflated += size;
    if (inflated > limits.maxInflatedBytes)
      throw fail(
        `the deflated entries declare more than ${limits.maxInflatedBytes} bytes in all; that many are ` +
          'inflated at most (torch.save stores entries uncompressed)',
      );
    if (method === 0 && compressedSize !== size)
      throw fail(`${label} is stored but declares ${compressedSize} bytes stored for ${size} bytes`);
    if (method === 8 && size > Math.max(1024, compressedSize * limits.maxRatio))
      throw fail(
        `${label} declares ${size} bytes from ${compressedSize} compressed (more than ${limits.maxRatio}:1); ` +
          'refused as a zip bomb',
      );
    if (headerOffset + 30 > cdOffset)
      throw fail(`${label} starts past the entries (the file is truncated or damaged)`);
    if (byName.has(entryName)) throw fail(`${label} appears twice in the archive`);
    const entry = { name: entryName, method, compressedSize, size, crc32, headerOffset };
    entries.push(entry);
    byName.set(entryName, entry);
    at += 46 + nameLen + extraLen + commentLen;
  }

  const read = (entry: ZipEntry): Uint8Array => {
    const label = `entry "${printable(entry.name, 60)}"`;
    const h = entry.headerOffset;
    if (u32(h) !== LFH_SIG) throw fail(`${label}: its local header is missing (the file is damaged)`);
    if (u16(h + 6) & 0x41) throw fail(`${label} is encrypted; encrypted archives are not read`);
    const start = h + 30 + u16(h + 26) + u16(h + 28);
    if (start + entry.compressedSize > cdOffset)
      throw fail(`${label} runs past the end of the entries: the file is truncated or damaged`);
    const raw = bytes.subarray(start, start + entry.compressedSize);
    const data =
      entry.method === 0
        ? raw
        : inflateBounded(
            raw,
            entry.size,
            () =>
              fail(
                `${label} inflates to more than the ${entry.size} bytes it declares; refused as a zip bomb`,
              ),
            () => fail(`${label} is not valid deflate data (the file is damaged)`),
          );
    if (data.length !== entry.size)
      throw fail(
        `${label} inflates to ${data.length} bytes, not the ${entry.size} it declares (the file is damaged)`,
      );
    if (crc32Of(data) !== entry.crc32) throw fail(`${label} fails its CRC-32 check (the file is damaged)`);
    return data;
  };
  return { entries, find: (entryName) => byName.get(entryName), read };
}

/** Chunk of compressed input per step: output per step is at most about 1032 × this. */
const INFLATE_CHUNK = 4096;

/**
 * Inflates raw deflate data into a buffer of `size` bytes, in chunks, and stops with `tooBig()` as soon as the
 * output would pass `size`: a bomb costs at most one chunk's output beyond the declared size. A broken deflate
 * stream throws `broken()`.
 */
function inflateBounded(raw: Uint8Array, size: number, tooBig: () => Error, broken: () => Error): Uint8Array {
  const out = new Uint8Array(size);
  let filled = 0;
  let over = false;
  const inflate = new Inflate((chunk) => {
    if (over) return;
    if (filled + chunk.length > size) {
      over = true;
      return;
    }
    out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (let at = 0; at < raw.length && !over; at += INFLATE_CHUNK) {
      const end = Math.min(raw.length, at + INFLATE_CHUNK);
      inflate.push(raw.subarray(at, end), end === raw.length);
    }
  } catch {
    if (!over) throw broken();
  }
  if (over) throw tooBig();
  return out.subarray(0, filled);
}

let crcTable: Uint32Array | undefined;

export function crc32Of(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
