/** The cost model's public face: project measured MoE load onto real and hypothetical chips. */
export { chipSpecFromPreset, hardwareSpec, singleChip } from './chips';
export { loadFromCounts, loadMismatch, uniformLoad } from './load';
export { projectAll, projectScenario } from './project';
export type {
  ChipSpec,
  CostReport,
  EnergyReport,
  HardwareSpec,
  Headline,
  ImbalanceTax,
  LayerBreakdown,
  LayerLoad,
  LoadProfile,
  Projection,
  ProjectOptions,
  StageTimes,
  SystemLayout,
} from './types';
