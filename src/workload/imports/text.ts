/** Bytes → text: size limits, UTF-8 / UTF-16 decoding, and the binary files (.npy, .pt, zip) told apart from text. */

import { formatBytes } from '../input';
import { clip } from './fields';
import { ImportError } from './types';

export function sizeOf(input: Uint8Array | string): number {
  return typeof input === 'string' ? input.length : input.byteLength;
}

/** Refuses an empty file or one above `max` bytes; `as` says what the limit is for ("as text (CSV or JSON)…"). */
export function checkSize(name: string, input: Uint8Array | string, max: number, as?: string): void {
  const n = sizeOf(input);
  if (n === 0) throw new ImportError(`${name}: the file is empty`);
  if (n > max) {
    throw new ImportError(
      `${name}: the file is ${formatBytes(n)}; at most ${formatBytes(max)} can be imported${as ? ` ${as}` : ''}`,
    );
  }
}

/**
 * Text of a file: UTF-8, or UTF-16 when it starts with a UTF-16 byte-order mark (PowerShell, Excel); BOM removed.
 * Bytes that are not valid in that encoding (a Latin-1 export, a UTF-16 file cut at an odd byte) are refused with
 * the line they are on, rather than turned into U+FFFD silently: they would change ids or filter values unseen.
 */
export function toText(name: string, input: Uint8Array | string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let encoding = 'utf-8';
  if (input.length >= 2) {
    if (input[0] === 0xff && input[1] === 0xfe) encoding = 'utf-16le';
    else if (input[0] === 0xfe && input[1] === 0xff) encoding = 'utf-16be';
  }
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(input);
  } catch {
    const loose = new TextDecoder(encoding).decode(input);
    const at = loose.indexOf('\ufffd');
    const line = at < 0 ? 1 : loose.slice(0, at).split('\n').length;
    throw new ImportError(
      `${name} line ${line}: bytes that are not valid ${encoding.toUpperCase()}` +
        (encoding === 'utf-8' ? ' (a Latin-1 or Windows-1252 export?); save the file as UTF-8' : ''),
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Binary formats we cannot read but can name. A zip archive (a PyTorch .pt) is read by parseImport before this
 * check; a raw pickle is refused: PyTorch's legacy format (before 1.6, or `_use_new_zipfile_serialization=False`)
 * starts with the pickled magic number 0x1950a86a20f9469cfc6c (torch/serialization.py, MAGIC_NUMBER).
 */
export function checkBinary(name: string, input: Uint8Array | string): void {
  if (typeof input === 'string' || input.length < 2) return;
  const zip = input[0] === 0x50 && input[1] === 0x4b && input[2] === 0x03 && input[3] === 0x04;
  if (zip)
    throw new ImportError(
      `${name}: a zip archive that is not a PyTorch .pt file; expected .npy, CSV or JSON`,
    );
  const pickle = input[0] === 0x80 && input[1] >= 2 && input[1] <= 5;
  if (pickle) {
    const legacy = LEGACY_TORCH_MAGIC.every((b, i) => input[i] === b);
    throw new ImportError(
      `${name}: ${legacy ? 'a PyTorch file in the legacy format (before PyTorch 1.6), which' : 'a raw Python pickle, which'} ` +
        'is not read (only the zip-based .pt that torch.save writes today is); re-save it with ' +
        `python -c "import torch; torch.save(torch.load('${clip(name, 40)}', weights_only=True), 'counts.pt')"`,
    );
  }
  const sample = input.subarray(0, 512);
  if (
    sample.includes(0) &&
    !(input[0] === 0xff && input[1] === 0xfe) &&
    !(input[0] === 0xfe && input[1] === 0xff)
  )
    throw new ImportError(`${name}: a binary file that is not .npy; expected .npy, CSV or JSON`);
}

/** PROTO 2, LONG1 of 10 bytes: the magic number the legacy torch.save pickles first. */
const LEGACY_TORCH_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

export const isNpy = (input: Uint8Array | string) =>
  typeof input !== 'string' &&
  input.length >= 6 &&
  input[0] === 0x93 &&
  input[1] === 0x4e &&
  input[2] === 0x55 &&
  input[3] === 0x4d &&
  input[4] === 0x50 &&
  input[5] === 0x59;
