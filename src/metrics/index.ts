export {
  balancedPacking,
  deepseekEplbPlacement,
  type EplbLayer,
  type EplbPolicy,
  type EplbResult,
  hierarchicalPrecondition,
  rebalanceExperts,
  rebalanceHierarchical,
  replicateExperts,
} from './eplb';
export {
  expectedDistinctExperts,
  type LoadInput,
  type LoadMetrics,
  loadMetrics,
  METRIC_FORMULAS,
} from './load';
export {
  directionSummary,
  homeRank,
  type LayerChoices,
  layerChoiceCounts,
  layerNetwork,
  type NetworkComparison,
  type NetworkDirection,
  type NetworkOptions,
  type NetworkPlacement,
  type NetworkReport,
  networkBeforeAfter,
  networkFactors,
  networkOf,
} from './network';
export { busiestRank, type ExpertPlacement, type Placement, placeExperts } from './placement';
export {
  concatSeries,
  distinctExpertsVariance,
  type Percentiles,
  percentileSorted,
  percentiles,
  type SeriesSummary,
  STEP_SERIES_KEYS,
  type StepSeries,
  type StepSeriesInput,
  type StepSeriesKey,
  stepSeries,
  summarizeSeries,
} from './stream';
