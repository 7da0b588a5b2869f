/** Attention of one layer on one chip: projections, the core over the KV cache, launches and the TP all-reduce. */
import { Energy, memOpTime, type StageCost } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export interface AttentionWork {
  /** Tokens this chip attends for (its data-parallel share of the micro-batch). */
  tokens: number;
  tensorParallel: number;
  decode: boolean;
  contextLength: number;
  /** Chips the KV cache is split over (min(TP, KV heads); MLA's latent is shared by all heads). */
  kvSplit: number;
  /** Chips doing this work (for energy). */
  chips: number;
  /** The all-reduce after the block (time and link bytes per chip). */
  allReduce: { time: number; linkBytes: number };
}

export function attentionStage(A: ChipSpec, m: ModelShape, w: AttentionWork): StageCost {
  const tp = w.tensorParallel;
  const tk = w.tokens;
  // Prefill attends on average to (ctx + 1) / 2 positions; decode to the whole cache.
  const ctxAvg = w.decode ? w.contextLength : (w.contextLength + 1) / 2;
  const projFlops = (tk * m.attnProjFlopsPerToken) / tp;
  const projBytes = m.attnBytes / tp + 2 * tk * m.d * m.actBytes;
  const coreFlops = (tk * ctxAvg * m.attnCoreFlopsPerCtx) / tp;
  const kvBytes = ((w.decode ? tk * w.contextLength : 2 * tk) * m.kvBytesPerToken) / w.kvSplit;
  const time =
    memOpTime(A, projFlops, m.matPrec, projBytes) +
    memOpTime(A, coreFlops, m.actPrec, kvBytes) +
    6 * A.launch +
    w.allReduce.time;
  const energy = new Energy();
  energy.op(A, w.chips, projFlops, m.matPrec, projBytes);
  energy.op(A, w.chips, coreFlops, m.actPrec, kvBytes);
  energy.link += w.chips * w.allReduce.linkBytes * A.jPerLinkByte;
  return {
    time,
    flops: projFlops + coreFlops,
    bytes: projBytes + kvBytes,
    linkBytes: w.allReduce.linkBytes,
    energy,
  };
}
