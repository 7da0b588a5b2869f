export {
  expectedDistinctExperts,
  type LoadInput,
  type LoadMetrics,
  loadMetrics,
  METRIC_FORMULAS,
  rankLoads,
} from './load';
