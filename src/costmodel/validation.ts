/**
 * Published measurements the cost model is checked against: the rows of ../shared/CALIBRATION.md (end-to-end
 * points through benchmarkPoints.ts, the fused-MoE kernel K5 and DeepEP's all-to-all K3) and further public check
 * points (DeepSeek's open-infra-index day-6 overview, vLLM PR 47593). Each rebuilds the published setup as a
 * scenario and reports model against published. `npm run moe -- validate` prints them; docs/COST_MODEL.md §11
 * publishes them; validation.test.ts pins them.
 */

import { applyModelPreset, defaultScenario, type Scenario } from '../scenario';
import { projectPoint, type StackLevel } from './benchmarkPoints';
import { CALIBRATION_POINTS, FUSED_MOE_K5, K5_SOURCE } from './calibrationSet';
import { loadFromCounts } from './load';
import { projectScenario } from './project';

/** calibration: a row of CALIBRATION.md (counts towards the fit and the median); check: other public points. */
export type ValidationGroup = 'calibration' | 'check';

export interface ValidationPoint {
  id: string;
  group: ValidationGroup;
  what: string;
  source: string;
  unit: string;
  published: number;
  model: number;
  /** (model − published) / published, %. */
  errorPct: number;
  setup: string;
}

function point(
  p: Omit<ValidationPoint, 'errorPct' | 'group'>,
  group: ValidationGroup = 'check',
): ValidationPoint {
  return { ...p, group, errorPct: ((p.model - p.published) / p.published) * 100 };
}

const METRIC_UNIT = {
  'tpot-ms': 'ms TPOT',
  'output-tok-s': 'tok/s',
  'tok-s-per-user': 'tok/s/user',
} as const;

/** The end-to-end rows of CALIBRATION.md, projected at `level`. */
function calibrationRows(level: StackLevel): ValidationPoint[] {
  return CALIBRATION_POINTS.map((pt) => {
    const r = projectPoint(pt, level);
    const sys = r.projection.system;
    const conc =
      pt.concurrency === 'max'
        ? `max batch (${Math.round(r.projection.throughput * r.projection.tpot)} seqs)`
        : `concurrency ${pt.concurrency}`;
    return point(
      {
        id: pt.id ?? `${pt.model}-${pt.chip}`,
        what: `${pt.model} on ${pt.chips} × ${pt.chip}, ISL/OSL ${pt.inputLength}/${pt.outputLength}, ${conc} (${pt.software ?? ''})`,
        source: pt.source ?? '',
        unit: METRIC_UNIT[pt.metric],
        published: pt.value,
        model: r.projected,
        setup: `TP ${sys.tensorParallel}, EP ${sys.expertRanks}, expert shard ${sys.expertShard}; weights ${r.scenario.weightFormat}, experts ${r.scenario.expertFormat}, KV ${r.scenario.kvFormat}; ${level} stack`,
      },
      'calibration',
    );
  });
}

/** K5: the whole expert FFN of one layer on one of 8 H200s (TP8: every expert split 8 ways), router excluded. */
function fusedMoeRows(level: StackLevel): ValidationPoint[] {
  return FUSED_MOE_K5.map(([tokens, us]) => {
    const s: Scenario = {
      ...applyModelPreset(defaultScenario(), 'qwen3-235b-a22b'),
      weightFormat: 'fp8',
      expertFormat: 'fp8',
      phase: 'decode',
      tokens,
      contextLength: 1,
      chipCount: 8,
      tensorParallel: 8,
      expertParallel: 1,
      expertTensorParallel: 8,
      fitPolicy: 'fixed',
      overlap: 'sum',
      stackLevel: level,
    };
    const p = projectScenario(s, 'h200');
    return point(
      {
        id: `K5-fused-moe-${tokens}`,
        what: `SGLang fused MoE, Qwen3-235B FP8 TP8 on H200, ${tokens} token(s)`,
        source: K5_SOURCE,
        unit: 'µs',
        published: us,
        model: (p.breakdown.experts / s.moeLayers) * 1e6,
        setup: `h200, E 128, top-8, intermediate 192 per rank; ${level} stack`,
      },
      'calibration',
    );
  });
}

