/**
 * The model as the cost model sees it: parameter counts, bytes and FLOPs per token for every part, from the
 * scenario. Multi-head latent attention (MLA) cannot be expressed by the scenario's heads/KV heads, so the
 * DeepSeek and Kimi presets carry their MLA dimensions here (from the official config files).
 */

import { FORMAT_BYTES, type Scenario } from '../scenario';
import { FORMAT_PRECISION } from './formats';
import type { Precision } from './types';

export interface MlaDims {
  qLoraRank: number;
  kvLoraRank: number;
  ropeDim: number;
  nopeDim: number;
  vHeadDim: number;
  source: string;
}

/** MLA dimensions by model preset id. */
export const MLA_PRESETS: Record<string, MlaDims> = {
  'deepseek-v3': {
    qLoraRank: 1536,
    kvLoraRank: 512,
    ropeDim: 64,
    nopeDim: 128,
    vHeadDim: 128,
    source: 'deepseek-ai/DeepSeek-V3 inference/configs/config_671B.json',
  },
  'kimi-k2': {
    qLoraRank: 1536,
    kvLoraRank: 512,
    ropeDim: 64,
    nopeDim: 128,
    vHeadDim: 128,
    source: 'moonshotai/Kimi-K2 config.json',
  },
  'deepseek-v2': {
    qLoraRank: 1536,
    kvLoraRank: 512,
    ropeDim: 64,
    nopeDim: 128,
    vHeadDim: 128,
    source: 'deepseek-ai/DeepSeek-V3 inference/configs/config_236B.json',
  },
  'deepseek-v2-lite': {
    qLoraRank: 0,
    kvLoraRank: 512,
    ropeDim: 64,
    nopeDim: 128,
    vHeadDim: 128,
    source: 'deepseek-ai/DeepSeek-V3 inference/configs/config_16B.json',
  },
};

export interface ModelShape {
  d: number;
  f: number;
  experts: number;
  topK: number;
  moeLayers: number;
  denseLayers: number;
  layers: number;
  vocab: number;
  heads: number;
  kvHeads: number;
  /** Bytes per element: attention/dense/shared/head weights, routed-expert weights, activations, KV cache. */
  weightBytes: number;
  expertWeightBytes: number;
  actBytes: number;
  kvBytes: number;
  /** Matmul precision of the dense weights and of the routed experts; attention-core precision (activations). */
  matPrec: Precision;
  expertPrec: Precision;
  actPrec: Precision;
  /** Bytes per token sent in dispatch (FP8 when weights are ≤ 8-bit, as DeepSeek) and combine. */
  dispatchBytes: number;
  combineBytes: number;
  /** One routed expert: weight bytes and FLOPs per row (SwiGLU: 3 matrices d×f). */
  expertBytes: number;
  expertFlopsPerRow: number;
  /** Activation bytes per expert row (x in, two f-wide intermediates, y out). */
  expertActBytesPerRow: number;
  /** All shared experts of one layer. */
  sharedBytes: number;
  sharedFlopsPerToken: number;
  /** Dense FFN of one dense layer. */
  denseBytes: number;
  denseFlopsPerToken: number;
  denseActBytesPerToken: number;
  /** Attention of one layer. */
  attnBytes: number;
  attnProjFlopsPerToken: number;
  /** Attention-core FLOPs per token per context position in the scenario's phase, in decode and in prefill. */
  attnCoreFlopsPerCtx: number;
  attnCoreFlopsPerCtxDecode: number;
  attnCoreFlopsPerCtxPrefill: number;
  /** KV-cache bytes per token per layer. */
  kvBytesPerToken: number;
  /** KV heads that tensor parallelism can split (MLA: 1, the latent is shared by all heads). */
  kvSplit: number;
  routerBytes: number;
  routerFlopsPerToken: number;
  /** Embedding + LM head. */
  headBytes: number;
  headFlopsPerToken: number;
  mla?: MlaDims;
  contextLength: number;
  phase: 'prefill' | 'decode';
}

