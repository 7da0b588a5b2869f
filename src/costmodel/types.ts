/** Public types of the cost model. All times in seconds, sizes in bytes, rates in units per second. */

import type { ChipStatus } from '../scenario';

export type Precision = 'fp4' | 'fp8' | 'bf16' | 'fp32';
export type Phase = 'prefill' | 'decode';
export type { Placement } from '../metrics';

export type Overlap = 'max' | 'sum' | 'dual-batch';

/** One chip, resolved into SI units with every modelling figure filled in. */
export interface ChipSpec {
  id: string;
  name: string;
  status: ChipStatus;
  source: string;
  /** Dense FLOP/s by precision (missing precisions fall back to the next wider one). */
  flops: Record<Precision, number>;
  /** Off-chip memory capacity and bandwidth (0 = none: weights must live in SRAM). */
  memBytes: number;
  memBw: number;
  sramBytes: number;
  sramBw: number;
  /** Share of SRAM that pins expert weights (1 on SRAM-only chips). */
  sramResidentShare: number;
  /** Scale-up link bandwidth per direction, latency per hop, and domain size. */
  linkBw: number;
  linkLatency: number;
  scaleUpDomain: number;
  scaleOutBw: number;
  scaleOutLatency: number;
  linkEfficiency: number;
  a2aBase: number;
  tileRows: number;
  /**
   * A fixed-shape dataflow chip: every expert runs at full capacity on every step, touched or not
   * (docs/COST_MODEL.md §1, "Static-shape chips"). Absent on every programmable chip.
   */
  staticShapes?: boolean;
  launch: number;
  dispatchPerToken: number;
  computeEffMax: number;
  computeRamp: number;
  memEffMax: number;
  memRamp: number;
  tdpW: number;
  idleShare: number;
  nodeNm: number;
  dies: number;
  areaMm2: number;
  /** Energy per FLOP (J) by precision, per byte (J) by memory level and link. */
  jPerFlop: Record<Precision, number>;
  jPerMemByte: number;
  jPerSramByte: number;
  jPerLinkByte: number;
  jPerScaleOutByte: number;
  /** Price per chip: purchase ($) and rental ($/h), either may be unknown. */
  purchaseUsd?: number;
  rentalPerHour?: number;
  /** How the purchase price was found. */
  purchaseBasis?: 'list' | 'derived';
  memUsdPerGB: number;
}

/** A chip or a two-pool system (attention on one chip, routed experts on another). */
export interface HardwareSpec {
  id: string;
  name: string;
  status: ChipStatus;
  /** The chip that holds routed experts (and everything else when not disaggregated). */
  experts: ChipSpec;
  /** The chip that runs attention when disaggregated (same as experts otherwise). */
  attention: ChipSpec;
  /** Default attention pool size for a two-pool system (0 = not disaggregated by default). */
  attentionChips: number;
  /** Cross-pool network (two-pool systems): a2a base, latency and efficiency. */
  crossPool?: { a2aBase: number; latency: number; efficiency: number };
}

/** Counts for one MoE layer. */
export interface LayerLoad {
  /** c_e: (token, slot) assignments per routed expert over the measured window. */
  counts: ArrayLike<number>;
  /** Tokens that produced `counts`. */
  tokens: number;
  /** Assignments kept per expert after capacity (defaults to counts: dropless). */
  kept?: ArrayLike<number>;
  /** Optional per-step counts (decode): each entry is one step of `stepTokens` tokens. */
  steps?: readonly ArrayLike<number>[];
  stepTokens?: number;
  /** Measured all-to-all traffic of this layer (metrics/network, see networkLoad); absent: uniform sends. */
  network?: LayerNetworkLoad;
}

/**
 * A layer's measured network as the cost model takes it. Without it the all-to-all charges every chip the mean
 * send (tokens · k rows, remote share (N − 1)/N) and splits remote bytes over scale-up and scale-out links by
 * uniform shares.
 */
export interface LayerNetworkLoad {
  /**
   * The busiest home rank's real dispatch sends over links, in rows per token a rank holds (one row per token and
   * destination rank, self excluded; Σ over steps of each step's busiest sender / (T / R)). The all-to-all ends
   * when its busiest rank does, so this replaces the mean k · (N − 1)/N rows a chip sends in the dispatch and gets
   * back in the combine.
   */
  sendRowsPerToken: number;
  /** Busiest home rank's send bytes over the mean rank's (≥ 1; 1 = even): reported beside sendRowsPerToken. */
  sendFactor: number;
  /**
   * Busiest expert rank's receive bytes over the mean (informational: the cost model already derives each expert
   * rank's received rows from the counts and its own placement, so applying it would count that imbalance twice).
   */
  recvFactor: number;
  /** Share of the linked (non-self) bytes that stays inside a scale-up domain; replaces (domain − 1)/(N − 1). */
  upShare?: number;
}

/** A measured, imported or assumed routing load: the cost model's input. */
export interface LoadProfile {
  source: 'measured' | 'imported' | 'uniform' | 'synthetic';
  label: string;
  experts: number;
  topK: number;
  /** Padding block the counts were measured with (metrics only; the chip's tile decides projected padding). */
  blockSize: number;
  phase: Phase;
  /** One entry per MoE layer; fewer layers are stretched over the model's MoE layers. */
  layers: LayerLoad[];
  /** Uniform profiles carry no counts: the expert probability is k/E. */
  uniform?: boolean;
}

