/**
 * The serving stack as the cost model sees it (docs/COST_MODEL.md §3b): a few global constants for what software
 * adds to the silicon's roofline, one set per stack level. They are fitted once to the published measurements in
 * calibrationSet.ts (never one per row) and apply to every chip; `ideal` is the roofline with the chip's own
 * ceilings and CUDA-graph launch gaps, and nothing else.
 */
import type { Scenario } from '../scenario';
import type { ChipSpec, HardwareSpec } from './types';

export type StackLevel = Scenario['stackLevel'];

export interface StackProfile {
  level: StackLevel;
  /** Host-side time per decode step (scheduling, sampling, detokenising, host–device sync), s. */
  stepOverhead: number;
  /** Host-side time per sequence per step (logits processing and sampling grow with the batch), s. */
  perSequence: number;
  /** Launch gap per kernel: a chip's own figure assumes CUDA graphs; without them the CPU launches each, s. */
  launchFloor: number;
  /**
   * Extra time per kernel beyond its roofline and launch gap: the last partial wave, the pipeline fill, the
   * synchronisation with the next kernel. Small decode kernels are dominated by it (K5: 31.7 µs for a fused MoE
   * that streams 19 MB on an H200).
   */
  kernelTail: number;
  /** Smallest time of one tensor-parallel all-reduce (custom one-shot all-reduce within a node), s. */
  allReduceFloor: number;
  /** Share of the chip's memory ceiling that expert kernels reach streaming weights. */
  expertMemEff: number;
  /**
   * Extra time per touched expert slot in a grouped GEMM: each expert's tiles fill the pipeline and are scheduled
   * on their own, which dominates at a few rows per expert (K5: 128 experts of 8 per token at 1–32 tokens) and
   * vanishes at hundreds. A per-slot term keeps the time monotone in the work, unlike an efficiency that rises
   * with rows.
   */
  expertSlotTime: number;
  /** Share of the chip's memory ceiling that decode attention reaches reading a paged KV cache. */
  kvMemEff: number;
  /** Share of the chip's compute ceiling that production GEMM kernels reach on served shapes. */
  computeEff: number;
  source: string;
}

/**
 * Fitted to the calibration rows by `npx tsx scripts/fitStack.ts` (coordinate descent on the mean |log error| of
 * all rows at once, efficiencies bounded to 0.5–1; docs/COST_MODEL.md §11) and rounded. The compute efficiency
 * ends at its lower bound: served GEMMs on TP-split shapes reach about half of the chip's ceiling in these runs,
 * nearer the MFU serving stacks report than kernel benchmarks; paged decode attention reaches about 0.6 of the
 * memory ceiling, fused-MoE kernels about 0.8 plus 0.18 µs per touched expert.
 */
const TUNED: StackProfile = {
  level: 'tuned',
  stepOverhead: 0.1e-3,
  perSequence: 2.1e-6,
  launchFloor: 0,
  kernelTail: 3.6e-6,
  allReduceFloor: 11.7e-6,
  expertMemEff: 0.77,
  expertSlotTime: 0.18e-6,
  kvMemEff: 0.58,
  computeEff: 0.5,
  source:
    'fitted to the published rows of ../shared/CALIBRATION.md (TensorRT-LLM v0.17, MLPerf v4.1, gpt-fast, vLLM/SGLang early 2025)',
};

export const STACKS: Record<StackLevel, StackProfile> = {
  ideal: {
    level: 'ideal',
    stepOverhead: 0,
    perSequence: 0,
    launchFloor: 0,
    kernelTail: 0,
    allReduceFloor: 0,
    expertMemEff: 1,
    expertSlotTime: 0,
    kvMemEff: 1,
    computeEff: 1,
    source: "roofline with the chip's efficiency ceilings and CUDA-graph launch gaps only",
  },
  tuned: TUNED,
  untuned: {
    ...TUNED,
    level: 'untuned',
    stepOverhead: 2 * TUNED.stepOverhead,
    perSequence: 2 * TUNED.perSequence,
    launchFloor: 20e-6,
    allReduceFloor: 2 * TUNED.allReduceFloor,
    expertMemEff: 0.75 * TUNED.expertMemEff,
    source:
      'tuned, without CUDA graphs (LLMCompass: ~21 µs per A100 matmul launched from the CPU), twice the host and all-reduce time, 3/4 of the expert-kernel bandwidth (SGLang 0.4.3 vs vLLM 0.7.4 on D10)',
  },
};

/**
 * A chip as a stack runs it: launch gaps and kernel tails folded into `launch`, ceilings scaled. Chips that run one
 * static program (launch gap under 1 µs: the LPU, the wafer-scale engine, the hypothetical dataflow chips) have
 * no kernel launches to pay for; only the host's step time applies to them.
 */
function chipUnder(c: ChipSpec, st: StackProfile): ChipSpec {
  if (st.level === 'ideal' || c.launch < 1e-6) return c;
  return {
    ...c,
    launch: Math.max(c.launch, st.launchFloor) + st.kernelTail,
    computeEffMax: c.computeEffMax * st.computeEff,
  };
}

export function hardwareUnder(hw: HardwareSpec, st: StackProfile): HardwareSpec {
  if (st.level === 'ideal') return hw;
  const experts = chipUnder(hw.experts, st);
  const attention = hw.attention === hw.experts ? experts : chipUnder(hw.attention, st);
  return { ...hw, experts, attention };
}
