/** Dense feed-forward work: the shared experts of a MoE layer and the FFN of a dense layer, split by TP. */
import { Energy, memOpTime, type StageCost } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export interface FfnWork {
  tokens: number;
  tensorParallel: number;
  chips: number;
  allReduce: { time: number; linkBytes: number };
}

/** A dense FFN of `weightBytes` with `flopsPerToken` and `actBytesPerToken`: 3 launches and an all-reduce. */
function ffn(
  A: ChipSpec,
  m: ModelShape,
  w: FfnWork,
  weightBytes: number,
  flopsPerToken: number,
  actBytesPerToken: number,
): StageCost {
  const tp = w.tensorParallel;
  const flops = (w.tokens * flopsPerToken) / tp;
  const bytes = weightBytes / tp + w.tokens * actBytesPerToken;
  const time = memOpTime(A, flops, m.matPrec, bytes) + 3 * A.launch + w.allReduce.time;
  const energy = new Energy();
  energy.op(A, w.chips, flops, m.matPrec, bytes);
  energy.link += w.chips * w.allReduce.linkBytes * A.jPerLinkByte;
  return { time, flops, bytes, linkBytes: w.allReduce.linkBytes, energy };
}

/** Shared experts of one MoE layer (zero when the model has none). */
export function sharedExpertsStage(A: ChipSpec, m: ModelShape, w: FfnWork): StageCost {
  if (m.sharedBytes <= 0) return { time: 0, flops: 0, bytes: 0, linkBytes: 0, energy: new Energy() };
  return ffn(A, m, w, m.sharedBytes, m.sharedFlopsPerToken, m.expertActBytesPerRow);
}

/** The FFN of one dense layer. */
export function denseFfnStage(A: ChipSpec, m: ModelShape, w: FfnWork): StageCost {
  return ffn(A, m, w, m.denseBytes, m.denseFlopsPerToken, m.denseActBytesPerToken);
}
