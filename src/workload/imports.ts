import {
  ALL_ZERO_COUNTS,
  countProblem,
  countTableProblem,
  firstNonFinite,
  InputError,
  indexOf,
  layerCountProblem,
  layerIdProblem,
  MAX_COUNT,
  MAX_EXPERTS,
  parseJsonSafely,
  printable,
  zeroLayersNote,
  zeroRows,
} from './input';
import type { LayerConfig } from './layer';
import { type NpyArray, readNpy } from './npy';
import { routingTraceFromNpy } from './trace';

/**
 * Routing data recorded elsewhere, brought into moe-lab. Pure functions over strings and bytes (no file system, no
 * DOM): the browser's import dialog, the CLI and the tests share them. Three kinds:
 *
 * (a) count tables: SGLang's expert-distribution dump (CSV `layer_id,expert_id,count`) and tables like it with extra
 *     leading columns (`model,dataset,layer_id,expert_id,count`): the extra columns become filters, with their
 *     distinct values and a selection. → counts per layer (a LoadProfile through costmodel's loadFromCounts).
 * (b) per-token expert choices: CSV `token,layer,expert_ids[,weights]` (ids and weights separated by spaces or
 *     semicolons, or commas inside a quoted field), JSON `[{token, layer, experts: [..], weights?: [..]}]`, or an
 *     integer .npy [T, k] / [T, L, k]. → top-k ids per token and layer, replayed through dispatch, FFN and combine.
 * (c) router logits: float32 .npy [T, E] or [L, T, E]. → the whole layer from the gate onward.
 *
 * Replaying choices (b): the layer contract (./layer.ts) has no top-k input, and needs none. `replayLogits` builds
 * router logits under which the gate picks exactly the recorded experts: the chosen experts get finite logits in
 * their recorded rank order (or log of their recorded weights) and every other expert −REPLAY_FLOOR, far enough
 * below that its softmax score is exactly 0 in f32. `replayConfig` sets the routing that keeps this exact (softmax,
 * no selection bias, no expert groups, token-choice), and the logits go in LayerTensors.logits, so the GPU skips
 * its router GEMM and runs gate → count → offsets → scatter → FFN → combine on the recorded choices.
 *
 * Every error is an ImportError (or the .npy reader's NpyError) with one line that names the file and the place.
 */

/** Largest file accepted (bytes). */
export const MAX_IMPORT_BYTES = 64 * 2 ** 20;
/** Longest CSV header line accepted (characters): real ones are a few dozen. */
export const MAX_CSV_HEADER_CHARS = 4096;
/** Logit given to the experts a replayed token did not choose (its softmax score underflows to 0). */
export const REPLAY_FLOOR = 1e4;
/** Gap between successive ranks when a replayed token has no recorded weights. */
export const REPLAY_RANK_STEP = 1e-3;
/** Rows a preview shows. */
const PREVIEW_ROWS = 5;

/** An InputError: the CLI and the app catch every refused input file with one `instanceof`. */
export class ImportError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export type ImportFormat = 'count-table' | 'token-choices' | 'router-logits';

export const IMPORT_FORMAT_LABELS: Record<ImportFormat, string> = {
  'count-table': 'expert count table (CSV)',
  'token-choices': 'per-token expert choices',
  'router-logits': 'router logits (.npy)',
};

/** A count table's extra (filter) column. */
export interface FilterColumn {
  name: string;
  /** Distinct values in order of first appearance. */
  values: string[];
  selected: string;
}

export interface CountTable {
  format: 'count-table';
  name: string;
  /** Header as in the file. */
  columns: string[];
  filters: FilterColumn[];
  /** The filter-value combinations present in the file (each in `filters` order), in order of appearance. */
  combinations: string[][];
  /** Data rows in the file, and those the filter selected. */
  rows: number;
  selectedRows: number;
  experts: number;
  /** Layer ids as in the file (ascending), one per entry of `counts`. */
  layerIds: number[];
  /** Counts per layer, [E] each. Missing (layer, expert) rows count 0. */
  counts: Float64Array[];
  /** The first data rows of the file as text (for a preview). */
  firstRows: string[][];
  /** What was converted, summed or ignored while reading, one sentence each. */
  notes?: string[];
}

export interface TokenChoices {
  format: 'token-choices';
  name: string;
  source: 'csv' | 'json' | 'npy';
  tokens: number;
  layers: number;
  topK: number;
  experts: number;
  /** Layer ids as in the file (ascending); entry l of the layout is layerIds[l]. */
  layerIds: number[];
  /** Token ids as in the file (ascending); token t of the layout is tokenIds[t]. */
  tokenIds: number[];
  /** ids[(t·layers + l)·topK + j]: expert of slot j. */
  ids: Int32Array;
  /** Same layout as ids, when the file has weights. */
  weights?: Float32Array;
  /** What was converted while reading, one sentence each. */
  notes?: string[];
}

export interface RouterLogits {
  format: 'router-logits';
  name: string;
  tokens: number;
  layers: number;
  experts: number;
  layerIds: number[];
  /** [T, E] per layer. */
  logits: Float32Array[];
  /** What was converted while reading, one sentence each. */
  notes?: string[];
}

export type ImportedData = CountTable | TokenChoices | RouterLogits;

export interface ImportOptions {
  /** Routed experts E of the model: every id must be below it. Default: the largest id + 1 (logits: their width). */
  experts?: number;
  /** Values for a count table's filter columns (default: the first combination in the file that fits the rest). */
  filter?: Record<string, string>;
  /** Skip detection. */
  format?: ImportFormat;
  /** Default MAX_IMPORT_BYTES. */
  maxBytes?: number;
  /** k for previewing router logits (plain top-k of the logits); default 1. */
  topK?: number;
  /** .npy files: the model layer id of each array layer (default 0, 1, …). */
  layerIds?: number[];
  /**
   * The model's total layer count L: every layer id in the file must be below it (CSV and JSON rows, .npy layer
   * ids); a .npy with more layers than the model is refused. Default: any id.
   */
  layers?: number;
}

// ---- text and CSV ---------------------------------------------------------------------------------------------

function sizeOf(input: Uint8Array | string): number {
  return typeof input === 'string' ? input.length : input.byteLength;
}

function checkSize(name: string, input: Uint8Array | string, max: number): void {
  const n = sizeOf(input);
  if (n === 0) throw new ImportError(`${name}: the file is empty`);
  if (n > max) {
    throw new ImportError(`${name}: the file is ${fmtBytes(n)}; at most ${fmtBytes(max)} can be imported`);
  }
}

function fmtBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Text of a file: UTF-8, or UTF-16 when it starts with a UTF-16 byte-order mark (PowerShell, Excel); BOM removed. */
function toText(input: Uint8Array | string): string {
  let encoding = 'utf-8';
  if (typeof input !== 'string' && input.length >= 2) {
    if (input[0] === 0xff && input[1] === 0xfe) encoding = 'utf-16le';
    else if (input[0] === 0xfe && input[1] === 0xff) encoding = 'utf-16be';
  }
  const text = typeof input === 'string' ? input : new TextDecoder(encoding).decode(input);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Binary formats we cannot read but can name: a PyTorch .pt (zip or pickle) and other zip files. */
function checkBinary(name: string, input: Uint8Array | string): void {
  if (typeof input === 'string' || input.length < 2) return;
  const zip = input[0] === 0x50 && input[1] === 0x4b && input[2] === 0x03 && input[3] === 0x04;
  const pickle = input[0] === 0x80 && input[1] >= 2 && input[1] <= 5;
  if (zip || pickle) {
    throw new ImportError(
      `${name}: this is a ${zip ? 'zip archive' : 'Python pickle'}, probably a PyTorch .pt file (such as SGLang's ` +
        'expert_distribution_recorder_*.pt), which cannot be read here; save the tensor as .npy, e.g. ' +
        `python -c "import torch, numpy; d = torch.load('${clip(name, 40)}'); ` +
        "numpy.save('counts.npy', d['logical_count'].sum(0).numpy())\" for counts [layers, experts]",
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

const isNpy = (input: Uint8Array | string) =>
  typeof input !== 'string' &&
  input.length >= 6 &&
  input[0] === 0x93 &&
  input[1] === 0x4e &&
  input[2] === 0x55 &&
  input[3] === 0x4d &&
  input[4] === 0x50 &&
  input[5] === 0x59;

/** A data row, materialised (per-token choices; count tables stream over the text instead). */
interface CsvRow {
  line: number;
  fields: string[];
  /** 0, then +1 after each line that repeats the header (files concatenated with their headers, e.g. one per rank). */
  section: number;
}

/** The header line: the first line that is neither blank nor a '#' comment (up to MAX_CSV_HEADER_CHARS + 1). */
function headerLineOf(text: string): string {
  // A scan, not a regular expression: V8 keeps the subject of the last match alive (RegExp.input), which would
  // hold a 60 MB text in memory after the import.
  for (let at = 0; at < text.length; ) {
    let end = at;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
    }
    const line = text.slice(at, end);
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) return line;
    at = end + 1;
  }
  return '';
}

/** Field separator from the header line: comma, else tab, else semicolon (spreadsheets in many locales). */
function separatorOf(headerText: string): string {
  if (headerText.includes(',')) return ',';
  if (headerText.includes('\t')) return '\t';
  if (headerText.includes(';')) return ';';
  return ',';
}

/**
 * One row of a CSV file, read in place: a cursor over the text that moves row by row, so a 60 MB table is never
 * held as millions of row objects. Fields are split when asked for.
 */
interface RowCursor {
  /** Line number (1-based) where the row starts. */
  line: number;
  /** Fields in the row. */
  size: number;
  /** Moves to the next row that is neither blank nor a '#' comment; false at the end of the text. */
  next(): boolean;
  /** Field i as in the file (untrimmed); '' past the last field. */
  field(i: number): string;
  /** Field i as a number when it is plain ASCII digits (at most 15, blanks around allowed), else -1. */
  digits(i: number): number;
}

const isAsciiBlank = (c: number) => c === 32 || c === 9 || c === 11 || c === 12;

/** A file without double quotes (what SGLang and most tools write): lines split at LF, CRLF or CR; fields at `sep`. */
class PlainRows implements RowCursor {
  line = 0;
  size = 0;
  private at = 0;
  private lineNo = 0;
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);
  constructor(
    private readonly text: string,
    private readonly sep: number,
  ) {}

  next(): boolean {
    const t = this.text;
    const n = t.length;
    const sep = this.sep;
    while (this.at < n) {
      const start = this.at;
      this.lineNo++;
      let size = 0;
      let from = start;
      let i = start;
      for (; i < n; i++) {
        const c = t.charCodeAt(i);
        if (c === 10 || c === 13) break;
        if (c === sep) {
          size = this.push(size, from, i);
          from = i + 1;
        }
      }
      size = this.push(size, from, i);
      this.at = i < n && t.charCodeAt(i) === 13 && t.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      if (this.skipped(start, i)) continue;
      this.line = this.lineNo;
      this.size = size;
      return true;
    }
    return false;
  }

  private push(size: number, from: number, to: number): number {
    if (size === this.starts.length) {
      const starts = new Int32Array(size * 2);
      const ends = new Int32Array(size * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[size] = from;
    this.ends[size] = to;
    return size + 1;
  }

  /** A blank line or a comment (its first non-blank character is '#'), as String.prototype.trim sees blanks. */
  private skipped(start: number, end: number): boolean {
    const t = this.text;
    let i = start;
    while (i < end && isAsciiBlank(t.charCodeAt(i))) i++;
    if (i === end) return true;
    const c = t.charCodeAt(i);
    if (c < 128) return c === 35;
    const line = t.slice(start, end);
    return line.trim() === '' || line.trimStart().startsWith('#');
  }

  field(i: number): string {
    return i < this.size ? this.text.slice(this.starts[i], this.ends[i]) : '';
  }

  digits(i: number): number {
    if (i >= this.size) return -1;
    const t = this.text;
    let s = this.starts[i];
    let e = this.ends[i];
    while (s < e && isAsciiBlank(t.charCodeAt(s))) s++;
    while (e > s && isAsciiBlank(t.charCodeAt(e - 1))) e--;
    if (e === s || e - s > 15) return -1;
    let v = 0;
    for (let k = s; k < e; k++) {
      const d = t.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }
}

/**
 * A file with double quotes: "" escapes a quote, a quoted field may hold separators and line breaks, and a quote
 * opens a field only at its start (after blanks); LF, CRLF or CR end a row.
 */
class QuotedRows implements RowCursor {
  line = 0;
  size = 0;
  private fields: string[] = [];
  private at = 0;
  private lineNo = 1;
  private rowLine = 1;
  private done = false;
  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly sep: number,
  ) {}

  /** The row's fields (a fresh array per row). */
  all(): string[] {
    return this.fields;
  }

  private emit(fields: string[], line: number): boolean {
    const blank = fields.length === 1 && fields[0].trim() === '';
    if (blank || fields[0].trimStart().startsWith('#')) return false;
    this.fields = fields;
    this.size = fields.length;
    this.line = line;
    return true;
  }

  next(): boolean {
    const t = this.text;
    const n = t.length;
    const sep = this.sep;
    let fields: string[] = [];
    let field = '';
    let quoted = false;
    while (this.at < n) {
      if (quoted) {
        const q = t.indexOf('"', this.at);
        const stop = q < 0 ? n : q;
        for (let k = this.at; k < stop; k++) if (t.charCodeAt(k) === 10) this.lineNo++;
        field += t.slice(this.at, stop);
        if (q < 0) {
          this.at = n;
          break;
        }
        if (t.charCodeAt(q + 1) === 34) {
          field += '"';
          this.at = q + 2;
        } else {
          quoted = false;
          this.at = q + 1;
        }
        continue;
      }
      let j = this.at;
      for (; j < n; j++) {
        const c = t.charCodeAt(j);
        if (c === 34 || c === sep || c === 10 || c === 13) break;
      }
      if (j > this.at) field += t.slice(this.at, j);
      if (j >= n) {
        this.at = n;
        break;
      }
      const c = t.charCodeAt(j);
      this.at = j + 1;
      if (c === 34) {
        if (field.trim() === '') {
          quoted = true;
          field = '';
        } else field += '"';
      } else if (c === sep) {
        fields.push(field);
        field = '';
      } else {
        if (c === 13 && t.charCodeAt(j + 1) === 10) this.at++;
        fields.push(field);
        field = '';
        const line = this.rowLine;
        this.lineNo++;
        this.rowLine = this.lineNo;
        if (this.emit(fields, line)) return true;
        fields = [];
      }
    }
    if (quoted) throw new ImportError(`${this.name} line ${this.rowLine}: a quoted field is not closed`);
    if (!this.done && (field !== '' || fields.length > 0)) {
      this.done = true;
      fields.push(field);
      return this.emit(fields, this.rowLine);
    }
    return false;
  }

  field(i: number): string {
    return this.fields[i] ?? '';
  }

  digits(i: number): number {
    const raw = this.fields[i];
    return raw !== undefined && /^[ \t]*\d{1,15}[ \t]*$/.test(raw) ? Number(raw) : -1;
  }
}

/**
 * A CSV file opened for reading: comma-separated (tab or semicolon when the header has those and no commas), double
 * quotes with "" escapes, LF, CRLF or CR. Blank lines and lines starting with '#' are skipped; a line that repeats
 * the header starts a new section (files concatenated with `cat`) and is not a data row. `rows()` starts a fresh
 * pass over the data rows; a pass holds one row at a time.
 */
interface CsvFile {
  header: string[];
  rows(): DataRows;
}

interface DataRows extends RowCursor {
  /** 0, then +1 after each line that repeats the header. */
  section: number;
  /** Every field of the row (a fresh array). */
  all(): string[];
}

function openCsv(name: string, text: string): CsvFile {
  const headerText = headerLineOf(text);
  if (headerText.length > MAX_CSV_HEADER_CHARS) {
    throw new ImportError(
      `${name}: the header line is ${headerText.length} characters; at most ${MAX_CSV_HEADER_CHARS} are accepted`,
    );
  }
  const sep = separatorOf(headerText).charCodeAt(0);
  const quotes = text.includes('"');
  const cursor = (): RowCursor & { all(): string[] } => {
    if (quotes) return new QuotedRows(name, text, sep);
    const plain = new PlainRows(text, sep);
    return Object.assign(plain, {
      all: () => Array.from({ length: plain.size }, (_, i) => plain.field(i)),
    });
  };
  const first = cursor();
  if (!first.next()) throw new ImportError(`${name}: the file has no header line`);
  const header = first.all().map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  // A data row whose first field is a plain number cannot repeat a header that does not start with one.
  const numericFirst = /^\d{1,15}$/.test(lower[0]);
  const repeatsHeader = (row: RowCursor): boolean => {
    if (row.size !== header.length || (!numericFirst && row.digits(0) >= 0)) return false;
    for (let i = 0; i < lower.length; i++) if (row.field(i).trim().toLowerCase() !== lower[i]) return false;
    return true;
  };
  return {
    header,
    rows(): DataRows {
      const raw = cursor();
      raw.next(); // the header
      const rows: DataRows = {
        line: 0,
        size: 0,
        section: 0,
        next() {
          while (raw.next()) {
            if (repeatsHeader(raw)) {
              rows.section++;
              continue;
            }
            rows.line = raw.line;
            rows.size = raw.size;
            return true;
          }
          return false;
        },
        field: (i) => raw.field(i),
        digits: (i) => raw.digits(i),
        all: () => raw.all(),
      };
      return rows;
    },
  };
}

/** Every data row of a CSV file as objects (per-token choices, whose rows are kept anyway). */
function parseCsv(name: string, text: string): { header: string[]; rows: CsvRow[] } {
  const file = openCsv(name, text);
  const rows: CsvRow[] = [];
  const cur = file.rows();
  while (cur.next()) rows.push({ line: cur.line, fields: cur.all(), section: cur.section });
  if (rows.length === 0) throw new ImportError(`${name}: the file has a header but no data rows`);
  return { header: file.header, rows };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A count or id from a CSV field: a number under the one rule for counts (countProblem: a non-negative whole number
 * no larger than MAX_COUNT), or a one-line error naming the line and column.
 */
function intFromText(name: string, line: number, field: string, column: string): number {
  const raw = field.trim();
  const at = `${name} line ${line}`;
  if (raw === '') throw new ImportError(`${at}: ${column} is empty`);
  if (!NUMBER.test(raw)) throw new ImportError(`${at}: ${column} "${clip(raw)}" is not a number`);
  const v = Number(raw);
  const why = countProblem(v);
  if (why) throw new ImportError(`${at}: ${column} ${clip(raw)} ${why}`);
  return v;
}

/** intFromText for field `col` of a row, with a fast path for plain digits. */
function intField(name: string, row: RowCursor, col: number, column: string): number {
  const v = row.digits(col);
  return v >= 0 ? v : intFromText(name, row.line, row.field(col), column);
}

/** Text from the file for a message: clipped to `n` characters, control characters escaped (one line). */
function clip(s: string, n = 24): string {
  return printable(s, n);
}

function findColumn(header: string[], aliases: readonly string[]): number {
  const lower = header.map((h) => h.toLowerCase());
  for (const a of aliases) {
    const i = lower.indexOf(a);
    if (i >= 0) return i;
  }
  return -1;
}

/** A pandas index written by DataFrame.to_csv (no name, "Unnamed: 0") or an explicit "index" column. */
const isIndexColumn = (lowerName: string) =>
  lowerName === '' || lowerName === 'index' || /^unnamed: \d+$/.test(lowerName);

const LAYER_COLUMNS = ['layer_id', 'layer', 'layer_idx'] as const;
const EXPERT_COLUMNS = ['expert_id', 'expert', 'expert_idx'] as const;
const COUNT_COLUMNS = ['count', 'counts', 'tokens_per_expert'] as const;
const TOKEN_COLUMNS = ['token', 'token_id', 'token_idx'] as const;
const IDS_COLUMNS = ['expert_ids', 'experts', 'topk_ids', 'topk_expert_ids'] as const;
const WEIGHT_COLUMNS = ['weights', 'expert_weights', 'topk_weights'] as const;

function checkExperts(name: string, experts: number | undefined): void {
  if (experts !== undefined && !(Number.isInteger(experts) && experts >= 1 && experts <= MAX_EXPERTS))
    throw new ImportError(
      `${name}: the expert count ${experts} must be a whole number from 1 to ${MAX_EXPERTS}`,
    );
}

function checkLayers(name: string, layers: number | undefined): void {
  const why = layers === undefined ? undefined : layerCountProblem(layers);
  if (why) throw new ImportError(`${name}: ${why}`);
}

/** The count table's cells (layers × experts) refused beyond this: 64 MiB of float64 counts. */
export const MAX_COUNT_CELLS = 2 ** 23;

function tooManyCells(
  name: string,
  at: string,
  layers: number,
  experts: number,
  soFar: boolean,
): ImportError {
  return new ImportError(
    `${name}${at}: ${layers} layers × ${experts} experts${soFar ? ' so far' : ''} is more than ` +
      `${MAX_COUNT_CELLS} counts; a count table holds at most that many`,
  );
}

// ---- (a) count tables -------------------------------------------------------------------------------------------

/** Counts of one layer while a table is read: grown as expert ids appear, with the section that wrote each. */
interface LayerCounts {
  counts: Float64Array;
  /** Section of the last row for each expert (-1: none), to find a pair repeated within one dump. */
  section: Int32Array;
}

/** Room for expert ids up to `expert` (and at least `width`: layers mostly have the same experts). */
function growLayer(acc: LayerCounts, expert: number, width: number, limit: number): void {
  const size = Math.min(limit, Math.max(expert + 1, width, acc.counts.length * 2, 16));
  const counts = new Float64Array(size);
  const section = new Int32Array(size).fill(-1);
  counts.set(acc.counts);
  section.set(acc.section);
  acc.counts = counts;
  acc.section = section;
}

/**
 * A count table, streamed over the text: one pass for the row count, field counts, sections, preview and which extra
 * columns are numeric, one for the filter columns' values (when there are any), one that adds the selected rows'
 * counts into typed arrays per layer. Memory: the text plus the counts, whatever the number of rows.
 */
function parseCountTable(name: string, file: CsvFile, opts: ImportOptions): CountTable {
  const { header } = file;
  const li = findColumn(header, LAYER_COLUMNS);
  const ei = findColumn(header, EXPERT_COLUMNS);
  const ci = findColumn(header, COUNT_COLUMNS);
  const lower = header.map((h) => h.toLowerCase());
  const lastRequired = Math.max(li, ei, ci);
  const extra = header.map((_, i) => i).filter((i) => i !== li && i !== ei && i !== ci);
  // Extra columns after the required ones that may hold per-row numbers (ratio, share, count_top1).
  const maybeNumeric = extra.filter((c) => !isIndexColumn(lower[c]) && c > lastRequired);
  const numeric = maybeNumeric.map(() => true);

  // Pass 1: everything that does not depend on the selection.
  let rows = 0;
  let sections = 0;
  let lastSection = -1;
  let mismatch: { line: number; size: number } | undefined;
  const firstRows: string[][] = [];
  const scan = file.rows();
  while (scan.next()) {
    rows++;
    if (scan.section !== lastSection) {
      sections++;
      lastSection = scan.section;
    }
    if (firstRows.length < PREVIEW_ROWS) firstRows.push(scan.all().map((f) => f.trim()));
    if (mismatch) continue;
    if (scan.size !== header.length) mismatch = { line: scan.line, size: scan.size };
    for (let k = 0; k < maybeNumeric.length; k++)
      if (numeric[k] && !NUMBER.test(scan.field(maybeNumeric[k]).trim())) numeric[k] = false;
  }
  if (rows === 0) throw new ImportError(`${name}: the file has a header but no data rows`);
  const missing = [li < 0 && 'layer_id', ei < 0 && 'expert_id', ci < 0 && 'count'].filter(Boolean);
  if (missing.length) {
    throw new ImportError(
      `${name}: a count table needs columns layer_id, expert_id and count; missing ${missing.join(', ')} ` +
        `(header: ${clip(header.join(','), 80)})`,
    );
  }
  const named = lower.filter((h) => !isIndexColumn(h));
  if (new Set(named).size !== named.length)
    throw new ImportError(`${name}: the header repeats a column name (${clip(header.join(','), 120)})`);
  if (mismatch) {
    throw new ImportError(
      `${name} line ${mismatch.line}: ${mismatch.size} fields, but the header has ${header.length} columns`,
    );
  }
  const notes: string[] = [];
  // Extra columns are filters (model, dataset, run, …), except a pandas index (no name, "Unnamed: 0", "index") and
  // numeric columns after the required ones (ratio, share, count_top1: per-row data, not a run label).
  const ignored = extra.filter(
    (c) => isIndexColumn(lower[c]) || (maybeNumeric.includes(c) && numeric[maybeNumeric.indexOf(c)]),
  );
  if (ignored.length) {
    notes.push(
      `Ignored column${ignored.length > 1 ? 's' : ''} ${ignored.map((c) => (header[c] ? `"${clip(header[c], 40)}"` : `${c + 1} (no name)`)).join(', ')} ` +
        '(a row index or per-row numbers, not a run label).',
    );
  }
  const filterCols = extra.filter((c) => !ignored.includes(c));
  const filters: FilterColumn[] = filterCols.map((i) => ({ name: header[i], values: [], selected: '' }));
  const combos = new Map<string, string[]>();
  if (filterCols.length === 0) combos.set('[]', []);
  else {
    // Pass 2: the filter columns' distinct values and combinations (consecutive rows mostly share them).
    const seen = filterCols.map(() => new Set<string>());
    let previous: string[] = [];
    const pass = file.rows();
    while (pass.next()) {
      const combo = filterCols.map((c) => pass.field(c).trim());
      if (combo.every((v, k) => v === previous[k])) continue;
      previous = combo;
      combo.forEach((v, k) => {
        if (!seen[k].has(v)) {
          seen[k].add(v);
          filters[k].values.push(v);
        }
      });
      const key = JSON.stringify(combo);
      if (!combos.has(key)) combos.set(key, combo);
    }
  }
  const wanted = opts.filter ?? {};
  for (const key of Object.keys(wanted)) {
    if (!filters.some((f) => f.name === key)) {
      throw new ImportError(
        `${name}: no filter column "${clip(key, 40)}"` +
          (filters.length
            ? ` (filter columns: ${clip(filters.map((f) => f.name).join(', '), 80)})`
            : ' (the table has none)'),
      );
    }
  }
  for (const f of filters) {
    const want = wanted[f.name];
    if (want !== undefined && !f.values.includes(want)) {
      throw new ImportError(
        `${name}: column ${clip(f.name, 40)} has no value "${clip(want)}" (values: ${clip(f.values.join(', '), 80)})`,
      );
    }
  }
  // Columns left unselected take their values from the first combination that fits the selected ones.
  const fits = [...combos.values()].find((c) => filters.every((f, k) => (wanted[f.name] ?? c[k]) === c[k]));
  filters.forEach((f, k) => {
    f.selected = wanted[f.name] ?? fits?.[k] ?? f.values[0];
  });
  const selection = filters.map((f) => `${f.name}=${f.selected}`).join(', ');
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  const expertLimit = opts.experts ?? MAX_EXPERTS;

  // Pass 3: the selected rows' counts, added up per layer.
  const perLayer = new Map<number, LayerCounts>();
  let lastId = -1;
  let last: LayerCounts | undefined;
  let selectedRows = 0;
  let maxExpert = -1;
  const pass = file.rows();
  while (pass.next()) {
    let selected = true;
    for (let k = 0; k < filterCols.length && selected; k++)
      selected = pass.field(filterCols[k]).trim() === filters[k].selected;
    if (!selected) continue;
    selectedRows++;
    const layer = intField(name, pass, li, header[li]);
    const expert = intField(name, pass, ei, header[ei]);
    const count = intField(name, pass, ci, header[ci]);
    const at = `${name} line ${pass.line}`;
    if (opts.experts !== undefined && expert >= opts.experts) {
      throw new ImportError(
        `${at}: expert id ${expert} is outside 0–${opts.experts - 1} (the model has ${opts.experts} experts)`,
      );
    }
    if (expert >= MAX_EXPERTS) throw new ImportError(`${at}: expert id ${expert} is too large`);
    const layerWhy = layerIdProblem(layer, opts.layers);
    if (layerWhy) throw new ImportError(`${at}: ${layerWhy}`);
    if (expert > maxExpert) maxExpert = expert;
    let acc = layer === lastId ? last : perLayer.get(layer);
    if (!acc) {
      acc = { counts: new Float64Array(0), section: new Int32Array(0) };
      perLayer.set(layer, acc);
      if (perLayer.size * (maxExpert + 1) > MAX_COUNT_CELLS)
        throw tooManyCells(name, ` line ${pass.line}`, perLayer.size, maxExpert + 1, true);
    }
    lastId = layer;
    last = acc;
    if (expert >= acc.counts.length) {
      if (perLayer.size * (maxExpert + 1) > MAX_COUNT_CELLS)
        throw tooManyCells(name, ` line ${pass.line}`, perLayer.size, maxExpert + 1, true);
      growLayer(acc, expert, maxExpert + 1, expertLimit);
    }
    if (acc.section[expert] === pass.section) {
      throw new ImportError(
        `${at}: a second row for layer ${layer}, expert ${expert}` +
          (selection ? ` within ${clip(selection, 80)}` : '') +
          ' (one dump has one row per pair; to add up dumps of several ranks, concatenate the files with their ' +
          'header lines, e.g. cat expert_distribution_rank*.csv' +
          (filters.length === 0 ? ', or add a column that tells runs apart' : '') +
          ')',
      );
    }
    acc.section[expert] = pass.section;
    const sum = acc.counts[expert] + count;
    if (sum > MAX_COUNT) {
      throw new ImportError(
        `${at}: the counts of layer ${layer}, expert ${expert} add up to more than ${MAX_COUNT}`,
      );
    }
    acc.counts[expert] = sum;
  }
  if (selectedRows === 0) {
    const list = [...combos.values()].map((c) => c.join('/')).join(', ');
    throw new ImportError(`${name}: no rows for ${clip(selection, 80)} (present: ${clip(list, 120)})`);
  }
  const experts = opts.experts ?? maxExpert + 1;
  const allIds = [...perLayer.keys()].sort((a, b) => a - b);
  if (allIds.length * experts > MAX_COUNT_CELLS) throw tooManyCells(name, '', allIds.length, experts, false);
  const allCounts = allIds.map((l) => {
    const row = new Float64Array(experts);
    const acc = perLayer.get(l) as LayerCounts;
    row.set(acc.counts.subarray(0, experts));
    return row;
  });
  const { layerIds, counts } = withoutZeroLayers(name, allIds, allCounts, notes, selection);
  if (sections > 1) {
    notes.push(
      `The file holds ${sections} dumps one after another (the header line repeats, e.g. one file per rank); ` +
        'their counts were added up.',
    );
  }
  return {
    format: 'count-table',
    name,
    columns: header,
    filters,
    combinations: [...combos.values()],
    rows,
    selectedRows,
    experts,
    layerIds,
    counts,
    firstRows,
    notes,
  };
}

/** Drops layers whose counts are all zero (with a note); refuses a table where every count is zero. */
function withoutZeroLayers(
  name: string,
  layerIds: number[],
  counts: Float64Array[],
  notes: string[],
  selection = '',
): { layerIds: number[]; counts: Float64Array[] } {
  const zero = zeroRows(counts);
  if (zero.length === 0) return { layerIds, counts };
  if (zero.length === counts.length)
    throw new ImportError(`${name}: ${ALL_ZERO_COUNTS}${selection ? ` (${clip(selection, 80)})` : ''}`);
  notes.push(zeroLayersNote(zero.map((l) => layerIds[l])));
  const drop = new Set(zero);
  return {
    layerIds: layerIds.filter((_, l) => !drop.has(l)),
    counts: counts.filter((_, l) => !drop.has(l)),
  };
}

// ---- (b) per-token choices ---------------------------------------------------------------------------------------

interface ChoiceEntry {
  token: number;
  layer: number;
  experts: number[];
  weights?: number[];
  /** Where it came from, for errors: "line 5" or "entry 3". */
  at: string;
}

function splitList(raw: string): string[] {
  return raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(/[\s;,]+/)
    .filter((v) => v !== '');
}

function choicesFromCsv(name: string, header: string[], rows: CsvRow[]): ChoiceEntry[] {
  const ti = findColumn(header, TOKEN_COLUMNS);
  const li = findColumn(header, LAYER_COLUMNS);
  const xi = findColumn(header, IDS_COLUMNS);
  const wi = findColumn(header, WEIGHT_COLUMNS);
  const missing = [ti < 0 && 'token', li < 0 && 'layer', xi < 0 && 'expert_ids'].filter(Boolean);
  if (missing.length) {
    throw new ImportError(
      `${name}: expert choices need columns token, layer and expert_ids (weights optional); missing ` +
        `${missing.join(', ')} (header: ${clip(header.join(','), 80)})`,
    );
  }
  return rows.map((row) => {
    if (row.fields.length !== header.length) {
      throw new ImportError(
        `${name} line ${row.line}: ${row.fields.length} fields, but the header has ${header.length} columns` +
          ' (separate expert ids with spaces or semicolons, or quote the field)',
      );
    }
    const at = `line ${row.line}`;
    const experts = splitList(row.fields[xi]).map((v) => {
      if (!/^[+-]?\d+$/.test(v)) {
        throw new ImportError(
          `${name} ${at}: expert id "${clip(v)}" is not ${NUMBER.test(v) ? 'a whole number' : 'a number'}`,
        );
      }
      return Number(v);
    });
    const entry: ChoiceEntry = {
      token: intFromText(name, row.line, row.fields[ti] ?? '', header[ti]),
      layer: intFromText(name, row.line, row.fields[li] ?? '', header[li]),
      experts,
      at,
    };
    if (wi >= 0 && row.fields[wi].trim() !== '') {
      entry.weights = splitList(row.fields[wi]).map((v) => {
        if (!NUMBER.test(v)) throw new ImportError(`${name} ${at}: weight "${clip(v)}" is not a number`);
        const w = Number(v);
        if (!Number.isFinite(Math.fround(w)))
          throw new ImportError(`${name} ${at}: weight ${clip(v)} is not a finite number${finiteHint(w)}`);
        return w;
      });
    }
    return entry;
  });
}

/** The first key of `o` among the aliases (case-insensitive), or undefined. */
function pick(o: Record<string, unknown>, aliases: readonly string[]): string | undefined {
  const keys = Object.keys(o);
  for (const a of aliases) {
    const k = keys.find((key) => key.toLowerCase() === a);
    if (k !== undefined) return k;
  }
  return undefined;
}

const JSON_TOKEN_KEYS = TOKEN_COLUMNS;
const JSON_LAYER_KEYS = LAYER_COLUMNS;
const JSON_IDS_KEYS = IDS_COLUMNS;
const JSON_WEIGHT_KEYS = WEIGHT_COLUMNS;
/** Keys under which a JSON object may hold the list of choice records. */
const JSON_LIST_KEYS = ['choices', 'records', 'tokens', 'data', 'routing', 'trace'] as const;

/**
 * Per-token choices from JSON: an array of records `{token, layer, experts, weights?}` (key aliases as the CSV
 * columns: token_id, layer_id, expert_ids, topk_ids, topk_weights, …), the same array under a key of an object
 * (`{"choices": [...]}`), JSON Lines (one record per line), or one object of columns `{"topk_ids": [[..], ..]}`
 * ([tokens][k], or [tokens][layers][k]) with optional `topk_weights` of the same shape and an optional `layer`.
 * Numbers written as strings ("3") are read as numbers.
 */
function choicesFromJson(name: string, text: string): ChoiceEntry[] {
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(text);
  } catch (err) {
    if (err instanceof RangeError)
      throw new ImportError(`${name}: the JSON is ${printable(err.message, 120)}`);
    // JSON Lines: one object per line.
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'))) {
      parsed = lines.map((l, i) => {
        try {
          return parseJsonSafely(l);
        } catch (lineErr) {
          throw new ImportError(`${name} line ${i + 1}: not valid JSON (${jsonError(lineErr)})`);
        }
      });
    } else throw new ImportError(`${name}: not valid JSON (${jsonError(err)})`);
  }
  const expected =
    'expected a JSON array of {token, layer, experts, weights?} objects, or an object with topk_ids [tokens][k]';
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    const listKey = pick(o, JSON_LIST_KEYS);
    if (listKey !== undefined && Array.isArray(o[listKey])) parsed = o[listKey];
    else if (pick(o, JSON_IDS_KEYS) !== undefined && pick(o, JSON_TOKEN_KEYS) === undefined)
      return choicesFromJsonColumns(name, o);
    else parsed = [o];
  }
  if (!Array.isArray(parsed)) throw new ImportError(`${name}: ${expected}`);
  if (parsed.length === 0) throw new ImportError(`${name}: the JSON array is empty`);
  return parsed.map((item: unknown, i) => {
    const at = `entry ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new ImportError(`${name} ${at}: not an object (${expected})`);
    const o = item as Record<string, unknown>;
    const tk = pick(o, JSON_TOKEN_KEYS);
    const lk = pick(o, JSON_LAYER_KEYS);
    const xk = pick(o, JSON_IDS_KEYS);
    const wk = pick(o, JSON_WEIGHT_KEYS);
    const missing = [tk === undefined && 'token', lk === undefined && 'layer', xk === undefined && 'experts'];
    const first = missing.find(Boolean);
    if (first) {
      throw new ImportError(
        `${name} ${at}: missing "${first}" (keys: ${clip(Object.keys(o).join(', '), 60)}; expected token, layer, experts)`,
      );
    }
    const token = jsonInt(name, at, 'token', o[tk as string]);
    const layer = jsonInt(name, at, 'layer', o[lk as string]);
    const rawIds = o[xk as string];
    if (!Array.isArray(rawIds)) throw new ImportError(`${name} ${at}: ${xk} is not an array`);
    const experts = rawIds.map((v: unknown) => jsonInt(name, at, 'expert id', v, true));
    const entry: ChoiceEntry = { token, layer, experts, at };
    const rawW = wk === undefined ? undefined : o[wk];
    if (rawW !== undefined && rawW !== null) {
      if (!Array.isArray(rawW)) throw new ImportError(`${name} ${at}: ${wk} is not an array`);
      entry.weights = rawW.map((v: unknown) => jsonNumber(name, at, 'weight', v));
    }
    return entry;
  });
}

/** A whole number from JSON (a number, or a string of digits); `signed` lets negative ids through to checkRowIds. */
/** A JSON.parse error in one line (V8 quotes the text, line breaks included). */
function jsonError(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err), 120);
}

/** A JSON value for a message: short, one line. */
function jsonShown(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return clip(typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));
}

/**
 * A whole number from JSON (a number, or a string of digits). Token and layer ids follow the one rule for counts
 * (countProblem); `signed` lets negative expert ids through to checkRowIds, which says why they cannot be replayed.
 */
function jsonInt(name: string, at: string, what: string, v: unknown, signed = false): number {
  const n = typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number')
    throw new ImportError(
      `${name} ${at}: ${what} ${jsonShown(v)} is not a whole number${signed ? '' : ' ≥ 0'}`,
    );
  if (signed) {
    if (!Number.isSafeInteger(n))
      throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} is not a whole number`);
    return n;
  }
  const why = countProblem(n);
  if (why) throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} ${why}`);
  return n;
}

/** A weight from JSON or CSV: a number that float32 holds as a finite value. */
function jsonNumber(name: string, at: string, what: string, v: unknown): number {
  const n = typeof v === 'string' && NUMBER.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(Math.fround(n)))
    throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} is not a finite number${finiteHint(n)}`);
  return n;
}

