/** Workload: the layer contract, seeded tensors, .npy import/export, routing traces and tensor shape checks. */

export {
  type CountTable,
  choiceCounts,
  detectImportFormat,
  type FilterColumn,
  IMPORT_FORMAT_LABELS,
  ImportError,
  type ImportedData,
  type ImportFormat,
  type ImportOptions,
  type ImportPreview,
  type ImportSummary,
  importedCounts,
  type LayerLoadSummary,
  MAX_CSV_HEADER_CHARS,
  MAX_IMPORT_BYTES,
  parseImport,
  previewImport,
  REPLAY_FLOOR,
  REPLAY_RANK_STEP,
  type RouterLogits,
  replayConfig,
  replayLogits,
  summarizeImport,
  type TokenChoices,
} from './imports';
export {
  checkCounts,
  checkFinite,
  checkInputSize,
  countProblem,
  firstNonFinite,
  formatBytes,
  INPUT_LIMITS,
  InputError,
  type InputKind,
  indexOf,
  MAX_COUNT,
  MAX_NESTING_DEPTH,
  parseJsonSafely,
} from './input';
export {
  capacityOf,
  type DropPolicy,
  type LayerConfig,
  type LayerResult,
  type LayerTensors,
  layerConfigFromScenario,
  makeLayerConfig,
  type RoutingMode,
  type ScoreFn,
} from './layer';
export { MAX_HEADER_BYTES, type NpyArray, type NpyDtype, NpyError, readNpy, writeNpy } from './npy';
export { portableCosSinTurn, portableExp, portableLog, Rng } from './rng';
export {
  type Dim,
  expectedShapes,
  type ShapedTensor,
  TENSOR_NAMES,
  type TensorName,
  TensorShapeError,
  tensorShapeProblems,
  validateLayerTensors,
  validateTensorShapes,
} from './shapes';
export {
  createTokenStream,
  type DecodeSchedule,
  decodeSchedule,
  SEQUENCE_NOISE_SHARE,
  type StreamPhase,
  type StreamShape,
  scenarioStream,
  type TokenStream,
  topicMixes,
} from './stream';
export {
  expertPopularity,
  type GenerateOptions,
  generateBias,
  generateHiddenStates,
  generateLayerTensors,
  generateLayerWeights,
  generateRouter,
  hiddenStatesFromTopics,
  tokenTopics,
  topicExponent,
  topicMix,
} from './tensors';
export { type RoutingTrace, routingTraceFromNpy, traceCounts } from './trace';
export { findTracePreset, TRACE_PRESETS, type TracePreset, tracePresetUrl } from './tracePresets';
