/**
 * The CPU reference: the layer's seven steps in plain TypeScript, the oracle for every GPU kernel and the
 * fallback engine (in a Web Worker, ./worker.ts) when WebGPU is missing.
 */
export { count, type Offsets, offsets, type Scatter, scatter, scatterExpertChoice } from './dispatch';
export { combine, combineExpertChoice, expertFfn, sharedExpertFfn } from './ffn';
export {
  type ExpertChoiceResult,
  expertChoice,
  type GateResult,
  gate,
  routerLogits,
  scoresFromLogits,
} from './gate';
export {
  CPU_MEMORY_BUDGET,
  CPU_WORK_BUDGET,
  type CpuArray,
  type CpuMemoryPlan,
  type CpuPlan,
  type CpuPlanOptions,
  cpuMemory,
  cpuPlan,
  cpuWork,
  MAX_TYPED_ARRAY_BYTES,
} from './plan';
export {
  handleReferenceRequest,
  type ReferenceRequest,
  type ReferenceResponse,
  resultTransferables,
} from './protocol';
export { type ReferenceOptions, runReferenceLayer } from './runLayer';