/** DeepSeek-V3 as served: FP8 weights and dispatch, BF16 activations, combine and MLA KV cache. */
export function deepseekV3(over: Partial<Scenario>): Scenario {
  return {
    ...applyModelPreset(defaultScenario(), 'deepseek-v3'),
    weightFormat: 'fp8',
    expertFormat: 'fp8',
    actFormat: 'bf16',
    kvFormat: 'bf16',
    fitPolicy: 'fixed',
    overlap: 'dual-batch',
    ...over,
  };
}

const DEEPEP =
  'deepseek-ai/DeepEP README, low-latency kernels (H800, CX7 400 Gb/s IB, 128 tokens, 7168 hidden, top-8)';
const DAY6 =
  'deepseek-ai/open-infra-index day 6 (2025-03-01): 24-hour averages of the V3/R1 online service on H800';

/** DeepEP low-latency dispatch and combine latency per layer, µs, at EP 8–256. */
const DEEPEP_LL: readonly [number, number, number][] = [
  [8, 77, 114],
  [16, 118, 195],
  [32, 155, 273],
  [64, 173, 314],
  [128, 192, 369],
  [256, 194, 360],
];

export function validationPoints(level: StackLevel = 'tuned'): ValidationPoint[] {
  const out: ValidationPoint[] = [...calibrationRows(level), ...fusedMoeRows(level)];
  for (const [ep, dispatchUs, combineUs] of DEEPEP_LL) {
    // One all-to-all of 128 tokens per rank (no micro-batch split).
    const s = deepseekV3({
      phase: 'decode',
      tokens: 128 * ep,
      contextLength: 1,
      chipCount: ep,
      expertParallel: ep,
      overlap: 'max',
      stackLevel: level,
    });
    const p = projectScenario(s, 'h800');
    const layers = s.moeLayers;
    out.push(
      point(
        {
          id: `deepep-dispatch-ep${ep}`,
          what: `all-to-all dispatch, EP ${ep}`,
          source: DEEPEP,
          unit: 'µs',
          published: dispatchUs,
          model: (p.breakdown.dispatch / layers) * 1e6,
          setup: `h800, ${ep} chips, 128 tokens each, FP8 dispatch`,
        },
        'calibration',
      ),
      point(
        {
          id: `deepep-combine-ep${ep}`,
          what: `all-to-all combine, EP ${ep}`,
          source: DEEPEP,
          unit: 'µs',
          published: combineUs,
          model: (p.breakdown.combine / layers) * 1e6,
          setup: `h800, ${ep} chips, 128 tokens each, BF16 combine`,
        },
        'calibration',
      ),
    );
  }
  // Decode: EP144 / DP144 with 32 redundant experts; 14.8k tok/s per node at 20–22 tok/s per user implies about
  // 14,800 / 21 ≈ 705 concurrent sequences per node, 88 per GPU; average KV length 4,989 tokens.
  const perGpu = 88;
  const dec = projectScenario(
    deepseekV3({
      phase: 'decode',
      tokens: perGpu * 144,
      contextLength: 4989,
      chipCount: 144,
      expertParallel: 144,
      expertPlacement: 'eplb',
      redundantExperts: 32,
      costBasis: 'rental',
      // DeepSeek-V3 report §5.4.3: the MTP token is accepted 85–90 % of the time.
      speculative: 'mtp',
      draftTokens: 1,
      acceptLength: 1.85,
      stackLevel: level,
    }),
    'h800',
  );
  const decSetup =
    'h800 ×144 (EP144, DP144), EPLB + 32 replicas, 88 sequences/GPU, KV length 4,989, dual-batch overlap, one MTP token accepted 85 %';
  out.push(
    point({
      id: 'deepseek-decode-node',
      what: 'V3 decode output tokens/s per 8-GPU node',
      source: DAY6,
      unit: 'tok/s',
      published: 14800,
      model: dec.throughputPerChip * 8,
      setup: decSetup,
    }),
    point({
      id: 'deepseek-decode-user',
      what: 'V3 decode tokens/s per user',
      source: DAY6,
      unit: 'tok/s',
      published: 21,
      model: dec.tokensPerSecPerUser,
      setup: decSetup,
    }),
    point({
      id: 'deepseek-decode-cost',
      what: 'V3 decode $ per M output tokens at $2/GPU-hour',
      source: `${DAY6}; $2/h rental; cost = 8 × $2 / (14,800 × 3,600) per token`,
      unit: '$/M',
      published: (16 / (14800 * 3600)) * 1e6,
      model: dec.usdPerMTokens,
      setup: decSetup,
    }),
  );
  // Prefill: EP32 / DP32 with 32 redundant experts; 73.7k input tok/s per node including 56.3 % cache hits,
  // so ≈ 32.2k tok/s actually computed. Prompt length is not published: 2,048 tokens, 4,096 tokens per GPU.
  const pre = projectScenario(
    deepseekV3({
      phase: 'prefill',
      tokens: 4096 * 32,
      contextLength: 2048,
      chipCount: 32,
      expertParallel: 32,
      expertPlacement: 'eplb',
      redundantExperts: 32,
      stackLevel: level,
    }),
    'h800',
  );
  out.push(
    point({
      id: 'deepseek-prefill-node',
      what: 'V3 prefill computed input tokens/s per node (73.7k × (1 − 0.563))',
      source: DAY6,
      unit: 'tok/s',
      published: 73700 * (1 - 0.563),
      model: pre.throughputPerChip * 8,
      setup: 'h800 ×32 (EP32, DP32), EPLB + 32 replicas, 4,096 tokens/GPU, prompts of 2,048 (assumed)',
    }),
  );
  // vLLM PR 47593: at E = 256, M·k/E rows per expert, so 64-row tiles are mostly padding.
  const M = 256;
  const vllm = projectScenario(
    deepseekV3({ phase: 'prefill', tokens: M, chipCount: 1, expertParallel: 1, stackLevel: level }),
    'h100',
    loadFromCounts({ counts: [new Array<number>(256).fill((M * 8) / 256)], topK: 8, tokens: M }),
  );
  out.push(
    point({
      id: 'vllm-padding',
      what: 'padding share of expert rows, E = 256, k = 8, M = 256, 64-row tiles',
      source: 'vLLM PR 47593 (M·k/E rows per expert; 64-row tiles mostly padding)',
      unit: 'fraction',
      published: 1 - (M * 8) / 256 / 64,
      model: vllm.load.paddingFraction,
      setup: 'h100, 8 rows per expert',
    }),
  );
  return out;
}

