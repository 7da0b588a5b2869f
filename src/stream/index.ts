/**
 * Streams: load as it moves. A scenario (or an imported trace) runs step after step through every measured MoE
 * layer on an engine (WebGPU or the CPU reference); the result holds steps × experts load per layer, per-step
 * metrics with percentiles, a layers × experts view, DeepSeek-V3-style bias balancing, the decode sparsity curve,
 * plain vs EPLB placement, and a LoadProfile for the cost model.
 */
export {
  type BiasBalancing,
  type BiasLayerCurve,
  type BiasOptions,
  biasBalancing,
  DEFAULT_BIAS_LOGITS,
  defaultBiasRate,
} from './bias';
export {
  balancedness,
  chipLoads,
  type DeepseekLayer,
  type DriftAnalysis,
  type DriftOptions,
  type DriftPoint,
  eplbPlacement,
  type LayerPlacement,
  type PlacementChoice,
  type PlacementReport,
  type PlacementReportOptions,
  type PlacementTopology,
  placementDrift,
  placementReport,
  placementTopology,
} from './placement';
export {
  runStream,
  type StreamLayer,
  type StreamNetwork,
  type StreamNetworkLayer,
  type StreamOptions,
  type StreamResult,
  type StreamStage,
} from './run';
export { cpuRunner, gpuRunner, type LayerRunner, type RunnerInfo, routeOnly } from './runners';
export {
  type GeneratedOptions,
  generatedSource,
  type ImportedSourceOptions,
  importedSource,
  MAX_MEASURED_LAYERS,
  type StepSource,
  spreadLayers,
  uniformSource,
} from './sources';
export {
  decodeSparsity,
  defaultBatchSizes,
  type SparsityCurve,
  type SparsityOptions,
  type SparsityPoint,
} from './sparsity';
