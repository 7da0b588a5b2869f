import type { LayerConfig } from './layer';
import { type NpyArray, NpyError, readNpy } from './npy';
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

export class ImportError extends Error {
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

interface CsvRow {
  line: number;
  fields: string[];
  /** 0, then +1 after each line that repeats the header (files concatenated with their headers, e.g. one per rank). */
  section: number;
}

/** The header line: the first line that is neither blank nor a '#' comment (up to MAX_CSV_HEADER_CHARS + 1). */
function headerLineOf(text: string): string {
  const re = /[^\r\n]*/g;
  for (let at = 0; at < text.length; ) {
    re.lastIndex = at;
    const line = (re.exec(text) as RegExpExecArray)[0];
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) return line;
    at += line.length + 1;
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
 * Splits CSV text into rows of fields: comma-separated (tab or semicolon when the header has those and no commas),
 * double quotes with "" escapes, LF, CRLF or CR. Blank lines and lines starting with '#' are skipped; a line that
 * repeats the header starts a new section (files concatenated with `cat`).
 */
function parseCsv(name: string, text: string): { header: string[]; rows: CsvRow[] } {
  const headerText = headerLineOf(text);
  if (headerText.length > MAX_CSV_HEADER_CHARS) {
    throw new ImportError(
      `${name}: the header line is ${headerText.length} characters; at most ${MAX_CSV_HEADER_CHARS} are accepted`,
    );
  }
  const sep = separatorOf(headerText);
  const rows: CsvRow[] = [];
  if (!text.includes('"')) {
    // No quotes (what SGLang and most tools write): split lines and fields directly.
    const lines = text.split(/\r\n|\n|\r/);
    for (let n = 0; n < lines.length; n++) {
      const lineText = lines[n];
      if (lineText.trim() === '' || lineText.trimStart().startsWith('#')) continue;
      rows.push({ line: n + 1, fields: lineText.split(sep), section: 0 });
    }
    return splitHeader(name, rows);
  }
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    field = '';
    const blank = fields.length === 1 && fields[0].trim() === '';
    if (!blank && !fields[0].trimStart().startsWith('#')) rows.push({ line: rowLine, fields, section: 0 });
    fields = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new ImportError(`${name} line ${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0) endRow();
  return splitHeader(name, rows);
}

/** The header row and the data rows after it; a data row that repeats the header starts a new section. */
function splitHeader(name: string, rows: CsvRow[]): { header: string[]; rows: CsvRow[] } {
  if (rows.length === 0) throw new ImportError(`${name}: the file has no header line`);
  const [head, ...rest] = rows;
  const header = head.fields.map((h) => h.trim());
  const headerKey = header.join('\u0000').toLowerCase();
  const lowerFirst = header[0].toLowerCase();
  const data: CsvRow[] = [];
  let section = 0;
  for (const row of rest) {
    const first = row.fields[0].trim().toLowerCase();
    if (
      first === lowerFirst &&
      row.fields
        .map((f) => f.trim())
        .join('\u0000')
        .toLowerCase() === headerKey
    )
      section++;
    else {
      row.section = section;
      data.push(row);
    }
  }
  if (data.length === 0) throw new ImportError(`${name}: the file has a header but no data rows`);
  return { header, rows: data };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A non-negative integer field (counts, ids), or a one-line error naming the line and column. */
function intField(name: string, row: CsvRow, col: number, column: string, what: string): number {
  const raw = (row.fields[col] ?? '').trim();
  const at = `${name} line ${row.line}`;
  if (raw === '') throw new ImportError(`${at}: ${column} is empty`);
  if (!NUMBER.test(raw)) throw new ImportError(`${at}: ${column} "${clip(raw)}" is not a number`);
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new ImportError(`${at}: ${column} ${raw} is not a whole number`);
  if (v < 0) throw new ImportError(`${at}: ${column} ${raw} is negative`);
  if (!Number.isSafeInteger(v)) throw new ImportError(`${at}: ${what} ${raw} is too large`);
  return v;
}

function clip(s: string, n = 24): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
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
  if (experts !== undefined && !(Number.isInteger(experts) && experts >= 1 && experts <= 65536))
    throw new ImportError(`${name}: the expert count ${experts} must be a whole number from 1 to 65536`);
}

// ---- (a) count tables -------------------------------------------------------------------------------------------

function parseCountTable(name: string, header: string[], rows: CsvRow[], opts: ImportOptions): CountTable {
  const li = findColumn(header, LAYER_COLUMNS);
  const ei = findColumn(header, EXPERT_COLUMNS);
  const ci = findColumn(header, COUNT_COLUMNS);
  const missing = [li < 0 && 'layer_id', ei < 0 && 'expert_id', ci < 0 && 'count'].filter(Boolean);
  if (missing.length) {
    throw new ImportError(
      `${name}: a count table needs columns layer_id, expert_id and count; missing ${missing.join(', ')} ` +
        `(header: ${clip(header.join(','), 80)})`,
    );
  }
  const lower = header.map((h) => h.toLowerCase());
  if (new Set(lower.filter((h) => !isIndexColumn(h))).size !== lower.filter((h) => !isIndexColumn(h)).length)
    throw new ImportError(`${name}: the header repeats a column name (${header.join(',')})`);
  const notes: string[] = [];
  // Extra columns are filters (model, dataset, run, …), except a pandas index (no name, "Unnamed: 0", "index") and
  // numeric columns after the required ones (ratio, share, count_top1: per-row data, not a run label).
  const lastRequired = Math.max(li, ei, ci);
  const extra = header.map((_, i) => i).filter((i) => i !== li && i !== ei && i !== ci);
  const numericColumn = (c: number) => rows.every((r) => NUMBER.test((r.fields[c] ?? '').trim()));
  const ignored = extra.filter((c) => isIndexColumn(lower[c]) || (c > lastRequired && numericColumn(c)));
  if (ignored.length) {
    notes.push(
      `Ignored column${ignored.length > 1 ? 's' : ''} ${ignored.map((c) => (header[c] ? `"${header[c]}"` : `${c + 1} (no name)`)).join(', ')} ` +
        '(a row index or per-row numbers, not a run label).',
    );
  }
  const filterCols = extra.filter((c) => !ignored.includes(c));
  const filters: FilterColumn[] = filterCols.map((i) => ({ name: header[i], values: [], selected: '' }));
  const seen = filterCols.map(() => new Set<string>());
  const combos = new Map<string, string[]>();
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      throw new ImportError(
        `${name} line ${row.line}: ${row.fields.length} fields, but the header has ${header.length} columns`,
      );
    }
    filterCols.forEach((c, k) => {
      const v = row.fields[c].trim();
      if (!seen[k].has(v)) {
        seen[k].add(v);
        filters[k].values.push(v);
      }
    });
    if (filterCols.length || combos.size === 0) {
      const combo = filterCols.map((c) => row.fields[c].trim());
      const key = JSON.stringify(combo);
      if (!combos.has(key)) combos.set(key, combo);
    }
  }
  const wanted = opts.filter ?? {};
  for (const key of Object.keys(wanted)) {
    if (!filters.some((f) => f.name === key)) {
      throw new ImportError(
        `${name}: no filter column "${key}"` +
          (filters.length
            ? ` (filter columns: ${filters.map((f) => f.name).join(', ')})`
            : ' (the table has none)'),
      );
    }
  }
  for (const f of filters) {
    const want = wanted[f.name];
    if (want !== undefined && !f.values.includes(want)) {
      throw new ImportError(
        `${name}: column ${f.name} has no value "${clip(want)}" (values: ${clip(f.values.join(', '), 80)})`,
      );
    }
  }
  // Columns left unselected take their values from the first combination that fits the selected ones.
  const fits = [...combos.values()].find((c) => filters.every((f, k) => (wanted[f.name] ?? c[k]) === c[k]));
  filters.forEach((f, k) => {
    f.selected = wanted[f.name] ?? fits?.[k] ?? f.values[0];
  });
  checkExperts(name, opts.experts);
  const perLayer = new Map<number, Map<number, { count: number; section: number }>>();
  let selectedRows = 0;
  let maxExpert = -1;
  for (const row of rows) {
    if (!filters.every((f, k) => row.fields[filterCols[k]].trim() === f.selected)) continue;
    selectedRows++;
    const layer = intField(name, row, li, header[li], 'layer id');
    const expert = intField(name, row, ei, header[ei], 'expert id');
    const count = intField(name, row, ci, header[ci], 'count');
    if (opts.experts !== undefined && expert >= opts.experts) {
      throw new ImportError(
        `${name} line ${row.line}: expert id ${expert} is outside 0–${opts.experts - 1} (the model has ${opts.experts} experts)`,
      );
    }
    if (expert >= 65536) throw new ImportError(`${name} line ${row.line}: expert id ${expert} is too large`);
    maxExpert = Math.max(maxExpert, expert);
    let m = perLayer.get(layer);
    if (!m) {
      m = new Map();
      perLayer.set(layer, m);
    }
    const prev = m.get(expert);
    if (prev !== undefined && prev.section === row.section) {
      const sel = filters.map((f) => `${f.name}=${f.selected}`).join(', ');
      throw new ImportError(
        `${name} line ${row.line}: a second row for layer ${layer}, expert ${expert}` +
          (sel ? ` within ${sel}` : '') +
          ' (one dump has one row per pair; to add up dumps of several ranks, concatenate the files with their ' +
          'header lines, e.g. cat expert_distribution_rank*.csv' +
          (filters.length === 0 ? ', or add a column that tells runs apart' : '') +
          ')',
      );
    }
    m.set(expert, { count: (prev?.count ?? 0) + count, section: row.section });
  }
  if (selectedRows === 0) {
    const list = [...combos.values()].map((c) => c.join('/')).join(', ');
    throw new ImportError(
      `${name}: no rows for ${filters.map((f) => `${f.name}=${f.selected}`).join(', ')} (present: ${clip(list, 120)})`,
    );
  }
  const experts = opts.experts ?? maxExpert + 1;
  const layerIds = [...perLayer.keys()].sort((a, b) => a - b);
  const counts = layerIds.map((l) => {
    const row = new Float64Array(experts);
    for (const [e, c] of perLayer.get(l) ?? []) row[e] = c.count;
    return row;
  });
  const sections = new Set(rows.map((r) => r.section)).size;
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
    rows: rows.length,
    selectedRows,
    experts,
    layerIds,
    counts,
    firstRows: rows.slice(0, PREVIEW_ROWS).map((r) => r.fields.map((f) => f.trim())),
    notes,
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
      token: intField(name, row, ti, header[ti], 'token'),
      layer: intField(name, row, li, header[li], 'layer'),
      experts,
      at,
    };
    if (wi >= 0 && row.fields[wi].trim() !== '') {
      entry.weights = splitList(row.fields[wi]).map((v) => {
        if (!NUMBER.test(v)) throw new ImportError(`${name} ${at}: weight "${clip(v)}" is not a number`);
        return Number(v);
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
    parsed = JSON.parse(text);
  } catch (err) {
    // JSON Lines: one object per line.
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'))) {
      parsed = lines.map((l, i) => {
        try {
          return JSON.parse(l);
        } catch (lineErr) {
          throw new ImportError(`${name} line ${i + 1}: not valid JSON (${(lineErr as Error).message})`);
        }
      });
    } else throw new ImportError(`${name}: not valid JSON (${(err as Error).message})`);
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
function jsonInt(name: string, at: string, what: string, v: unknown, signed = false): number {
  const n = typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || (!signed && n < 0))
    throw new ImportError(
      `${name} ${at}: ${what} ${clip(JSON.stringify(v) ?? String(v))} is not a whole number${signed ? '' : ' ≥ 0'}`,
    );
  return n;
}

function jsonNumber(name: string, at: string, what: string, v: unknown): number {
  const n = typeof v === 'string' && NUMBER.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new ImportError(
      `${name} ${at}: ${what} ${clip(JSON.stringify(v) ?? String(v))} is not a finite number`,
    );
  return n;
}

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
  const k = entries[0].experts.length;
  if (k === 0) throw new ImportError(`${name} ${entries[0].at}: no expert ids`);
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
    for (const e of en.experts) maxExpert = Math.max(maxExpert, e);
  }
  const tokenIds = [...new Set(entries.map((e) => e.token))].sort((a, b) => a - b);
  const layerIds = [...new Set(entries.map((e) => e.layer))].sort((a, b) => a - b);
  const T = tokenIds.length;
  const L = layerIds.length;
  const tIndex = new Map(tokenIds.map((t, i) => [t, i]));
  const lIndex = new Map(layerIds.map((l, i) => [l, i]));
  const ids = new Int32Array(T * L * k);
  const weights = withWeights ? new Float32Array(T * L * k) : undefined;
  const filled = new Uint8Array(T * L);
  for (const en of entries) {
    const cell = (tIndex.get(en.token) as number) * L + (lIndex.get(en.layer) as number);
    if (filled[cell]) {
      throw new ImportError(`${name} ${en.at}: token ${en.token}, layer ${en.layer} appears a second time`);
    }
    filled[cell] = 1;
    ids.set(en.experts, cell * k);
    if (weights && en.weights) weights.set(en.weights, cell * k);
  }
  const hole = filled.indexOf(0);
  if (hole >= 0) {
    throw new ImportError(
      `${name}: token ${tokenIds[Math.floor(hole / L)]} has no row for layer ${layerIds[hole % L]} ` +
        '(every token needs a row in every layer)',
    );
  }
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

function npyLayerIds(name: string, layers: number, given: number[] | undefined): number[] {
  if (!given) return Array.from({ length: layers }, (_, l) => l);
  if (given.length !== layers)
    throw new ImportError(`${name}: ${given.length} layer ids given for ${layers} layers in the array`);
  return given;
}

/** Largest k a model can have (the scenario's topK range): a wider integer array cannot hold top-k ids. */
const MAX_TOP_K = 64;

/**
 * Counts [E] or [L, E] in an integer .npy (or any .npy when the count-table format is asked for), or null when the
 * array reads as top-k ids: a 1-D integer array, or a 2-D one that cannot be top-k ids (wider than any k, or a row
 * that repeats an id), is a count table.
 */
function npyCounts(name: string, a: NpyArray, opts: ImportOptions): CountTable | null {
  const asked = opts.format === 'count-table';
  if (!asked && a.dtype === 'float32') return null;
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    if (asked)
      throw new ImportError(
        `${name}: counts must have shape [experts] or [layers, experts], not [${a.shape.join(', ')}]`,
      );
    return null;
  }
  const [L, E] = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  if (!asked && a.shape.length === 2) {
    let repeats = E > MAX_TOP_K;
    for (let l = 0; l < L && !repeats; l++) {
      const row = a.data.subarray(l * E, (l + 1) * E);
      repeats = new Set(row).size !== row.length;
    }
    if (!repeats) return null;
  }
  if (L === 0 || E === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
  checkExperts(name, opts.experts);
  if (opts.experts !== undefined && E !== opts.experts)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer but the model has ${opts.experts}`,
    );
  const counts: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const row = Float64Array.from(a.data.subarray(l * E, (l + 1) * E));
    row.forEach((c, e) => {
      if (!(Number.isInteger(c) && c >= 0))
        throw new ImportError(`${name}: layer ${l}, expert ${e}: count ${c} is not a whole number ≥ 0`);
    });
    counts.push(row);
  }
  const layerIds = npyLayerIds(name, L, opts.layerIds);
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
    notes: [
      ...(a.notes ?? []).map(sentence),
      ...(asked
        ? []
        : [`Read as counts [${a.shape.length === 1 ? 'experts' : 'layers, experts'}] (not top-k ids).`]),
    ],
  };
}

