/** The router: a d × E GEMM in BF16, top-k, and the software cost of routing each (token, slot) pair. */
import { Energy, memOpTime, type StageCost } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export function routerStage(A: ChipSpec, m: ModelShape, tokens: number, chips: number): StageCost {
  const flops = tokens * m.routerFlopsPerToken;
  // Weights plus 8 bytes per score read and written.
  const bytes = m.routerBytes + 8 * tokens * m.experts;
  const time = memOpTime(A, flops, 'bf16', bytes) + 2 * A.launch + tokens * m.topK * A.dispatchPerToken;
  const energy = new Energy();
  energy.op(A, chips, flops, 'bf16', bytes);
  return { time, flops, bytes, linkBytes: 0, energy };
}
