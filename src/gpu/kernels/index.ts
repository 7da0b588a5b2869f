export { COMBINE_VEC4_MAX_K, combine, combineProgram, combineVec4Program } from './combine';
export { countChunked, countChunksProgram, countScanProgram } from './count';
export {
  expertFfn,
  ffnDownProgram,
  ffnDownVec4Program,
  ffnUpProgram,
  ffnUpVec4Program,
  sharedFfn,
} from './ffn';
export {
  expectedRowsPerExpert,
  expertFfnGemv,
  ffnDownGemvProgram,
  ffnUpGemvProgram,
  GEMV_GPU_SPLIT_K,
  GEMV_GPU_WG,
  GEMV_MAX_ROWS,
  GEMV_SOFTWARE_WG,
  gemvFfnByDefault,
} from './ffnGemv';
export { FUSED_GATE_MAX_E, gate, gateProgram, routerGate, routerGateProgram } from './gate';
export { infoLayout, offsets, offsetsProgram, offsetsSubgroupProgram } from './offsets';
export { routerGemm, routerGemmGrid, routerGemmProgram, routerGemmVec4Program } from './routerGemm';
export {
  clearScatter,
  packSortSteps,
  scatter,
  scatterChunked,
  scatterChunksProgram,
  scatterKeysProgram,
  scatterProgram,
  sortGlobalProgram,
  sortLocalProgram,
  sortSteps,
} from './scatter';
