/**
 * The one source of truth for every scenario parameter. Its range, default, unit, label and help text feed the
 * editor panels, the URL codec, the CLI's JSON Schema and validation: a new parameter is one entry in PARAMS.
 */

import { type CustomChip, MAX_CUSTOM_CHIPS } from './customChips';
import { MODEL_PRESET_IDS } from './presets/models';

/** Weight number formats (bytes per weight with block scales: formats.ts in src/costmodel). */
export const WEIGHT_FORMATS = ['fp32', 'bf16', 'fp8', 'int8', 'mxfp4', 'nvfp4'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];
export const ACT_FORMATS = ['fp32', 'bf16', 'fp8'] as const;
export type ActFormat = (typeof ACT_FORMATS)[number];

export type Group = 'model' | 'routing' | 'workload' | 'hardware' | 'run';

interface Base {
  group: Group;
  label: string;
  help: string;
  unit?: string;
  /** Shown only in the advanced part of a panel. */
  advanced?: boolean;
}
export interface IntParam extends Base {
  kind: 'int';
  min: number;
  max: number;
  default: number;
  /** Slider on a log scale (sizes that span decades). */
  log?: boolean;
}
export interface FloatParam extends Base {
  kind: 'float';
  min: number;
  max: number;
  step: number;
  default: number;
}
export interface BoolParam extends Base {
  kind: 'bool';
  default: boolean;
}
export interface EnumParam<T extends string = string> extends Base {
  kind: 'enum';
  options: readonly T[];
  default: T;
}
export interface NumEnumParam extends Base {
  kind: 'numEnum';
  options: readonly number[];
  default: number;
}
export interface ListParam extends Base {
  kind: 'list';
  /** Name of the preset table the items come from (validated against it). */
  of: 'chips';
  minItems: number;
  maxItems: number;
  default: readonly string[];
}
/** The scenario's own chips: their figures come from the chip field table (chipFields.ts, customChips.ts). */
export interface CustomChipsParam extends Base {
  kind: 'customChips';
  maxItems: number;
  default: readonly CustomChip[];
}
export type ParamDef =
  | IntParam
  | FloatParam
  | BoolParam
  | EnumParam
  | NumEnumParam
  | ListParam
  | CustomChipsParam;

const int = (p: Omit<IntParam, 'kind'>): IntParam => ({ kind: 'int', ...p });
const float = (p: Omit<FloatParam, 'kind'>): FloatParam => ({ kind: 'float', ...p });
const bool = (p: Omit<BoolParam, 'kind'>): BoolParam => ({ kind: 'bool', ...p });
const choice = <T extends string>(p: Omit<EnumParam<T>, 'kind'>): EnumParam<T> => ({ kind: 'enum', ...p });
const numChoice = (p: Omit<NumEnumParam, 'kind'>): NumEnumParam => ({ kind: 'numEnum', ...p });

