/** The LM head once per step: the vocab × d projection (half of the embedding + head bytes), split by TP. */
import { Energy, memOpTime, type StageCost } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export function headStage(
  A: ChipSpec,
  m: ModelShape,
  tokens: number,
  tensorParallel: number,
  chips: number,
): StageCost {
  const flops = (tokens * m.headFlopsPerToken) / tensorParallel;
  const bytes = m.headBytes / 2 / tensorParallel + tokens * m.d * m.actBytes;
  const time = memOpTime(A, flops, m.matPrec, bytes) + 2 * A.launch;
  const energy = new Energy();
  energy.op(A, chips, flops, m.matPrec, bytes);
  return { time, flops, bytes, linkBytes: 0, energy };
}