/** Why a number that is finite in float64 is refused: float32 (what the GPU reads) cannot hold it. */
const finiteHint = (n: unknown) =>
  typeof n === 'number' && Number.isFinite(n) ? ' (float32 holds at most ±3.4e38)' : '';

/** `{"topk_ids": [[..]] or [[[..]]], "topk_weights"?: same shape, "layer"?: n}` → records. */
function choicesFromJsonColumns(name: string, o: Record<string, unknown>): ChoiceEntry[] {
  const xk = pick(o, JSON_IDS_KEYS) as string;
  const wk = pick(o, JSON_WEIGHT_KEYS);
  const lk = pick(o, JSON_LAYER_KEYS);
  const ids = o[xk];
  const weights = wk === undefined ? undefined : o[wk];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(Array.isArray))
    throw new ImportError(`${name}: ${xk} must be an array of [k] (or [layers][k]) arrays, one per token`);
  if (weights !== undefined && weights !== null && (!Array.isArray(weights) || weights.length !== ids.length))
    throw new ImportError(`${name}: ${wk} must be an array with one entry per token, like ${xk}`);
  const perLayer = (ids[0] as unknown[]).every(Array.isArray);
  const baseLayer = lk === undefined || perLayer ? 0 : jsonInt(name, lk, 'layer', o[lk]);
  const out: ChoiceEntry[] = [];
  ids.forEach((row: unknown, t: number) => {
    const rows = (perLayer ? row : [row]) as unknown[];
    if (!Array.isArray(rows)) throw new ImportError(`${name}: ${xk}[${t}] is not an array`);
    rows.forEach((r, l) => {
      const at = perLayer ? `${xk}[${t}][${l}]` : `${xk}[${t}]`;
      if (!Array.isArray(r)) throw new ImportError(`${name} ${at}: not an array of expert ids`);
      const entry: ChoiceEntry = {
        token: t,
        layer: baseLayer + l,
        experts: r.map((v: unknown) => jsonInt(name, at, 'expert id', v, true)),
        at,
      };
      if (Array.isArray(weights)) {
        const wr = perLayer ? (weights[t] as unknown[] | undefined)?.[l] : weights[t];
        if (!Array.isArray(wr)) throw new ImportError(`${name} ${wk}[${t}]: not an array of weights`);
        entry.weights = wr.map((v: unknown) => jsonNumber(name, at, 'weight', v));
      }
      out.push(entry);
    });
  });
  return out;
}

