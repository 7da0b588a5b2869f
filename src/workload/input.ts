/**
 * The input layer's rules, shared by the CLI (src/cli/files.ts reads files with these caps) and the app (the
 * import panel and "Open scenario file" check a File's size before reading it). Pure functions, no file system:
 * every file from outside is size-checked before it is read, every numeric tensor is checked for finite values,
 * and counts follow one rule whatever the format (.npy, CSV or JSON).
 */

import { MAX_CHIP_FILE_BYTES } from '../scenario';

export { MAX_NESTING_DEPTH, parseJsonSafely } from '../scenario';

/** What kind of file is read, and the most bytes accepted for it. */
export const INPUT_LIMITS = {
  /** A scenario file (JSON or a link): real ones are a few kB. */
  scenario: { maxBytes: 64 * 1024, label: 'a scenario file' },
  /** A chip file (what `moe chip` prints or the chip editor saves, about 2 KiB), in the CLI and the app alike. */
  chip: { maxBytes: MAX_CHIP_FILE_BYTES, label: 'a chip file' },
  /** A recorded load as text: count table or per-token choices (CSV, JSON); parsed into strings and objects. */
  import: { maxBytes: 64 * 2 ** 20, label: 'an imported trace or count table' },
  /**
   * A recorded load as raw tensors (.npy, PyTorch .pt): read in place, never as text, so larger. SGLang's default
   * stat dump of Kimi K2 (int32 [1000, 61, 384]) is 94 MB; 512 MiB keeps the measured peak of a .pt near the file
   * itself and of a .npy trace within a few times it (docs/BENCHMARKS.md, "Input layer and network view").
   */
  importBinary: { maxBytes: 512 * 2 ** 20, label: 'an imported .npy or .pt file' },
  /** Benchmark points a person pastes or loads (CSV, at most 200 rows of a few hundred characters). */
  points: { maxBytes: 256 * 1024, label: 'a benchmark-points CSV' },
  /** A tensor given to `moe run` (x, router, bias, logits, w1, w3, w2): the GPU engine's budget is 1 GiB. */
  tensor: { maxBytes: 2 ** 30, label: 'a .npy tensor' },
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

/**
 * The limit an imported file is read under, from its name alone (before a byte is read): .npy, .pt and .pth are
 * binary, anything else text. The CLI and the app pick alike; parseImport still refuses text content above the text
 * limit whatever the name, so a renamed CSV gains nothing.
 */
export function importKindOf(name: string): 'import' | 'importBinary' {
  return /\.(npy|pth?)$/i.test(name.trim()) ? 'importBinary' : 'import';
}

/** Largest count accepted in any count table (the largest integer a float64 holds exactly). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** A file from outside that cannot be used; the message is one line naming the file and the place. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Refuse a file of `bytes` bytes before reading it: empty, or larger than its kind's limit. */
export function checkInputSize(name: string, bytes: number, kind: InputKind): void {
  const { maxBytes, label } = INPUT_LIMITS[kind];
  if (bytes === 0) throw new InputError(`${name}: the file is empty`);
  if (bytes > maxBytes) {
    // Exact bytes where rounding would print the same figure twice ("1.0 GiB; at most 1.0 GiB").
    const exact = formatBytes(bytes) === formatBytes(maxBytes);
    const size = (n: number) => (exact ? `${n} bytes` : formatBytes(n));
    throw new InputError(
      `${name}: the file is ${size(bytes)}; at most ${size(maxBytes)} is read as ${label}`,
    );
  }
}

/** "[3, 1]" for flat index 7 of shape [4, 2]: where a bad value sits, as a person indexes the array. */
export function indexOf(flat: number, shape: readonly number[]): string {
  const at: number[] = new Array(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = Math.max(1, shape[d]);
    at[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return shape.length ? `[${at.join(', ')}]` : `[${flat}]`;
}

/** Index of the first NaN or infinity in `data`, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly for NaN and ±Infinity; cheaper than Number.isFinite in a hot loop.
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Refuse a tensor from outside that holds NaN or an infinity, naming the file and the first bad index. */
export function checkFinite(name: string, data: ArrayLike<number>, shape: readonly number[]): void {
  const i = firstNonFinite(data);
  if (i >= 0) {
    throw new InputError(
      `${name}: value ${data[i]} at index ${indexOf(i, shape)} (flat ${i}) is not a finite number; ` +
        'every value must be finite',
    );
  }
}

/**
 * One count (tokens routed to one expert of one layer), whatever the format: a non-negative whole number no
 * larger than MAX_COUNT. Returns the problem in words, or undefined when the count is good.
 */
export function countProblem(v: number): string | undefined {
  if (Number.isNaN(v)) return 'is not a number';
  if (!Number.isFinite(v)) return 'is not finite';
  if (v < 0) return 'is negative';
  if (!Number.isInteger(v)) return 'is not a whole number';
  if (v > MAX_COUNT) return `is too large (at most ${MAX_COUNT})`;
  return undefined;
}

/**
 * Text from a file, made safe for a one-line message: at most `max` characters (then "…"), control characters,
 * line and paragraph separators escaped as \uXXXX.
 */
export function printable(text: string, max = 24): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Largest number of routed experts E accepted from a file (as the model's expert count). */
export const MAX_IMPORT_EXPERTS = 65536;
/** Largest model layer count accepted (ImportOptions.layers). */
export const MAX_IMPORT_LAYERS = 65536;

/**
 * The first count in a table [layers, E] (flat, C order) that breaks the rule, as
 * "count 2.5 at [1, 3] (layer 1, expert 3) is not a whole number"; undefined when every count is good.
 * `layerIds` names the rows (default 0, 1, …).
 */
export function countTableProblem(
  data: ArrayLike<number>,
  experts: number,
  layerIds?: readonly number[],
): string | undefined {
  for (let i = 0; i < data.length; i++) {
    const why = countProblem(data[i]);
    if (why) {
      const l = Math.floor(i / experts);
      const e = i % experts;
      return `count ${data[i]} at [${l}, ${e}] (layer ${layerIds?.[l] ?? l}, expert ${e}) ${why}`;
    }
  }
  return undefined;
}

/** Indices of the rows (layers) whose counts are all zero. */
export function zeroRows(rows: readonly ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (let l = 0; l < rows.length; l++) {
    const row = rows[l];
    let zero = true;
    for (let e = 0; e < row.length && zero; e++) zero = row[e] === 0;
    if (zero) out.push(l);
  }
  return out;
}

/** What a count table with no count at all is told: there is no load to score. */
export const ALL_ZERO_COUNTS = 'every count is zero: nothing to measure';

/** The note for layers dropped from a count table because their counts are all zero. */
export function zeroLayersNote(layerIds: readonly number[]): string {
  const n = layerIds.length;
  const shownIds = n > 8 ? `${layerIds.slice(0, 8).join(', ')}, …` : layerIds.join(', ');
  return (
    `Dropped ${n} layer${n === 1 ? '' : 's'} whose counts are all zero (layer id${n === 1 ? '' : 's'} ` +
    `${shownIds}): no token was routed there (SGLang writes zero rows for dense layers), so there is no load to score.`
  );
}

/** Problem with a model layer count given by a caller (ImportOptions.layers and the like), or undefined. */
export function layerCountProblem(layers: number): string | undefined {
  if (Number.isInteger(layers) && layers >= 1 && layers <= MAX_IMPORT_LAYERS) return undefined;
  return `the layer count ${layers} must be a whole number from 1 to ${MAX_IMPORT_LAYERS}`;
}

/** "layer id 7 is outside 0–5 (the model has 6 layers)", or undefined when the id is below `layers`. */
export function layerIdProblem(id: number, layers: number | undefined): string | undefined {
  if (layers === undefined || (Number.isSafeInteger(id) && id >= 0 && id < layers)) return undefined;
  return `layer id ${id} is outside 0–${layers - 1} (the model has ${layers} layer${layers === 1 ? '' : 's'})`;
}
