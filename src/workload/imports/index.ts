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
 *
 * This index is the folder's public face; one reader per file: types.ts (shapes, options, limits, ImportError),
 * text.ts (bytes → text), csv.ts (CSV scanning), fields.ts (shared field helpers and column aliases),
 * countTable.ts (a), choices.ts and choicesJson.ts (b), npyImport.ts (.npy: b, c and counts), pt.ts (PyTorch .pt:
 * SGLang's expert-distribution dumps, through zip.ts, a bounded zip reader, and unpickle.ts, a restricted
 * unpickler that calls nothing), parse.ts (format
 * detection and parseImport), replay.ts (counts and replay of choices), preview.ts (summaries for the dialog).
 */

export { detectImportFormat, parseImport } from './parse';
export type { PyTensor, PyValue, TensorDtype } from './pickleValues';
export { UNPICKLE_LIMITS, type UnpickleLimits } from './pickleValues';
export {
  type ImportPreview,
  type ImportSummary,
  type LayerLoadSummary,
  previewImport,
  summarizeImport,
} from './preview';
export { parsePt, readPt } from './pt';
export { choiceCounts, importedCounts, replayConfig, replayLogits } from './replay';
export {
  type CountTable,
  type ExpertIds,
  type FilterColumn,
  IMPORT_FORMAT_LABELS,
  ImportError,
  type ImportedData,
  type ImportFormat,
  type ImportOptions,
  MAX_BINARY_IMPORT_BYTES,
  MAX_COUNT_CELLS,
  MAX_CSV_HEADER_CHARS,
  MAX_IMPORT_BYTES,
  REPLAY_FLOOR,
  REPLAY_RANK_STEP,
  type RouterLogits,
  type TokenChoices,
} from './types';
export { ZIP_LIMITS, type ZipLimits } from './zip';
