/**
 * The draft side of speculative decoding, per target step: `draftTokens` sequential draft steps over the batch's
 * sequences. MTP heads (DeepSeek-V3) are one more transformer layer of the model plus the shared LM head per draft
 * token: charged as the target's mean MoE layer and its head. A draft model is a dense model of `draftParams`
 * weights in the scenario's weight format, split by the same TP: its roofline plus ten launches per draft step.
 */
import type { Scenario } from '../../scenario';
import { memOpTime } from '../roofline';
import type { ModelShape } from '../shape';
import type { ChipSpec } from '../types';

export interface DraftWork {
  /** Sequences per attention-side chip. */
  seqsPerChip: number;
  tensorParallel: number;
  /** The target's mean MoE layer and LM head time at this batch (for MTP heads). */
  moeLayerTime: number;
  headTime: number;
}

export function draftTime(A: ChipSpec, m: ModelShape, s: Scenario, w: DraftWork): number {
  if (s.phase !== 'decode' || s.speculative === 'none') return 0;
  if (s.speculative === 'mtp') return s.draftTokens * (w.moeLayerTime + w.headTime);
  const params = s.draftParams * 1e9;
  const flops = (2 * params * w.seqsPerChip) / w.tensorParallel;
  const bytes = (params * m.weightBytes) / w.tensorParallel;
  return s.draftTokens * (memOpTime(A, flops, m.matPrec, bytes) + 10 * A.launch);
}
