/** The cost model's public face: project measured MoE load onto real and hypothetical chips. */

export {
  BENCHMARK_METRICS,
  type BenchmarkMetric,
  type BenchmarkPoint,
  DEFAULT_MAX_BATCH,
  metricOf,
  type ProjectedPoint,
  pointProblem,
  projectPoint,
  type StackLevel,
  scenarioForPoint,
} from './benchmarkPoints';
export {
  type AdapterInfo,
  adapterLabel,
  type Calibration,
  calibrate,
  type DeviceBench,
  deviceChip,
  isSoftwareAdapter,
  predictStageMs,
  type StageMeasurement,
  type StagePrediction,
} from './calibrate';
export { CALIBRATION_POINTS, NOT_EXPRESSED } from './calibrationSet';
export { chipSpecFromPreset, hardwareSpec, idealChip, singleChip } from './chips';
/** Expert-count tables read from .npy (not the workload's CSV CountTable: this one is the cost model's input). */
export { type CountsFromNpyOptions, type CountTable, countsFromNpy } from './countsFile';
export {
  chipFigures,
  customChipFromSpec,
  customChipSpec,
  customHardware,
  type DerivedFigures,
  derivedFigures,
  figureSource,
  presetChipValues,
  projectCustomChips,
} from './customChips';
export { type ImportProfileOptions, importToLoadProfile, toLoadProfile } from './fromStream';
export {
  describeLayout,
  LAYOUT_BATCHES,
  type LayoutFrontier,
  type LayoutPoint,
  type ParallelLayout,
  searchLayouts,
} from './layoutSearch';
export {
  type CountsInput,
  loadFromCounts,
  loadFromTrace,
  loadMismatch,
  type TraceInput,
  uniformLoad,
} from './load';
export { projectAll, projectionRanks, projectScenario } from './project';
export {
  batchFrontier,
  DEFAULT_BATCHES,
  DEFAULT_DESIGN_AXES,
  type DesignAxes,
  type DesignPoint,
  type DesignResult,
  designChip,
  designSweep,
  type FrontierPoint,
  type FrontierSeries,
  layoutFrontiers,
  runSweep,
  type SweepRequest,
  type SweepResult,
} from './sweep';
export { sweepInWorker } from './sweepClient';
export type {
  Bound,
  ChipSpec,
  CostReport,
  EnergyReport,
  HardwareSpec,
  Headline,
  ImbalanceTax,
  LayerBreakdown,
  LayerLoad,
  LayerNetworkLoad,
  LoadProfile,
  Phase,
  Projection,
  ProjectionAssumptions,
  ProjectOptions,
  StageTimes,
  SystemLayout,
} from './types';
export {
  EXAMPLE_POINTS_CSV,
  MAX_USER_POINTS,
  METRIC_COLUMNS,
  type RowProblem,
  readUserPoints,
  USER_POINT_COLUMNS,
  type UserColumn,
  type UserPoint,
  type UserPointsRead,
  userPointsToCsv,
} from './userPoints';
export {
  decodePointsParam,
  encodePointsParam,
  MAX_LINK_POINTS,
  POINTS_LINK_KEY,
  type PointsFromLink,
} from './userPointsLink';
export {
  CURVE_CONCURRENCIES,
  describeSetup,
  MAX_CURVES,
  medianAbsError,
  type OverlayPair,
  overlayPairs,
  type ProjectedCurve,
  type ProjectionCache,
  projectedCurves,
  projectUserPoints,
  type UserPointResult,
} from './userPointsOverlay';
export {
  summarise,
  type ValidationGroup,
  type ValidationPoint,
  type ValidationSummary,
  validationPoints,
} from './validation';