/** "converted float64 to float32" → "Converted float64 to float32." */
const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

function fromNpy(name: string, a: NpyArray, opts: ImportOptions): ImportedData {
  checkExperts(name, opts.experts);
  const counts = npyCounts(name, a, opts);
  if (counts) return counts;
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
    for (let i = 0; i < a.data.length; i++) {
      if (!Number.isFinite(a.data[i])) {
        const l = Math.floor(i / (T * E));
        const t = Math.floor(i / E) % T;
        throw new ImportError(
          `${name}: logit ${a.data[i]} at layer ${l}, token ${t}, expert ${i % E} is not finite`,
        );
      }
    }
    const logits = Array.from({ length: L }, (_, l) => a.data.slice(l * T * E, (l + 1) * T * E));
    return {
      format: 'router-logits',
      name,
      tokens: T,
      layers: L,
      experts: E,
      layerIds: npyLayerIds(name, L, opts.layerIds),
      logits,
      notes,
    };
  }
  let trace: ReturnType<typeof routingTraceFromNpy>;
  try {
    trace = routingTraceFromNpy(a, name);
  } catch (err) {
    throw new ImportError((err as Error).message);
  }
  const { tokens: T, layers: L, topK: k } = trace;
  if (T === 0 || L === 0 || k === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
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
    layerIds: npyLayerIds(name, L, opts.layerIds),
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
    return npyCounts(name, a, {}) ? 'count-table' : 'token-choices';
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
  const { header, rows } = parseCsv(name, text);
  if (format === 'count-table') return parseCountTable(name, header, rows, opts);
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
    if (err instanceof ImportError || err instanceof NpyError) return { ok: false, error: err.message };
    return { ok: false, error: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