function checkRowIds(name: string, where: string, ids: ArrayLike<number>, experts: number | undefined): void {
  for (let j = 0; j < ids.length; j++) {
    const e = ids[j];
    if (e < 0) {
      throw new ImportError(
        `${name} ${where}: expert id ${e} is negative (ids count from 0; every token needs k real experts, ` +
          'so padding such as -1 for dropped slots cannot be replayed)',
      );
    }
    if (experts !== undefined && e >= experts) {
      throw new ImportError(
        `${name} ${where}: expert id ${e} is outside 0–${experts - 1} (the model has ${experts} experts)`,
      );
    }
    if (e >= MAX_EXPERTS)
      throw new ImportError(`${name} ${where}: expert id ${e} is too large (at most ${MAX_EXPERTS - 1})`);
    for (let i = 0; i < j; i++) {
      if (ids[i] === e) throw new ImportError(`${name} ${where}: expert ${e} is chosen twice by one token`);
    }
  }
}

function assembleChoices(
  name: string,
  source: 'csv' | 'json',
  entries: ChoiceEntry[],
  opts: ImportOptions,
): TokenChoices {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  if (entries.length === 0) throw new ImportError(`${name}: no expert choices in the file`);
  const k = entries[0].experts.length;
  if (k === 0) throw new ImportError(`${name} ${entries[0].at}: no expert ids`);
  if (k > MAX_TOP_K) {
    throw new ImportError(
      `${name} ${entries[0].at}: ${k} expert ids per token; a model routes at most ${MAX_TOP_K} (top-k)`,
    );
  }
  const withWeights = entries[0].weights !== undefined;
  let maxExpert = -1;
  for (const en of entries) {
    if (en.experts.length !== k) {
      throw new ImportError(
        `${name} ${en.at}: ${en.experts.length} expert ids, but the first row has ${k} (every token needs the same k)`,
      );
    }
    if ((en.weights !== undefined) !== withWeights)
      throw new ImportError(`${name} ${en.at}: weights must be given for every row or for none`);
    if (en.weights && en.weights.length !== k)
      throw new ImportError(`${name} ${en.at}: ${en.weights.length} weights for ${k} expert ids`);
    if (en.weights?.some((w) => w < 0)) throw new ImportError(`${name} ${en.at}: a weight is negative`);
    checkRowIds(name, en.at, en.experts, opts.experts);
    const layerWhy = layerIdProblem(en.layer, opts.layers);
    if (layerWhy) throw new ImportError(`${name} ${en.at}: ${layerWhy}`);
    for (const e of en.experts) maxExpert = Math.max(maxExpert, e);
  }
  const tokenIds = [...new Set(entries.map((e) => e.token))].sort((a, b) => a - b);
  const layerIds = [...new Set(entries.map((e) => e.layer))].sort((a, b) => a - b);
  const T = tokenIds.length;
  const L = layerIds.length;
  const tIndex = new Map(tokenIds.map((t, i) => [t, i]));
  const lIndex = new Map(layerIds.map((l, i) => [l, i]));
  const twice = (en: ChoiceEntry) =>
    new ImportError(`${name} ${en.at}: token ${en.token}, layer ${en.layer} appears a second time`);
  const hole = (t: number, l: number) =>
    new ImportError(
      `${name}: token ${tokenIds[t]} has no row for layer ${layerIds[l]} (every token needs a row in every layer)`,
    );
  if (T * L > entries.length) {
    // Some (token, layer) has no row. Found without the T × L grid, which a sparse file would make huge.
    const seen = new Set<number>();
    const perToken = new Int32Array(T);
    for (const en of entries) {
      const t = tIndex.get(en.token) as number;
      const cell = t * L + (lIndex.get(en.layer) as number);
      if (seen.has(cell)) throw twice(en);
      seen.add(cell);
      perToken[t]++;
    }
    const t = perToken.findIndex((n) => n < L);
    throw hole(
      t,
      layerIds.findIndex((_, l) => !seen.has(t * L + l)),
    );
  }
  const ids = new Int32Array(T * L * k);
  const weights = withWeights ? new Float32Array(T * L * k) : undefined;
  const filled = new Uint8Array(T * L);
  for (const en of entries) {
    const cell = (tIndex.get(en.token) as number) * L + (lIndex.get(en.layer) as number);
    if (filled[cell]) throw twice(en);
    filled[cell] = 1;
    ids.set(en.experts, cell * k);
    if (weights && en.weights) weights.set(en.weights, cell * k);
  }
  const empty = filled.indexOf(0);
  if (empty >= 0) throw hole(Math.floor(empty / L), empty % L);
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  const out: TokenChoices = {
    format: 'token-choices',
    name,
    source,
    tokens: T,
    layers: L,
    topK: k,
    experts,
    layerIds,
    tokenIds,
    ids,
  };
  if (weights) out.weights = weights;
  return out;
}