export function modelShape(s: Scenario): ModelShape {
  const d = s.dModel;
  const f = s.ffnSize;
  const wB = FORMAT_BYTES[s.weightFormat];
  const xB = FORMAT_BYTES[s.expertFormat];
  const aB = FORMAT_BYTES[s.actFormat];
  const kvB = FORMAT_BYTES[s.kvFormat];
  const heads = s.attnHeads;
  const hd = d / heads;
  const fs = s.sharedFfnSize > 0 ? s.sharedFfnSize : f;
  const mla = MLA_PRESETS[s.preset];
  let attnParams: number;
  let kvBytesPerToken: number;
  let coreDecode: number;
  let corePrefill: number;
  let kvSplit: number;
  if (mla) {
    const qHead = mla.nopeDim + mla.ropeDim;
    const qParams = mla.qLoraRank > 0 ? d * mla.qLoraRank + mla.qLoraRank * heads * qHead : d * heads * qHead;
    attnParams =
      qParams +
      d * (mla.kvLoraRank + mla.ropeDim) +
      mla.kvLoraRank * heads * (mla.nopeDim + mla.vHeadDim) +
      heads * mla.vHeadDim * d;
    // The latent (kv_lora_rank + rope) is cached; decode absorbs the up-projections (FlashMLA): per position and
    // head, q·k over kv_lora + rope and p·v over kv_lora. Prefill runs it un-absorbed: (nope + rope) and v dims.
    kvBytesPerToken = (mla.kvLoraRank + mla.ropeDim) * kvB;
    coreDecode = 2 * heads * (2 * mla.kvLoraRank + mla.ropeDim);
    corePrefill = 2 * heads * (mla.nopeDim + mla.ropeDim + mla.vHeadDim);
    kvSplit = 1;
  } else {
    attnParams = d * heads * hd + 2 * d * s.kvHeads * hd + heads * hd * d;
    kvBytesPerToken = 2 * s.kvHeads * hd * kvB;
    coreDecode = 4 * heads * hd;
    corePrefill = coreDecode;
    kvSplit = s.kvHeads;
  }
  return {
    d,
    f,
    experts: s.experts,
    topK: s.topK,
    moeLayers: s.moeLayers,
    denseLayers: s.denseLayers,
    layers: s.moeLayers + s.denseLayers,
    vocab: s.vocab,
    heads,
    kvHeads: s.kvHeads,
    weightBytes: wB,
    expertWeightBytes: xB,
    actBytes: aB,
    kvBytes: kvB,
    matPrec: FORMAT_PRECISION[s.weightFormat],
    expertPrec: FORMAT_PRECISION[s.expertFormat],
    actPrec: FORMAT_PRECISION[s.actFormat],
    // Bytes per element sent: allToAllBytesPerRow in src/scenario/formats.ts.
    dispatchBytes: Math.min(aB, Math.max(1, xB)),
    combineBytes: aB,
    expertBytes: 3 * d * f * xB,
    expertFlopsPerRow: 6 * d * f,
    expertActBytesPerRow: (2 * d + 4 * f) * aB,
    sharedBytes: s.sharedExperts * 3 * d * fs * wB,
    sharedFlopsPerToken: s.sharedExperts * 6 * d * fs,
    denseBytes: 3 * d * s.denseFfnSize * wB,
    denseFlopsPerToken: 6 * d * s.denseFfnSize,
    denseActBytesPerToken: (2 * d + 4 * s.denseFfnSize) * aB,
    attnBytes: attnParams * wB,
    attnProjFlopsPerToken: 2 * attnParams,
    attnCoreFlopsPerCtx: s.phase === 'decode' ? coreDecode : corePrefill,
    attnCoreFlopsPerCtxDecode: coreDecode,
    attnCoreFlopsPerCtxPrefill: corePrefill,
    kvBytesPerToken,
    kvSplit,
    // Routers stay in BF16 even when experts are quantised.
    routerBytes: d * s.experts * 2,
    routerFlopsPerToken: 2 * d * s.experts,
    headBytes: 2 * s.vocab * d * wB,
    headFlopsPerToken: 2 * s.vocab * d,
    mla,
    contextLength: s.contextLength,
    phase: s.phase,
  };
}

/** Total parameter bytes of the model (routed experts counted once). */
export function modelBytes(m: ModelShape): number {
  return (
    m.layers * m.attnBytes +
    m.moeLayers * (m.experts * m.expertBytes + m.sharedBytes + m.routerBytes) +
    m.denseLayers * m.denseBytes +
    m.headBytes
  );
}
