export { getEngine, startGpuSession } from './gpuSession';
export {
  applyImportedLoad,
  fetchTracePreset,
  type ImportRequest,
  importedScenario,
  importFailure,
  type LoadedImport,
  previewLoaded,
  readImportFile,
} from './importController';
export { chooseLoad, computeProjections, type ProjectionSet } from './projections';
export { cancelRun, markProjectionShown, type RunState, runNow, startAutoRun } from './runController';
export type { MeasuredRun, RunPhase } from './runner';
export { type AppState, type GpuState, type Notice, type Pinned, useAppStore } from './store';
export {
  applyStreamLoad,
  cancelStream,
  runStreamNow,
  type StreamState,
  streamNetworkOptions,
} from './streamController';
export { currentLink, startUrlSync } from './urlSync';
export type { Verification } from './verify';
