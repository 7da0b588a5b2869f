/**
 * Attention of one layer on one chip: projections, the core over the KV cache, launches and the TP all-reduce. A
 * step may mix decoding sequences (each reads its whole KV cache once for all the tokens it checks) with prompt
 * tokens (chunked prefill: each attends to about half its prompt and writes its KV).
 */
import { Energy, memOpTime, type StageCost } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export interface AttentionWork {
  /** Decode: sequences on this chip and tokens they check in all (sequences × (1 + draft tokens)). */
  decodeSeqs: number;
  decodeQueries: number;
  /** KV positions each decoding sequence reads. */
  kvLength: number;
  /** Prompt tokens on this chip and the mean positions each attends to. */
  prefillTokens: number;
  prefillContext: number;
  tensorParallel: number;
  /** Chips the KV cache is split over (min(TP, KV heads); MLA's latent is shared by all heads). */
  kvSplit: number;
  /** Share of the chip's memory ceiling reached reading the KV cache (the serving stack's). */
  kvMemEff: number;
  /** Chips doing this work (for energy). */
  chips: number;
  /** The all-reduce after the block (time and link bytes per chip). */
  allReduce: { time: number; linkBytes: number };
}

export function attentionStage(A: ChipSpec, m: ModelShape, w: AttentionWork): StageCost {
  const tp = w.tensorParallel;
  const tk = w.decodeQueries + w.prefillTokens;
  const projFlops = (tk * m.attnProjFlopsPerToken) / tp;
  const projBytes = m.attnBytes / tp + 2 * tk * m.d * m.actBytes;
  const coreFlops =
    (w.decodeQueries * w.kvLength * m.attnCoreFlopsPerCtxDecode +
      w.prefillTokens * w.prefillContext * m.attnCoreFlopsPerCtxPrefill) /
    tp;
  const kvBytes = ((w.decodeSeqs * w.kvLength + 2 * w.prefillTokens) * m.kvBytesPerToken) / w.kvSplit;
  const time =
    memOpTime(A, projFlops, m.matPrec, projBytes) +
    memOpTime(A, coreFlops, m.actPrec, kvBytes / w.kvMemEff) +
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