export interface ValidationSummary {
  rows: number;
  /** Median |error| (%) over the calibration rows, and how many are within 2× either way. */
  medianAbsErrorPct: number;
  /** The same median over the end-to-end rows only (served models; kernel and all-to-all rows left out). */
  endToEndRows: number;
  endToEndMedianAbsErrorPct: number;
  within2x: number;
  worst: ValidationPoint;
}

function medianAbs(points: readonly ValidationPoint[]): number {
  const abs = points.map((p) => Math.abs(p.errorPct)).sort((a, b) => a - b);
  const mid = abs.length >> 1;
  return abs.length === 0 ? 0 : abs.length % 2 ? abs[mid] : (abs[mid - 1] + abs[mid]) / 2;
}

export function summarise(points: readonly ValidationPoint[]): ValidationSummary {
  const cal = points.filter((p) => p.group === 'calibration');
  const e2e = cal.filter((p) => CALIBRATION_POINTS.some((c) => c.id === p.id));
  const ratio = (p: ValidationPoint) => Math.max(p.model / p.published, p.published / p.model);
  let worst = cal[0];
  for (const p of cal) if (ratio(p) > ratio(worst)) worst = p;
  return {
    rows: cal.length,
    medianAbsErrorPct: medianAbs(cal),
    endToEndRows: e2e.length,
    endToEndMedianAbsErrorPct: medianAbs(e2e),
    within2x: cal.filter((p) => ratio(p) <= 2).length,
    worst,
  };
}
