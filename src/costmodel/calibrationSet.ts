/**
 * The published measurements of ../shared/CALIBRATION.md as benchmark points (end-to-end rows) and kernel points,
 * with the rows the model cannot express and why. `npm run moe -- validate` projects them all; validation.test.ts
 * pins the errors; docs/COST_MODEL.md §11 publishes the table. Values are copied as printed; † derived rows are
 * left out.
 */
import type { BenchmarkPoint } from './benchmarkPoints';

const TRT_PERF =
  'NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @258c7540c03517def55d9a5aadfa9288af474e1b';
const GPT_FAST = 'pytorch-labs/gpt-fast mixtral-moe/README.md @056f8fb439caa74224b37103c1d2535583069607';
const DSTACK =
  'dstackai/benchmarks Deepseek-R1/raw_data/online_results.csv @7f37e6697725e58dd09b9ef190b62ce19f01d45e';

/**
 * TensorRT-LLM v0.17 offline max-throughput rows: Mixtral with FP8 weights and KV cache (FP8 GEMMs quantise their
 * inputs on the fly; activations between kernels and all-reduces stay 16-bit); A100 in FP16.
 */
function offline(
  id: string,
  model: string,
  chip: string,
  chips: number,
  isl: number,
  osl: number,
  value: number,
): BenchmarkPoint {
  const fp16 = chip.startsWith('a100');
  const fmt = fp16 ? 'bf16' : 'fp8';
  return {
    id,
    model,
    chip,
    chips,
    tp: chips,
    ep: 1,
    weightFormat: fmt,
    expertFormat: fmt,
    kvFormat: fmt,
    actFormat: 'bf16',
    inputLength: isl,
    outputLength: osl,
    concurrency: 'max',
    metric: 'output-tok-s',
    value,
    source: TRT_PERF,
    software: 'TensorRT-LLM v0.17',
  };
}

/** gpt-fast batch-1 decode on A100-80GB (330 W cap), prompt 5 tokens, 200 new tokens (its default). */
function gptFast(id: string, tp: number, format: 'bf16' | 'int8', value: number): BenchmarkPoint {
  return {
    id,
    model: 'mixtral-8x7b',
    chip: 'a100-80gb',
    chips: tp,
    tp,
    ep: 1,
    weightFormat: format,
    expertFormat: format,
    kvFormat: 'bf16',
    actFormat: 'bf16',
    inputLength: 5,
    outputLength: 200,
    concurrency: 1,
    metric: 'tok-s-per-user',
    value,
    source: GPT_FAST,
    software: 'gpt-fast (torch.compile)',
  };
}

/** DeepSeek-R1 (FP8) online, random ISL 3200 / OSL 800, TP8. */
function dstack(
  id: string,
  chip: string,
  concurrency: number,
  value: number,
  software: string,
): BenchmarkPoint {
  return {
    id,
    model: 'deepseek-v3',
    chip,
    chips: 8,
    tp: 8,
    ep: 1,
    kvFormat: 'bf16',
    actFormat: 'bf16',
    inputLength: 3200,
    outputLength: 800,
    concurrency,
    metric: 'tpot-ms',
    value,
    source: DSTACK,
    software,
  };
}

