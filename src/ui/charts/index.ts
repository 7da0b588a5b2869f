/**
 * Charts. Each takes plain props, states where its numbers come from (measured here / projected / imported),
 * exposes its numbers as data-* attributes or a visually hidden table, and never prints NaN.
 * Import a chart's own module to lazy-load it alone.
 */
export { ChipComparison, type ChipComparisonProps, StatusBadge } from './ChipComparison';
export { ExpertLoadChart, type ExpertLoadProps } from './ExpertLoadChart';
export { Heatmap, type HeatmapProps } from './Heatmap';
export { SparsityChart, type SparsityChartProps, type SparsityPoint } from './SparsityChart';
export {
  type ChipRoof,
  chipRoof,
  type RooflineStage,
  StageRoofline,
  type StageRooflineProps,
} from './StageRoofline';
export { StageTimeChart, type StageTimeChartProps, type StageTimeStage } from './StageTimeChart';
export { type ChartSource, sourceFromRun, sourceText } from './scale';