// ---- .npy: integer traces and router logits ------------------------------------------------------------------

/** Model layer ids of the array's L layers: given (one per array layer), or 0, 1, …; each below opts.layers. */
function npyLayerIds(name: string, layers: number, opts: ImportOptions): number[] {
  checkLayers(name, opts.layers);
  const given = opts.layerIds;
  if (!given) {
    if (opts.layers !== undefined && layers > opts.layers) {
      throw new ImportError(
        `${name}: the array has ${layers} layers but the model has ${opts.layers}; ` +
          'pass the layer id of each array layer when the array holds a subset',
      );
    }
    return Array.from({ length: layers }, (_, l) => l);
  }
  if (given.length !== layers)
    throw new ImportError(`${name}: ${given.length} layer ids given for ${layers} layers in the array`);
  const seen = new Map<number, number>();
  given.forEach((id, l) => {
    const why = countProblem(id) ?? layerIdProblem(id, opts.layers);
    if (why)
      throw new ImportError(`${name}: array layer ${l}: layer id ${id} ${why.replace(/^layer id \S+ /, '')}`);
    const before = seen.get(id);
    if (before !== undefined)
      throw new ImportError(
        `${name}: layer id ${id} is given for array layers ${before} and ${l}; each layer once`,
      );
    seen.set(id, l);
  });
  return given;
}

