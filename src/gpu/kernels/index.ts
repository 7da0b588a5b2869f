export { combine, combineProgram } from './combine';
export {
  clearCounts,
  count,
  countChunked,
  countChunksProgram,
  countProgram,
  countScanProgram,
} from './count';
export { expertFfn, ffnDownProgram, ffnUpProgram, sharedFfn } from './ffn';
export { gate, gateProgram } from './gate';
export { infoLayout, offsets, offsetsProgram } from './offsets';
export { routerGemm, routerGemmGrid, routerGemmProgram } from './routerGemm';
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
