/** Workload: the layer contract, seeded tensors, .npy import/export, routing traces and tensor shape checks. */
export {
  capacityOf,
  type DropPolicy,
  type LayerConfig,
  type LayerResult,
  type LayerTensors,
  layerConfigFromScenario,
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
  expertPopularity,
  type GenerateOptions,
  generateBias,
  generateHiddenStates,
  generateLayerTensors,
  generateRouter,
  tokenTopics,
  topicExponent,
  topicMix,
} from './tensors';
export { type RoutingTrace, routingTraceFromNpy, traceCounts } from './trace';