/** Largest k a model can have (the scenario's topK range): a wider integer array cannot hold top-k ids. */
const MAX_TOP_K = 64;

/**
 * Whether an .npy holds counts [E] or [L, E] rather than top-k ids or logits: an integer array (or any, when the
 * count-table format is asked for) that is 1-D, or 2-D and cannot be top-k ids (wider than any k, or a row that
 * repeats an id). Throws when counts are asked for and the shape cannot hold them.
 */
function npyHoldsCounts(name: string, a: NpyArray, asked: boolean): boolean {
  if (!asked && a.dtype === 'float32') return false;
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    if (asked)
      throw new ImportError(
        `${name}: counts must have shape [experts] or [layers, experts], not [${a.shape.join(', ')}]`,
      );
    return false;
  }
  if (asked || a.shape.length === 1) return true;
  const [L, E] = a.shape;
  if (E > MAX_TOP_K) return true;
  for (let l = 0; l < L; l++) {
    const row = a.data.subarray(l * E, (l + 1) * E);
    if (new Set(row).size !== row.length) return true;
  }
  return false;
}

/**
 * Counts [E] or [L, E] from a .npy, under the same rules as a CSV table: every count a non-negative whole number
 * (countProblem), layers within opts.layers, all-zero layers dropped with a note, an all-zero table refused.
 */
function npyCounts(name: string, a: NpyArray, opts: ImportOptions): CountTable {
  const asked = opts.format === 'count-table';
  const [L, E] = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  if (L === 0 || E === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
  checkExperts(name, opts.experts);
  if (opts.experts !== undefined && E !== opts.experts)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer but the model has ${opts.experts}`,
    );
  if (E > MAX_EXPERTS)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer; at most ${MAX_EXPERTS} are accepted`,
    );
  const allIds = npyLayerIds(name, L, opts);
  const bad = countTableProblem(a.data, E, allIds);
  if (bad) throw new ImportError(`${name}: ${bad}`);
  const allCounts: Float64Array[] = [];
  for (let l = 0; l < L; l++) allCounts.push(Float64Array.from(a.data.subarray(l * E, (l + 1) * E)));
  const notes = [
    ...(a.notes ?? []).map(sentence),
    ...(asked
      ? []
      : [`Read as counts [${a.shape.length === 1 ? 'experts' : 'layers, experts'}] (not top-k ids).`]),
  ];
  const { layerIds, counts } = withoutZeroLayers(name, allIds, allCounts, notes);
  return {
    format: 'count-table',
    name,
    columns: ['layer', 'expert', 'count'],
    filters: [],
    combinations: [[]],
    rows: L * E,
    selectedRows: L * E,
    experts: E,
    layerIds,
    counts,
    firstRows: Array.from({ length: Math.min(PREVIEW_ROWS, E) }, (_, e) => [
      String(layerIds[0]),
      String(e),
      String(counts[0][e]),
    ]),
    notes,
  };
}