/** How the chips are organised for one projection. */
export interface SystemLayout {
  /** Chips in one pipeline stage (the expert pool when disaggregated). */
  stageChips: number;
  stages: number;
  /** Expert-parallel ranks per stage, and chips per expert when ranks outnumber expert copies. */
  expertRanks: number;
  expertShard: number;
  tensorParallel: number;
  /** Attention data-parallel groups per stage. */
  dataParallel: number;
  /** Attention pool chips when disaggregated (0 = attention on the expert chips). */
  attentionChips: number;
  totalChips: number;
  /** Chips the model needs at least (weights + KV cache), and whether it fits on the scenario's chips. */
  chipsNeeded: number;
  fits: boolean;
  /** Bytes per chip (expert chips) and per-chip capacity. */
  bytesPerChip: number;
  capacityPerChip: number;
  /** Micro-batch tokens each stage sees per step. */
  microBatch: number;
  grown: boolean;
}

/** Time per step on the critical path, by stage, summed over layers (busiest chip). */
export interface StageTimes {
  attention: number;
  router: number;
  dispatch: number;
  experts: number;
  combine: number;
  shared: number;
  dense: number;
  head: number;
  pipeline: number;
  /** Host time per step of the serving stack (scheduling, sampling). */
  host: number;
  /** Draft steps of speculative decoding. */
  draft: number;
}

export type Bound = 'compute' | 'memory' | 'link' | 'overhead';

export interface LayerBreakdown {
  index: number;
  kind: 'moe' | 'dense';
  times: StageTimes;
  total: number;
  /** Busiest expert rank (MoE layers); every rank's times and rows: projectionRanks(). */
  busiestRank: number;
  bound: Bound;
}

export interface EnergyReport {
  jPerToken: number;
  /** Energy per step (J) by cause, all chips. */
  computeJ: number;
  memJ: number;
  sramJ: number;
  linkJ: number;
  staticJ: number;
  avgPowerW: number;
}

export interface CostReport {
  usdPerMTokens: number;
  usdPerHour: number;
  basis: 'rental' | 'ownership';
  /** Purchase cost of all chips (ownership basis). */
  capexUsd: number;
}

export interface ImbalanceTax {
  /** (actual + drops) / balanced step time; 1 = no tax. */
  ratio: number;
  /** Extra seconds per step by cause; they sum to the total. */
  busiestChip: number;
  padding: number;
  distinctExperts: number;
  droppedTokens: number;
  total: number;
}

export interface Headline {
  stepTime: number;
  ttft: number;
  tpot: number;
  tokensPerSecPerUser: number;
  throughput: number;
  jPerToken: number;
  usdPerMTokens: number;
}

/** What a projection assumes, stated wherever it is shown (UI, CLI JSON, exports). */
export interface ProjectionAssumptions {
  /** Serving-stack level and where its constants come from. */
  stack: { level: 'ideal' | 'tuned' | 'untuned'; source: string };
  /** Number format of each part. */
  precision: { weights: string; experts: string; kvCache: string; activations: string };
  /** Parallel layout as projected (after growing to fit). */
  layout: {
    chips: number;
    tensorParallel: number;
    dataParallel: number;
    expertParallel: number;
    expertShard: number;
    stages: number;
  };
  /** Decode as served: sequences, tokens checked per sequence per step, emitted per step, KV length, prompt tokens mixed in. */
  batch: {
    mode: 'fixed' | 'served' | 'max-throughput' | 'prefill';
    sequences: number;
    tokensPerSequence: number;
    emittedPerStep: number;
    kvLength: number;
    promptTokensPerStep: number;
  };
  /**
   * What the expert-parallel all-to-all charges: the busiest rank's real sends from a routing trace (`measured`,
   * in `layers` of the profile's layers), or, with counts alone (no per-token data), every chip the mean send
   * (`mean`: k rows a token spread evenly over the ranks); `none` when no all-to-all runs.
   */
  allToAll: { basis: 'none' | 'measured' | 'mean'; layers: number };
  /** One line of all of the above. */
  text: string;
}

export interface Projection extends Headline {
  chipId: string;
  chipName: string;
  status: ChipStatus;
  phase: Phase;
  system: SystemLayout;
  throughputPerChip: number;
  breakdown: StageTimes;
  /** Sum of stage times minus the step time: what overlap hid. */
  hiddenByOverlap: number;
  layers: LayerBreakdown[];
  bottleneck: keyof StageTimes;
  energy: EnergyReport;
  cost: CostReport;
  balanced: Headline;
  imbalanceTax: ImbalanceTax;
  /** Load as the chip sees it, averaged over MoE layers. */
  load: { distinctExperts: number; paddingFraction: number; rowsPerExpert: number; droppedFraction: number };
  assumptions: ProjectionAssumptions;
  notes: string[];
}

export interface ProjectOptions {
  /** Leave out per-layer breakdowns (sweeps). */
  detail?: boolean;
  /** Replace the chip (design sweeps). */
  chip?: HardwareSpec;
}
