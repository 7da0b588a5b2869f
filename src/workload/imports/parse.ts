/** Entry points: which kind of routing file this is, and the parse that hands it to the right reader. */

import { readNpy } from '../npy';
import { assembleChoices, choicesFromCsv } from './choices';
import { choicesFromJson } from './choicesJson';
import { parseCountTable } from './countTable';
import { headerLineOf, openCsv, parseCsv, separatorOf } from './csv';
import { COUNT_COLUMNS, clip, EXPERT_COLUMNS, findColumn, IDS_COLUMNS, LAYER_COLUMNS } from './fields';
import { countsFromLmdeploy } from './lmdeploy';
import { countsFromMindSpeed } from './mindspeed';
import { fromNpy, npyHoldsCounts } from './npyImport';
import { parsePt } from './pt';
import { parseServingJson, type ServingJson, servingJsonKind } from './servingJson';
import { checkBinary, checkSize, isNpy, toText } from './text';
import {
  IMPORT_FORMAT_LABELS,
  ImportError,
  type ImportedData,
  type ImportFormat,
  type ImportOptions,
  MAX_BINARY_IMPORT_BYTES,
  MAX_CSV_HEADER_CHARS,
  MAX_IMPORT_BYTES,
} from './types';
import { choicesFromVllm, uncapturedLayers } from './vllm';
import { isZip } from './zip';

/** What each serving system's JSON holds. */
const SERVING_JSON_FORMAT: Record<ServingJson, ImportFormat> = {
  'mindspeed-rl': 'count-table',
  lmdeploy: 'count-table',
  vllm: 'token-choices',
};
const SERVING_JSON_LABEL: Record<ServingJson, string> = {
  'mindspeed-rl': "MindSpeed-RL's expert counts {layer: {expert: count}}",
  lmdeploy: "LMDeploy's EPLB statistics [layers][experts]",
  vllm: "vLLM's routed experts [tokens][layers][top_k]",
};

/** Why a large text file is refused when a binary one of its size would not be. */
const TEXT_LIMIT_HINT = 'as text (CSV or JSON); only .npy and .pt files, read as raw tensors, may be larger';

/** Which kind of file this is, from its bytes (and, for text, its header or first character). */
export function detectImportFormat(name: string, input: Uint8Array | string): ImportFormat {
  if (isNpy(input)) {
    const a = readNpy(input as Uint8Array, name, { exactCounts: true });
    if (a.dtype === 'float32' || (a.dtype === 'float64' && a.from === 'float64')) return 'router-logits';
    return npyHoldsCounts(name, a, false) ? 'count-table' : 'token-choices';
  }
  // A zip archive: a PyTorch .pt, which holds counts (SGLang's expert-distribution dumps).
  if (isZip(input)) return parsePt(name, input).format;
  checkBinary(name, input);
  const text = toText(name, input).trimStart();
  const serving = servingJsonKind(text);
  if (serving) return SERVING_JSON_FORMAT[serving];
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
  // The limit follows the content, not the name: raw tensors (.npy, .pt) are read in place and may be larger; text
  // becomes strings and objects several times its size, so a renamed CSV gains nothing.
  const binary = isNpy(input) || isZip(input);
  const limit = binary ? MAX_BINARY_IMPORT_BYTES : MAX_IMPORT_BYTES;
  checkSize(name, input, Math.min(opts.maxBytes ?? limit, limit), binary ? undefined : TEXT_LIMIT_HINT);
  if (isNpy(input)) {
    // Counts keep float64 and 64-bit integers exact (whole numbers to 2^53 − 1, as in CSV and JSON); fromNpy
    // narrows ids and logits as before.
    const array = readNpy(input as Uint8Array, name, { exactCounts: true });
    // vLLM's routed experts [T, L, k] keep a zero row for every layer never captured (dense layers): dropped.
    const trimmed =
      opts.layerIds || opts.format === 'count-table' || array.dtype === 'float64'
        ? undefined
        : uncapturedLayers(array);
    const data = fromNpy(name, array, opts, trimmed?.kept);
    if (trimmed && data.format === 'token-choices') data.notes = [...(data.notes ?? []), trimmed.note];
    const format = opts.format ?? data.format;
    if (data.format !== format) {
      throw new ImportError(
        `${name}: this .npy holds ${IMPORT_FORMAT_LABELS[data.format]}, not ${IMPORT_FORMAT_LABELS[format]}`,
      );
    }
    return data;
  }
  if (isZip(input)) {
    const format = opts.format ?? 'count-table';
    if (format !== 'count-table')
      throw new ImportError(`${name}: a PyTorch .pt is read as counts, not ${IMPORT_FORMAT_LABELS[format]}`);
    return parsePt(name, input, opts);
  }
  checkBinary(name, input);
  const text = toText(name, input);
  if (text.trim() === '') throw new ImportError(`${name}: the file is empty`);
  const serving = servingJsonKind(text);
  if (serving) {
    const held = SERVING_JSON_FORMAT[serving];
    if (opts.format !== undefined && opts.format !== held)
      throw new ImportError(
        `${name}: this JSON holds ${SERVING_JSON_LABEL[serving]}, not ${IMPORT_FORMAT_LABELS[opts.format]}`,
      );
    const parsed = parseServingJson(name, text);
    if (serving === 'mindspeed-rl') return countsFromMindSpeed(name, parsed, opts);
    if (serving === 'lmdeploy') return countsFromLmdeploy(name, parsed, opts);
    return choicesFromVllm(name, parsed, opts);
  }
  const format = opts.format ?? detectImportFormat(name, text);
  if (format === 'router-logits') throw new ImportError(`${name}: router logits must be a float32 .npy file`);
  const trimmed = text.trimStart();
  if (format === 'token-choices' && (trimmed.startsWith('[') || trimmed.startsWith('{')))
    return assembleChoices(name, 'json', choicesFromJson(name, text), opts);
  if (format === 'count-table') return parseCountTable(name, openCsv(name, text), opts);
  const { header, rows } = parseCsv(name, text);
  return assembleChoices(name, 'csv', choicesFromCsv(name, header, rows), opts);
}
