/** Imported routing data: the shapes every reader returns, the options they take, their limits and their error. */

import { INPUT_LIMITS, InputError } from '../input';

/** Largest text file accepted (bytes): CSV and JSON, whatever the file is named. */
export const MAX_IMPORT_BYTES = INPUT_LIMITS.import.maxBytes;
/** Largest binary file accepted (bytes): .npy and PyTorch .pt, told apart by their magic bytes, read in place. */
export const MAX_BINARY_IMPORT_BYTES = INPUT_LIMITS.importBinary.maxBytes;
/** Longest CSV header line accepted (characters): real ones are a few dozen. */
export const MAX_CSV_HEADER_CHARS = 4096;
/** Logit given to the experts a replayed token did not choose (its softmax score underflows to 0). */
export const REPLAY_FLOOR = 1e4;
/** Gap between successive ranks when a replayed token has no recorded weights. */
export const REPLAY_RANK_STEP = 1e-3;
/** Rows a preview shows. */
export const PREVIEW_ROWS = 5;

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
  /** Where the counts came from when not a CSV table, e.g. "SGLang dump (.pt, logical_count)". */
  source?: string;
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
  /**
   * Token ids as in the file (ascending); token t of the layout is tokenIds[t]. Absent when the file numbers its
   * tokens 0, 1, … by position (.npy, vLLM's JSON): no array of T numbers for a trace of millions of tokens.
   */
  tokenIds?: number[];
  /** ids[(t·layers + l)·topK + j]: expert of slot j. */
  ids: ExpertIds;
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

/**
 * Expert ids of a trace: a .npy keeps its own width (uint8 stays one byte an id; wider ids are held as uint16, as
 * every accepted id is below MAX_IMPORT_EXPERTS = 65536), so a binary trace never holds more bytes of ids than the
 * file; CSV and JSON, which cost far more per id as text, as int32.
 */
export type ExpertIds = Uint8Array | Uint16Array | Int32Array;

export interface ImportOptions {
  /** Routed experts E of the model: every id must be below it. Default: the largest id + 1 (logits: their width). */
  experts?: number;
  /** Values for a count table's filter columns (default: the first combination in the file that fits the rest). */
  filter?: Record<string, string>;
  /** Skip detection. */
  format?: ImportFormat;
  /**
   * Most bytes read; default MAX_BINARY_IMPORT_BYTES for a .npy or .pt (by magic bytes), MAX_IMPORT_BYTES for text.
   * Text is refused above MAX_IMPORT_BYTES whatever this says or the file is named.
   */
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

/** The count table's cells (layers × experts) refused beyond this: 64 MiB of float64 counts. */
export const MAX_COUNT_CELLS = 2 ** 23;

/** Largest k a model can have (the scenario's topK range): a wider integer array cannot hold top-k ids. */
export const MAX_TOP_K = 64;
