/**
 * The GPU engine's public face (browser-safe: no node: imports). Two more public entries, kept out of this one
 * on purpose and allowed by the layering lint (biome.json): './node' (the Node face: `acquireNodeDevice()` and
 * `loadNodeShaders()`, node:fs and the webgpu package, which must not reach the browser bundle) and
 * './browserShaders' (`browserShaders`, bundled by Vite's import.meta.glob, which Node cannot run).
 */
export {
  type AdapterSummary,
  acquireDevice,
  type DeviceStatus,
  type GpuUnavailableReason,
  summarizeAdapter,
} from './device';
export {
  createMoeEngine,
  type EngineRun,
  type ForwardOptions,
  type ForwardResult,
  type KernelOptions,
  type MoeEngine,
  type MoeEngineOptions,
  type RunOptions,
  type StageReport,
} from './engine';
export type { UploadBytes } from './layerSetup';
export type { MicrobenchOptions, MicrobenchResult } from './microbench';
export {
  type BufferName,
  checkLayerConfig,
  DEFAULT_MEMORY_BUDGET,
  type DeviceLimitsLike,
  GEMM_TILE,
  type MemoryPlan,
  planMemory,
  planScenario,
  type ScenarioPlan,
} from './planner';
export { type StageTiming, TIMESTAMP_NOTE, type TimingSource, WALL_NOTE } from './profiler';
export { resolveShader, type ShaderConstants, type ShaderLibrary } from './shaders';
export {
  type DeviceRoofline,
  efficiency,
  rooflineMs,
  STAGE_LABELS,
  type StageName,
  type StageWork,
  stageWork,
} from './work';