export const CALIBRATION_POINTS: readonly BenchmarkPoint[] = [
  offline('M1-128/2048', 'mixtral-8x7b', 'h100', 1, 128, 2048, 8290.13),
  offline('M1-1000/1000', 'mixtral-8x7b', 'h100', 1, 1000, 1000, 6868.52),
  offline('M1-2048/2048', 'mixtral-8x7b', 'h100', 1, 2048, 2048, 3983.1),
  offline('M2-128/2048', 'mixtral-8x7b', 'h200', 1, 128, 2048, 15095.21),
  offline('M2-1000/1000', 'mixtral-8x7b', 'h200', 1, 1000, 1000, 10371.36),
  offline('M2-2048/2048', 'mixtral-8x7b', 'h200', 1, 2048, 2048, 6940.32),
  offline('M3-H100-128/2048', 'mixtral-8x7b', 'h100', 8, 128, 2048, 61607.7),
  offline('M3-H200-128/2048', 'mixtral-8x7b', 'h200', 8, 128, 2048, 68608.45),
  offline('M3-A100-128/2048', 'mixtral-8x7b', 'a100-80gb', 8, 128, 2048, 20277.88),
  offline('M3-H100-1000/1000', 'mixtral-8x7b', 'h100', 8, 1000, 1000, 40631.71),
  offline('M3-H200-1000/1000', 'mixtral-8x7b', 'h200', 8, 1000, 1000, 44705.48),
  offline('M3-A100-1000/1000', 'mixtral-8x7b', 'a100-80gb', 8, 1000, 1000, 12851.44),
  gptFast('M9-bf16-TP2', 2, 'bf16', 78.75),
  gptFast('M9-bf16-TP4', 4, 'bf16', 118.23),
  gptFast('M9-bf16-TP8', 8, 'bf16', 203.69),
  gptFast('M9-int8-TP1', 1, 'int8', 56.04),
  gptFast('M9-int8-TP2', 2, 'int8', 99.91),
  gptFast('M9-int8-TP4', 4, 'int8', 149.53),
  gptFast('M9-int8-TP8', 8, 'int8', 218.48),
  offline('X1-H100-128/2048', 'mixtral-8x22b', 'h100', 8, 128, 2048, 25150.03),
  offline('X1-H200-128/2048', 'mixtral-8x22b', 'h200', 8, 128, 2048, 32415.81),
  offline('X1-A100-128/2048', 'mixtral-8x22b', 'a100-80gb', 8, 128, 2048, 6685.99),
  offline('X1-H100-1000/1000', 'mixtral-8x22b', 'h100', 8, 1000, 1000, 16573.24),
  offline('X1-H200-1000/1000', 'mixtral-8x22b', 'h200', 8, 1000, 1000, 19712.35),
  offline('X1-H100-2048/2048', 'mixtral-8x22b', 'h100', 8, 2048, 2048, 12244.93),
  offline('X1-H200-2048/2048', 'mixtral-8x22b', 'h200', 8, 2048, 2048, 15798.59),
  dstack('D10-vLLM-c4', 'h200', 4, 25.73, 'vLLM 0.7.4.dev (FlashMLA)'),
  dstack('D10-vLLM-c64', 'h200', 64, 65.62, 'vLLM 0.7.4.dev (FlashMLA)'),
  dstack('D10-vLLM-c128', 'h200', 128, 71.9, 'vLLM 0.7.4.dev (FlashMLA)'),
  dstack('D10-SGLang-c4', 'h200', 4, 43.58, 'SGLang 0.4.3.post2'),
  dstack('D11-SGLang-c4', 'mi300x', 4, 34.94, 'SGLang 0.4.2.post4 (ROCm 6.3)'),
  dstack('D11-vLLM-c128', 'mi300x', 128, 109.07, 'vLLM 0.7.3.dev (ROCm 6.3)'),
];

/**
 * SGLang's fused MoE (w13 GEMM, SiLU·mul, w2 GEMM; router excluded) on H200: Qwen3-235B-A22B in FP8 (w8a8) at TP8,
 * so 128 experts of intermediate 192 per rank, top-8, µs per call (K5).
 */
export const FUSED_MOE_K5: readonly (readonly [tokens: number, us: number])[] = [
  [1, 31.7],
  [2, 36.56],
  [4, 49.67],
  [8, 66.87],
  [16, 92.36],
  [24, 117.38],
  [32, 124.99],
];
export const K5_SOURCE =
  'https://github.com/sgl-project/sglang/pull/11730 (tuning_fused_moe_triton.py @00e9659229a5ed3057258c4e2df1e6004f06bf61)';

/** Rows of CALIBRATION.md the model cannot express as a scenario, and why. */
export const NOT_EXPRESSED: readonly { id: string; why: string }[] = [
  {
    id: 'M4, M5 (MLPerf v4.1 Server and Offline, Mixtral on 8 × H100 / H200, TP1 × 8)',
    why: 'the mean input length of the 15k-sample OpenOrca/GSM8K/MBXP mix is not in the row (only the output ≈ 146 tokens, derived); the model needs it for the KV length and for the prompt tokens mixed into each step',
  },
  {
    id: 'K1, K2 (DeepGEMM FP8 grouped and dense GEMM on H800)',
    why: 'one GEMM (the w13 or w2 matrix alone); the model times the whole expert FFN of a layer (three matrices and their launches), not one matrix',
  },
  {
    id: 'K6 (vLLM fused_moe_kernel, one launch of the w13 GEMM, H20)',
    why: 'the w13 GEMM alone (2 of the 3 expert matrices, one launch); the model times the whole expert FFN',
  },
  {
    id: 'D10/D11 throughput columns (148.6, 758.4, 914.7 tok/s)',
    why: 'not separate measurements: concurrency / TPOT of the same runs (Little’s law); the TPOT rows are projected',
  },
];