export const PARAMS = {
  // ---- model -------------------------------------------------------------------------------------------
  preset: choice({
    group: 'model',
    label: 'Model preset',
    help: 'The model the shape came from; editing any model field makes it "custom".',
    options: MODEL_PRESET_IDS,
    default: 'custom',
  }),
  dModel: int({
    group: 'model',
    label: 'Hidden size d',
    unit: 'dims',
    min: 8,
    max: 16384,
    default: 128,
    log: true,
    help: 'Width of the residual stream each token carries into the MoE layer.',
  }),
  ffnSize: int({
    group: 'model',
    label: 'Expert FFN size f',
    unit: 'dims',
    min: 8,
    max: 65536,
    default: 256,
    log: true,
    help: 'Inner width of one routed expert (SwiGLU: W1 and W3 are d×f, W2 is f×d).',
  }),
  experts: int({
    group: 'model',
    label: 'Routed experts E',
    min: 1,
    max: 1024,
    default: 16,
    log: true,
    help: 'Number of routed experts per MoE layer.',
  }),
  topK: int({
    group: 'model',
    label: 'Experts per token k',
    min: 1,
    max: 64,
    default: 2,
    help: 'How many routed experts each token is sent to (at most E).',
  }),
  sharedExperts: int({
    group: 'model',
    label: 'Shared experts',
    min: 0,
    max: 8,
    default: 0,
    help: 'Experts every token always uses, outside the router (DeepSeek, Qwen, Llama 4).',
  }),
  sharedFfnSize: int({
    group: 'model',
    label: 'Shared expert FFN size',
    unit: 'dims',
    min: 0,
    max: 65536,
    default: 0,
    help: 'Inner width of each shared expert; 0 means the same as f.',
    advanced: true,
  }),
  moeLayers: int({
    group: 'model',
    label: 'MoE layers',
    min: 1,
    max: 256,
    default: 4,
    help: 'Transformer layers whose FFN is a mixture of experts.',
  }),
  denseLayers: int({
    group: 'model',
    label: 'Dense layers',
    min: 0,
    max: 256,
    default: 0,
    help: 'Transformer layers with an ordinary dense FFN (e.g. the first layers of DeepSeek-V3).',
    advanced: true,
  }),
  denseFfnSize: int({
    group: 'model',
    label: 'Dense FFN size',
    unit: 'dims',
    min: 8,
    max: 131072,
    default: 1024,
    log: true,
    help: 'Inner width of the FFN in dense layers.',
    advanced: true,
  }),
  attnHeads: int({
    group: 'model',
    label: 'Attention heads',
    min: 1,
    max: 256,
    default: 4,
    help: 'Query heads; head size is d / heads.',
    advanced: true,
  }),
  kvHeads: int({
    group: 'model',
    label: 'KV heads',
    min: 1,
    max: 256,
    default: 4,
    help: 'Key/value heads (grouped-query attention); sets KV-cache size. At most the query heads.',
    advanced: true,
  }),
  vocab: int({
    group: 'model',
    label: 'Vocabulary',
    unit: 'tokens',
    min: 2,
    max: 1_000_000,
    default: 32000,
    log: true,
    help: 'Vocabulary size (embedding and output projection).',
    advanced: true,
  }),
  weightFormat: choice({
    group: 'model',
    label: 'Weight format (attention, dense)',
    options: WEIGHT_FORMATS,
    default: 'bf16',
    help: 'Number format of attention, shared-expert, dense-FFN and LM-head weights on the projected chips. MXFP4 and NVFP4 carry block scales (8 bits per 32 and 16 weights); int8 is weight-only (matmuls in BF16).',
  }),
  expertFormat: choice({
    group: 'model',
    label: 'Expert weight format',
    options: WEIGHT_FORMATS,
    default: 'bf16',
    help: 'Number format of the routed experts (released checkpoints mix them: gpt-oss has MXFP4 experts and BF16 attention). 4-bit formats run on FP4 units where the chip has them, else dequantised to BF16.',
  }),
  kvFormat: choice({
    group: 'model',
    label: 'KV-cache format',
    options: ACT_FORMATS,
    default: 'bf16',
    help: 'Number format of the KV cache (sets its size and the attention core precision).',
    advanced: true,
  }),
  actFormat: choice({
    group: 'model',
    label: 'Activation format',
    options: ACT_FORMATS,
    default: 'bf16',
    help: 'Number format of activations between kernels and of the combine all-to-all (dispatch is sent in FP8 when experts are 8-bit or narrower, as DeepSeek does).',
    advanced: true,
  }),
  // ---- routing -----------------------------------------------------------------------------------------
  scoreFn: choice({
    group: 'routing',
    label: 'Score function',
    options: ['softmax', 'sigmoid'] as const,
    default: 'softmax',
    help: 'How router logits become scores: softmax over experts, or an independent sigmoid per expert.',
  }),
  useBias: bool({
    group: 'routing',
    label: 'Selection bias',
    default: false,
    help: 'Add a per-expert bias to the scores for choosing experts only (DeepSeek-V3 load balancing).',
  }),
  groups: int({
    group: 'routing',
    label: 'Expert groups',
    min: 1,
    max: 64,
    default: 1,
    help: 'Group-limited routing: experts split into this many groups (must divide E).',
    advanced: true,
  }),
  topGroups: int({
    group: 'routing',
    label: 'Top groups',
    min: 1,
    max: 64,
    default: 1,
    help: 'Each token may only pick experts from this many best groups.',
    advanced: true,
  }),
  renormalize: bool({
    group: 'routing',
    label: 'Renormalise weights',
    default: true,
    help: 'Rescale the k chosen weights of a token to sum to 1.',
  }),
  routeScale: float({
    group: 'routing',
    label: 'Route scale',
    min: 0.01,
    max: 100,
    step: 0.01,
    default: 1,
    help: 'Multiplier on the combine weights (DeepSeek-V3 uses 2.5).',
    advanced: true,
  }),
  routingMode: choice({
    group: 'routing',
    label: 'Routing mode',
    options: ['token-choice', 'expert-choice'] as const,
    default: 'token-choice',
    help: 'Token-choice: each token picks k experts. Expert-choice: each expert picks its T·k/E best tokens.',
  }),
  capacityFactor: float({
    group: 'routing',
    label: 'Capacity factor',
    min: 0,
    max: 16,
    step: 0.05,
    default: 0,
    help: 'Expert capacity = ceil(cf·T·k/E) tokens; overflow is dropped. 0 = dropless.',
  }),
  dropPolicy: choice({
    group: 'routing',
    label: 'Drop policy',
    options: ['position', 'probability'] as const,
    default: 'position',
    help: 'Which tokens an over-full expert keeps: the earliest ones, or those with the highest score.',
  }),
  blockSize: numChoice({
    group: 'routing',
    label: 'Padding block',
    unit: 'rows',
    options: [1, 16, 64, 128],
    default: 1,
    help: "Each expert's rows are padded to a multiple of this (the GEMM tile height).",
  }),
  // ---- workload ----------------------------------------------------------------------------------------
  tokens: int({
    group: 'workload',
    label: 'Tokens per batch T',
    unit: 'tokens',
    min: 1,
    max: 1_048_576,
    default: 256,
    log: true,
    help: 'Tokens entering the MoE layer per step (decode: concurrent sequences).',
  }),
  phase: choice({
    group: 'workload',
    label: 'Phase',
    options: ['prefill', 'decode'] as const,
    default: 'prefill',
    help: 'Prefill processes a prompt in one go; decode emits one token per sequence per step.',
  }),
  contextLength: int({
    group: 'workload',
    label: 'Context length',
    unit: 'tokens',
    min: 1,
    max: 2_097_152,
    default: 2048,
    log: true,
    help: 'Sequence length so far (prompt length in prefill, KV-cache length in decode).',
  }),
  steps: int({
    group: 'workload',
    label: 'Steps',
    min: 1,
    max: 1024,
    default: 1,
    help: 'Batches (prefill) or decode steps run in sequence.',
  }),
  seed: int({
    group: 'workload',
    label: 'Seed',
    min: 0,
    max: 2_147_483_647,
    default: 1,
    help: 'Random seed for every generated tensor; the same seed gives the same tensors everywhere.',
  }),
  topics: int({
    group: 'workload',
    label: 'Topics',
    min: 1,
    max: 256,
    default: 8,
    help: 'Tokens are drawn from this many topic clusters; a topic tends to favour some experts.',
  }),
  topicConcentration: float({
    group: 'workload',
    label: 'Topic concentration',
    min: 0,
    max: 1,
    step: 0.01,
    default: 0.5,
    help: 'How many tokens come from the dominant topics (0 = topics equally likely, 1 = one topic).',
  }),
  routerTemperature: float({
    group: 'workload',
    label: 'Router temperature',
    min: 0.05,
    max: 10,
    step: 0.05,
    default: 1,
    help: 'Divides router logits: low = confident, peaked routing; high = nearly uniform.',
  }),
  popularitySkew: float({
    group: 'workload',
    label: 'Expert popularity skew',
    min: 0,
    max: 4,
    step: 0.05,
    default: 0.5,
    help: 'Zipf-like preference for some experts over all topics (0 = none).',
  }),
  driftRate: float({
    group: 'workload',
    label: 'Topic drift',
    min: 0,
    max: 1,
    step: 0.01,
    default: 0.1,
    help: 'How fast the topic mix changes from one batch to the next (decode: the chance per step that a sequence ends and a new one takes its slot).',
    advanced: true,
  }),
  layerCorrelation: float({
    group: 'workload',
    label: 'Layer correlation',
    min: 0,
    max: 1,
    step: 0.01,
    default: 0.5,
    help: 'How alike the routers of successive layers are (1 = the same hot experts in every layer).',
    advanced: true,
  }),
  servingMode: choice({
    group: 'workload',
    label: 'Decode served as',
    options: ['fixed', 'served', 'max-throughput'] as const,
    default: 'fixed',
    help: 'fixed: T sequences at the context length, decode only. served: T concurrent requests of the input and output lengths below (mean KV length input + output/2) with their prefill chunks mixed into decode steps. max-throughput: the same with the largest batch the KV cache holds, up to T (offline benchmarks).',
  }),
  inputLength: int({
    group: 'workload',
    label: 'Input length',
    unit: 'tokens',
    min: 1,
    max: 2_097_152,
    default: 1024,
    log: true,
    help: 'Prompt tokens per request (served and max-throughput decode).',
  }),
  outputLength: int({
    group: 'workload',
    label: 'Output length',
    unit: 'tokens',
    min: 1,
    max: 2_097_152,
    default: 1024,
    log: true,
    help: 'Generated tokens per request (served and max-throughput decode).',
  }),
  speculative: choice({
    group: 'workload',
    label: 'Speculative decoding',
    options: ['none', 'mtp', 'draft-model'] as const,
    default: 'none',
    help: 'Draft tokens checked by one target step: multi-token-prediction heads (one extra layer of the model per draft token, DeepSeek-V3) or a separate dense draft model.',
  }),
  draftTokens: int({
    group: 'workload',
    label: 'Draft tokens',
    min: 1,
    max: 16,
    default: 1,
    help: 'Tokens drafted per step; the target model verifies them and its own next token in one pass.',
    advanced: true,
  }),
  acceptLength: float({
    group: 'workload',
    label: 'Acceptance length',
    unit: 'tokens/step',
    min: 1,
    max: 17,
    step: 0.05,
    default: 1.8,
    help: 'Mean tokens emitted per target step (accepted drafts + 1), at most draft tokens + 1. DeepSeek reports 85–90% acceptance of one MTP token: about 1.85.',
    advanced: true,
  }),
  draftParams: float({
    group: 'workload',
    label: 'Draft model size',
    unit: 'B params',
    min: 0.01,
    max: 1000,
    step: 0.01,
    default: 1,
    help: 'Parameters of a separate draft model (billions), stored in the weight format above.',
    advanced: true,
  }),
  // ---- hardware ----------------------------------------------------------------------------------------
  chips: {
    kind: 'list',
    group: 'hardware',
    label: 'Chips to compare',
    of: 'chips',
    minItems: 1,
    maxItems: 8,
    default: ['h100', 'groq-lpu'],
    help: 'Real and hypothetical chips the measured load is projected onto.',
  } satisfies ListParam as ListParam,
  chipCount: int({
    group: 'hardware',
    label: 'Chips per system',
    min: 1,
    max: 4096,
    default: 8,
    log: true,
    help: 'Chips serving one model replica.',
  }),
  expertParallel: int({
    group: 'hardware',
    label: 'Expert parallel degree',
    min: 1,
    max: 4096,
    default: 8,
    log: true,
    help: 'Chips the experts are spread over (at most the chip count).',
  }),
  tensorParallel: int({
    group: 'hardware',
    label: 'Tensor parallel degree',
    min: 1,
    max: 64,
    default: 1,
    help: 'Chips each matrix is split across (attention and dense layers).',
    advanced: true,
  }),
  expertTensorParallel: int({
    group: 'hardware',
    label: 'Expert tensor parallel degree',
    min: 1,
    max: 64,
    default: 1,
    help: "Chips each routed expert's matrices are split across, with an all-reduce after the MoE block (vLLM's and SGLang's TP8 default: expert parallel 1 × expert TP 8). Expert parallel × expert TP is at most the chip count.",
    advanced: true,
  }),
  // ---- run ---------------------------------------------------------------------------------------------
  measureScale: float({
    group: 'run',
    label: 'Measurement scale',
    min: 0,
    max: 1,
    step: 0.001,
    default: 0,
    help: 'Fraction of f kept when the layer runs on this device (0 = automatic: shrink only to fit).',
  }),
  trials: int({
    group: 'run',
    label: 'Timed trials',
    min: 1,
    max: 50,
    default: 3,
    help: 'Timed repetitions after warm-up; the median and minimum are reported.',
  }),
  engine: choice({
    group: 'run',
    label: 'Engine',
    options: ['auto', 'gpu', 'cpu'] as const,
    default: 'auto',
    help: 'Run the layer with WebGPU, on the CPU reference, or WebGPU when available (auto).',
  }),
  // ---- hardware: cost-model system options (appended) ----------------------------------------------------
  expertPlacement: choice({
    group: 'hardware',
    label: 'Expert placement',
    options: ['round-robin', 'load-aware', 'eplb'] as const,
    default: 'round-robin',
    help: 'How experts are put on the expert-parallel chips: expert e on chip e mod N, packed by measured load, or packed with the hottest experts replicated (DeepSeek EPLB).',
  }),
  redundantExperts: int({
    group: 'hardware',
    label: 'Redundant expert replicas',
    min: 0,
    max: 1024,
    default: 0,
    help: 'Extra copies of hot experts per layer for EPLB placement (DeepSeek serves V3 with 32).',
    advanced: true,
  }),
  overlap: choice({
    group: 'hardware',
    label: 'Compute/communication overlap',
    options: ['max', 'sum', 'dual-batch'] as const,
    default: 'max',
    help: 'max: the all-to-all hides fully behind compute (ideal); sum: nothing overlaps; dual-batch: two micro-batches take turns, each re-reading weights (DeepSeek serving).',
  }),
  attentionChips: int({
    group: 'hardware',
    label: 'Attention pool chips',
    min: 0,
    max: 4096,
    default: 0,
    log: true,
    help: 'Attention/FFN disaggregation: chips that run attention apart from the expert chips (0 = no separate pool; for a two-pool system, its own default).',
    advanced: true,
  }),
  fitPolicy: choice({
    group: 'hardware',
    label: 'When the model does not fit',
    options: ['grow', 'fixed'] as const,
    default: 'grow',
    help: 'grow: add pipeline stages, then wider stages, until weights and KV cache fit; fixed: project the chips as set and flag it.',
  }),
  costBasis: choice({
    group: 'hardware',
    label: 'Cost basis',
    options: ['ownership', 'rental'] as const,
    default: 'ownership',
    help: 'Price per chip-hour from owning the chip (purchase amortised plus electricity; works for every chip, so comparisons are fair) or from a cloud rental list price where one is published.',
  }),
  electricityPrice: float({
    group: 'hardware',
    label: 'Electricity price',
    unit: '$/kWh',
    min: 0,
    max: 1,
    step: 0.01,
    default: 0.1,
    help: 'Paid for every watt the chips draw, times a data-centre overhead (PUE), when owning the chips.',
    advanced: true,
  }),
  amortizationYears: float({
    group: 'hardware',
    label: 'Amortisation',
    unit: 'years',
    min: 0.5,
    max: 10,
    step: 0.5,
    default: 4,
    help: 'Years over which an owned chip’s purchase price is spread.',
    advanced: true,
  }),
  stackLevel: choice({
    group: 'hardware',
    label: 'Serving-stack level',
    options: ['ideal', 'tuned', 'untuned'] as const,
    default: 'tuned',
    help: 'The software the chips run. ideal: the roofline with every kernel at its ceiling; tuned: a well-tuned current stack (CUDA graphs, fused MoE kernels, custom all-reduce), calibrated on published measurements; untuned: an older or untuned stack (no graphs, framework overhead per step).',
  }),
  targetSpeed: int({
    group: 'hardware',
    label: 'Target speed per user',
    unit: 'tokens/s',
    min: 1,
    max: 10000,
    default: 50,
    log: true,
    help: 'Speed each user must get; the design-space sweep looks for the cheapest chip that reaches it.',
  }),
  // Last, so that links without custom chips keep their exact form (the codec leaves an empty list out).
  customChips: {
    kind: 'customChips',
    group: 'hardware',
    label: 'Custom chips',
    maxItems: MAX_CUSTOM_CHIPS,
    default: [],
    help: `Up to ${MAX_CUSTOM_CHIPS} named chips of your own, each a preset with figures changed; projected beside the chips above and marked hypothetical.`,
  } satisfies CustomChipsParam as CustomChipsParam,
} as const;