/** "converted float64 to float32" → "Converted float64 to float32." */
const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

function fromNpy(name: string, a: NpyArray, opts: ImportOptions): ImportedData {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  if (npyHoldsCounts(name, a, opts.format === 'count-table')) return npyCounts(name, a, opts);
  const notes = (a.notes ?? []).map(sentence);
  if (a.dtype === 'float32') {
    if (a.shape.length !== 2 && a.shape.length !== 3) {
      throw new ImportError(
        `${name}: router logits must have shape [tokens, experts] or [layers, tokens, experts], not [${a.shape.join(', ')}]`,
      );
    }
    const [L, T, E] =
      a.shape.length === 2 ? [1, a.shape[0], a.shape[1]] : (a.shape as [number, number, number]);
    if (T === 0 || E === 0 || L === 0)
      throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
    if (opts.experts !== undefined && E !== opts.experts) {
      throw new ImportError(
        `${name}: the logits have ${E} experts per token but the model has ${opts.experts}`,
      );
    }
    if (E > MAX_EXPERTS)
      throw new ImportError(
        `${name}: the logits have ${E} experts per token; at most ${MAX_EXPERTS} are accepted`,
      );
    const i = firstNonFinite(a.data);
    if (i >= 0) {
      throw new ImportError(
        `${name}: logit ${a.data[i]} at layer ${Math.floor(i / (T * E))}, token ${Math.floor(i / E) % T}, ` +
          `expert ${i % E} is not finite (index ${indexOf(i, a.shape)}); every logit must be a finite number`,
      );
    }
    const layerIds = npyLayerIds(name, L, opts);
    const logits = Array.from({ length: L }, (_, l) => a.data.slice(l * T * E, (l + 1) * T * E));
    return { format: 'router-logits', name, tokens: T, layers: L, experts: E, layerIds, logits, notes };
  }
  let trace: ReturnType<typeof routingTraceFromNpy>;
  try {
    trace = routingTraceFromNpy(a, name);
  } catch (err) {
    throw new ImportError(printable((err as Error).message, 200));
  }
  const { tokens: T, layers: L, topK: k } = trace;
  if (T === 0 || L === 0 || k === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
  if (k > MAX_TOP_K) {
    throw new ImportError(
      `${name}: ${k} expert ids per token (shape [${a.shape.join(', ')}]); a model routes at most ${MAX_TOP_K} (top-k)`,
    );
  }
  const layerIds = npyLayerIds(name, L, opts);
  const ids = Int32Array.from(trace.ids);
  let maxExpert = -1;
  for (let cell = 0; cell < T * L; cell++) {
    const row = ids.subarray(cell * k, (cell + 1) * k);
    checkRowIds(name, `token ${Math.floor(cell / L)}, layer ${cell % L}`, row, opts.experts);
    for (const e of row) maxExpert = Math.max(maxExpert, e);
  }
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  return {
    format: 'token-choices',
    name,
    source: 'npy',
    tokens: T,
    layers: L,
    topK: k,
    experts,
    layerIds,
    tokenIds: Array.from({ length: T }, (_, t) => t),
    ids,
    notes,
  };
}

// ---- entry points ---------------------------------------------------------------------------------------------

/** Which kind of file this is, from its bytes (and, for text, its header or first character). */
export function detectImportFormat(name: string, input: Uint8Array | string): ImportFormat {
  if (isNpy(input)) {
    const a = readNpy(input as Uint8Array, name);
    if (a.dtype === 'float32') return 'router-logits';
    return npyHoldsCounts(name, a, false) ? 'count-table' : 'token-choices';
  }
  checkBinary(name, input);
  const text = toText(input).trimStart();
  if (text.startsWith('[') || text.startsWith('{')) return 'token-choices';
  const headerText = headerLineOf(text);
  if (headerText.length > MAX_CSV_HEADER_CHARS) {
    throw new ImportError(
      `${name}: the header line is ${headerText.length} characters; at most ${MAX_CSV_HEADER_CHARS} are accepted`,
    );
  }
  const header = headerText.split(separatorOf(headerText)).map((h) => h.trim().replace(/^"|"$/g, ''));
  if (findColumn(header, IDS_COLUMNS) >= 0) return 'token-choices';
  if (findColumn(header, COUNT_COLUMNS) >= 0) return 'count-table';
  // A table with layer and expert columns but no count column: let the count-table parser name what is missing.
  if (findColumn(header, LAYER_COLUMNS) >= 0 && findColumn(header, EXPERT_COLUMNS) >= 0) return 'count-table';
  throw new ImportError(
    `${name}: not a recognised routing file: expected a .npy array, JSON choices, or a CSV whose header has ` +
      `layer_id,expert_id,count (counts) or token,layer,expert_ids (choices); the header is "${clip(headerText, 80)}"`,
  );
}

/** Parses an imported routing file. Throws ImportError or NpyError with one line. */
export function parseImport(
  name: string,
  input: Uint8Array | string,
  opts: ImportOptions = {},
): ImportedData {
  checkSize(name, input, opts.maxBytes ?? MAX_IMPORT_BYTES);
  if (isNpy(input)) {
    const data = fromNpy(name, readNpy(input as Uint8Array, name), opts);
    const format = opts.format ?? data.format;
    if (data.format !== format) {
      throw new ImportError(
        `${name}: this .npy holds ${IMPORT_FORMAT_LABELS[data.format]}, not ${IMPORT_FORMAT_LABELS[format]}`,
      );
    }
    return data;
  }
  checkBinary(name, input);
  const text = toText(input);
  if (text.trim() === '') throw new ImportError(`${name}: the file is empty`);
  const format = opts.format ?? detectImportFormat(name, text);
  if (format === 'router-logits') throw new ImportError(`${name}: router logits must be a float32 .npy file`);
  const trimmed = text.trimStart();
  if (format === 'token-choices' && (trimmed.startsWith('[') || trimmed.startsWith('{')))
    return assembleChoices(name, 'json', choicesFromJson(name, text), opts);
  if (format === 'count-table') return parseCountTable(name, openCsv(name, text), opts);
  const { header, rows } = parseCsv(name, text);
  return assembleChoices(name, 'csv', choicesFromCsv(name, header, rows), opts);
}

/** Counts per expert for layer index l (0-based position in layerIds) of choices, over tokens [from, to). */
export function choiceCounts(c: TokenChoices, l: number, from = 0, to = c.tokens): Int32Array {
  if (!(l >= 0 && l < c.layers))
    throw new Error(`layer index ${l} is outside the ${c.layers} imported layers`);
  const counts = new Int32Array(c.experts);
  const k = c.topK;
  for (let t = Math.max(0, from); t < Math.min(to, c.tokens); t++) {
    const at = (t * c.layers + l) * k;
    for (let j = 0; j < k; j++) counts[c.ids[at + j]]++;
  }
  return counts;
}

/** Counts per layer of any import that has them without running a gate (count tables and choices). */
export function importedCounts(data: CountTable | TokenChoices): {
  layerIds: number[];
  counts: ArrayLike<number>[];
} {
  if (data.format === 'count-table') return { layerIds: data.layerIds, counts: data.counts };
  return { layerIds: data.layerIds, counts: data.layerIds.map((_, l) => choiceCounts(data, l)) };
}

/**
 * The layer config a replay of recorded choices runs with: the base config's dispatch settings (capacity, drop
 * policy, padding block, FFN sizes) with routing fixed so the gate reproduces the choices exactly: softmax scores,
 * no selection bias, no expert groups, token-choice, k and E from the recording, `tokens` per step.
 */
export function replayConfig(base: LayerConfig, c: TokenChoices, tokens: number): LayerConfig {
  return {
    ...base,
    tokens,
    experts: c.experts,
    topK: c.topK,
    scoreFn: 'softmax',
    useBias: false,
    groups: 1,
    topGroups: 1,
    routingMode: 'token-choice',
    // Recorded weights are router probabilities; renormalise them as the base model does. Without weights
    // every chosen expert weighs about 1/k.
    renormalize: c.weights ? base.renormalize : true,
  };
}

/**
 * Router logits [to − from, E] that make the gate (softmax, no bias, no groups) pick exactly the recorded experts
 * of layer index l for tokens [from, to):
 * - without weights: slot j's expert gets logit −j·REPLAY_RANK_STEP (top-k order = recorded slot order; scores
 *   about 1/k each), every other expert −REPLAY_FLOOR (score exactly 0 in f32);
 * - with weights w_j (router probabilities): logit ln w_j, and the probability the other experts held, r = 1 − Σw,
 *   spread evenly over them (logit ln(r/(E−k))) when that stays below every chosen weight, so softmax gives back
 *   w_j itself; otherwise (r ≤ 0, or weights that are not probabilities) the others get −REPLAY_FLOOR and the
 *   scores are w_j/Σw. A zero weight gets ln of the smallest positive f32 (still above −REPLAY_FLOOR).
 * Slots come out in score order (recorded ties toward the lower expert index); the set per token is exact.
 */
export function replayLogits(c: TokenChoices, l: number, from = 0, to = c.tokens): Float32Array {
  if (!(l >= 0 && l < c.layers))
    throw new Error(`layer index ${l} is outside the ${c.layers} imported layers`);
  const E = c.experts;
  const k = c.topK;
  const lo = Math.max(0, from);
  const hi = Math.min(to, c.tokens);
  const T = Math.max(0, hi - lo);
  const logits = new Float32Array(T * E).fill(-REPLAY_FLOOR);
  const tiny = Math.log(1.4e-45);
  for (let t = 0; t < T; t++) {
    const at = ((lo + t) * c.layers + l) * k;
    const row = t * E;
    if (!c.weights) {
      for (let j = 0; j < k; j++) logits[row + c.ids[at + j]] = -j * REPLAY_RANK_STEP;
      continue;
    }
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const w = c.weights[at + j];
      sum += w;
      min = Math.min(min, w);
    }
    const rest = E > k ? (1 - sum) / (E - k) : 0;
    if (rest > 0 && rest < min * (1 - 1e-6)) logits.fill(Math.log(rest), row, row + E);
    for (let j = 0; j < k; j++) {
      const w = c.weights[at + j];
      logits[row + c.ids[at + j]] = w > 0 ? Math.log(w) : tiny;
    }
  }
  return logits;
}

