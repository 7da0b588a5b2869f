export { getEngine, startGpuSession } from './gpuSession';
export { type PrecomputedEntry, precomputedKey } from './precomputed';
export { chooseLoad, computeProjections, type ProjectionSet } from './projections';
export { cancelRun, type RunState, runNow, startAutoRun } from './runController';
export type { MeasuredRun, RunPhase } from './runner';
export { type AppState, type GpuState, type Notice, type Pinned, useAppStore } from './store';
export { applyStreamLoad, cancelStream, runStreamNow, type StreamState } from './streamController';
export { currentLink, startUrlSync } from './urlSync';
export { compareWithReference, FLOAT_TOLERANCE, type Verification } from './verify';