export type ParamKey = keyof typeof PARAMS;
type ValueOf<P> = P extends { kind: 'bool' }
  ? boolean
  : P extends { kind: 'list' }
    ? string[]
    : P extends { kind: 'customChips' }
      ? CustomChip[]
      : P extends EnumParam<infer T>
        ? T
        : number;
export type Scenario = { -readonly [K in ParamKey]: ValueOf<(typeof PARAMS)[K]> };

export const PARAM_KEYS = Object.keys(PARAMS) as ParamKey[];
export const GROUP_LABELS: Record<Group, string> = {
  model: 'Shape',
  routing: 'Routing',
  workload: 'Workload',
  hardware: 'Hardware',
  run: 'Run',
};

export function paramDef(key: ParamKey): ParamDef {
  return PARAMS[key] as ParamDef;
}

export function defaultScenario(): Scenario {
  const s: Record<string, unknown> = {};
  for (const key of PARAM_KEYS) {
    const d = paramDef(key).default;
    s[key] = Array.isArray(d) ? [...d] : d;
  }
  return s as Scenario;
}

/** The model-shape and routing fields a model preset sets. */
export const MODEL_KEYS = PARAM_KEYS.filter(
  (k) => (paramDef(k).group === 'model' || paramDef(k).group === 'routing') && k !== 'preset',
);