// ---- preview --------------------------------------------------------------------------------------------------

export interface LayerLoadSummary {
  layerId: number;
  /** Σ c_e (token-slot assignments). */
  total: number;
  max: number;
  mean: number;
  maxOverMean: number;
}

export interface ImportSummary {
  format: ImportFormat;
  formatLabel: string;
  name: string;
  bytes: number;
  layers: number;
  layerIds: number[];
  experts: number;
  /** Tokens per layer (count tables: Σ counts / k when k is known, else null). */
  tokens: number | null;
  topK: number | null;
  /** Column names (or field names) and the first rows, as text. */
  header: string[];
  firstRows: string[][];
  /** Load per layer: for logits, from plain top-k of the logits (k = options.topK, default 1). */
  perLayer: LayerLoadSummary[];
  filters: FilterColumn[];
  notes: string[];
}

export type ImportPreview =
  | { ok: true; data: ImportedData; summary: ImportSummary }
  | { ok: false; error: string };

function loadSummary(layerId: number, counts: ArrayLike<number>): LayerLoadSummary {
  let total = 0;
  let max = 0;
  for (let e = 0; e < counts.length; e++) {
    total += counts[e];
    max = Math.max(max, counts[e]);
  }
  const mean = counts.length ? total / counts.length : 0;
  return { layerId, total, max, mean, maxOverMean: mean > 0 ? max / mean : 1 };
}

/** Plain top-k of logits (ties toward the lower index) counted per expert: softmax and sigmoid keep the order. */
function logitCounts(logits: Float32Array, T: number, E: number, k: number): Int32Array {
  const counts = new Int32Array(E);
  const kk = Math.max(1, Math.min(k, E));
  const idx = new Int32Array(kk);
  for (let t = 0; t < T; t++) {
    let found = 0;
    for (let e = 0; e < E; e++) {
      const v = logits[t * E + e];
      if (found === kk && !(v > logits[t * E + idx[kk - 1]])) continue;
      let p = found < kk ? found : kk - 1;
      while (p > 0 && v > logits[t * E + idx[p - 1]]) {
        idx[p] = idx[p - 1];
        p--;
      }
      idx[p] = e;
      if (found < kk) found++;
    }
    for (let j = 0; j < kk; j++) counts[idx[j]]++;
  }
  return counts;
}

/** Summary of a parsed import for the UI to show before it is used. */
export function summarizeImport(data: ImportedData, bytes: number, opts: ImportOptions = {}): ImportSummary {
  const notes: string[] = [...(data.notes ?? [])];
  const base = {
    format: data.format,
    formatLabel: IMPORT_FORMAT_LABELS[data.format],
    name: data.name,
    bytes,
    layerIds: data.layerIds,
    experts: data.experts,
  };
  if (data.format === 'count-table') {
    const perLayer = data.layerIds.map((l, i) => loadSummary(l, data.counts[i]));
    const k = opts.topK ?? null;
    const totals = new Set(perLayer.map((p) => p.total));
    if (totals.size > 1) notes.push('Layers have different totals (a partial dump, or dropped tokens).');
    if (data.filters.length) {
      notes.push(
        `Selected ${data.filters.map((f) => `${f.name} = ${f.selected}`).join(', ')} ` +
          `(${data.selectedRows} of ${data.rows} rows).`,
      );
    }
    return {
      ...base,
      layers: data.layerIds.length,
      tokens: k && perLayer.length ? perLayer[0].total / k : null,
      topK: k,
      header: data.columns,
      firstRows: data.firstRows,
      perLayer,
      filters: data.filters,
      notes,
    };
  }
  if (data.format === 'token-choices') {
    const perLayer = data.layerIds.map((l, i) => loadSummary(l, choiceCounts(data, i)));
    const firstRows: string[][] = [];
    for (let t = 0; t < Math.min(PREVIEW_ROWS, data.tokens); t++) {
      const at = t * data.layers * data.topK;
      const row = [
        String(data.tokenIds[t]),
        String(data.layerIds[0]),
        Array.from(data.ids.subarray(at, at + data.topK)).join(' '),
      ];
      if (data.weights)
        row.push(Array.from(data.weights.subarray(at, at + data.topK), (w) => w.toPrecision(3)).join(' '));
      firstRows.push(row);
    }
    notes.push(
      'Replayed through dispatch, expert FFN and combine with logits that make the gate pick exactly these experts.',
    );
    return {
      ...base,
      layers: data.layers,
      tokens: data.tokens,
      topK: data.topK,
      header: data.weights ? ['token', 'layer', 'expert_ids', 'weights'] : ['token', 'layer', 'expert_ids'],
      firstRows,
      perLayer,
      filters: [],
      notes,
    };
  }
  const k = opts.topK ?? 1;
  const perLayer = data.logits.map((lg, l) =>
    loadSummary(data.layerIds[l], logitCounts(lg, data.tokens, data.experts, k)),
  );
  notes.push(
    `Load previewed with plain top-${k} of the logits; a run applies the scenario's gate (bias, groups, capacity).`,
  );
  const shown = Math.min(data.experts, 8);
  const firstRows: string[][] = [];
  for (let t = 0; t < Math.min(PREVIEW_ROWS, data.tokens); t++) {
    firstRows.push([
      String(t),
      ...Array.from(data.logits[0].subarray(t * data.experts, t * data.experts + shown), (v) => v.toFixed(3)),
    ]);
  }
  return {
    ...base,
    layers: data.layers,
    tokens: data.tokens,
    topK: null,
    header: [
      'token',
      ...Array.from({ length: shown }, (_, e) => `e${e}`),
      ...(data.experts > shown ? ['…'] : []),
    ],
    firstRows,
    perLayer,
    filters: [],
    notes,
  };
}

/** Parse and summarise in one call, never throwing: what the import dialog shows before the data is used. */
export function previewImport(
  name: string,
  input: Uint8Array | string,
  opts: ImportOptions = {},
): ImportPreview {
  try {
    const data = parseImport(name, input, opts);
    return { ok: true, data, summary: summarizeImport(data, sizeOf(input), opts) };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, error: err.message };
    return { ok: false, error: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
