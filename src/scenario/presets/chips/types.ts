/**
 * Chip presets: the data types and the helpers the family files share. Presets are data only. Headline figures are dense (not 2:4-sparse) from vendor datasheets unless noted (see
 * ../shared/REFERENCES.md "Chips"). `model` holds every further figure the cost model (src/costmodel) needs, each
 * with its status and source, so a reader can tell a datasheet number from our estimate. Hypothetical chips say
 * so in `status` and name the real chip they start from in `basedOn`.
 */
export type ChipStatus = 'datasheet' | 'estimate' | 'hypothetical';

/** One modelling figure with its provenance. */
export interface Fact {
  value: number;
  status: ChipStatus;
  source: string;
}

/** Figures the cost model needs beyond the headline table. */
export interface ChipModelFacts {
  /** Board power in W (the datasheet TDP where published). */
  tdpW: Fact;
  /** Share of TDP drawn whatever the load (leakage, memory refresh, fans): static power = idleShare · TDP. */
  idleShare: Fact;
  /** Dense FP4 TFLOP/s, where the chip has FP4 units. */
  tflopsFp4?: Fact;
  /** Share of on-chip SRAM that can pin expert weights across steps (0 = a hardware-managed cache). */
  sramResidentShare: Fact;
  /** One-way latency of one scale-up link hop, µs. */
  linkLatencyUs: Fact;
  /** Chips in one scale-up domain (an NVLink/Infinity Fabric island). */
  scaleUpDomain: Fact;
  /** Scale-out bandwidth per chip per direction, GB/s (NIC). */
  scaleOutGBs: Fact;
  /** Scale-out latency (NIC + switch), µs. */
  scaleOutLatencyUs: Fact;
  /** Fraction of link peak that collectives reach. */
  linkEfficiency: Fact;
  /** Fixed software cost of one all-to-all (launch, layout, barrier), µs. */
  a2aBaseUs: Fact;
  /** Rows below which a matrix tile is wasted: each expert's rows are padded to a multiple of this. */
  tileRows: Fact;
  /** Per-kernel launch/synchronisation gap, µs. */
  launchUs: Fact;
  /** Software routing cost per (token, slot) pair sent or received (permute, index, metadata), ns. */
  dispatchNsPerToken: Fact;
  /** Matrix efficiency ceiling (large operations). */
  computeEffMax: Fact;
  /** Small-operation ramp: a matrix operation takes (FLOPs/peak + ramp) / ceiling. µs. */
  computeRampUs: Fact;
  /** Memory efficiency ceiling (large transfers). */
  memEffMax: Fact;
  /** Small-transfer ramp for memory, µs (same form as computeRampUs). */
  memRampUs: Fact;
  /** Off-chip memory access energy, pJ/byte. */
  memPjPerByte: Fact;
  /** Off-chip memory cost, $/GB (for manufacturing-cost estimates). */
  memUsdPerGB: Fact;
  /** Silicon dies per package. */
  dies: Fact;
  /** Total silicon area, mm² (all dies). */
  areaMm2?: Fact;
  /** Purchase price per chip (with its share of board), $. */
  purchaseUsd?: Fact;
  /** Cloud rental price per chip-hour, $. */
  rentalPerHour?: Fact;
}

/** Attention and experts on two chip pools (disaggregation), selectable like a chip. */
export interface PoolSystem {
  /** Chip running attention, router, shared experts, dense layers and the LM head. */
  attentionChip: string;
  /** Chip holding the routed experts. */
  expertChip: string;
  /** Default size of the attention pool (the scenario's attentionChips overrides it). */
  attentionChips: number;
}

export interface ChipPreset {
  id: string;
  name: string;
  vendor: string;
  status: ChipStatus;
  /** Where the figures come from; hypothetical chips name the real chip they start from. */
  source: string;
  /** Dense peak TFLOP/s. */
  tflopsBf16: number;
  tflopsFp8?: number;
  /** Off-chip memory capacity in GB (0 = none). */
  memGB: number;
  /** Off-chip memory bandwidth in TB/s (0 = none). */
  memTBs: number;
  /** On-chip SRAM (L2, cache or scratchpad) in MB. */
  sramMB: number;
  /** On-chip SRAM bandwidth in TB/s, when published. */
  sramTBs?: number;
  /** Scale-up link bandwidth per direction in GB/s. */
  linkGBs: number;
  /** Board power in W, when published. */
  powerW?: number;
  /** Process node in nm. */
  nodeNm: number;
  dieMm2?: number;
  notes?: string;
  /** Hypothetical chips: the real chip preset they start from. */
  basedOn?: string;
  /** Two-pool systems: the headline fields repeat the expert chip's. */
  system?: PoolSystem;
  /**
   * Compiled for fixed tensor shapes (a static dataflow): the expert phase computes every expert at full capacity
   * and reads every expert's weights on every step, however the tokens fall.
   */
  staticShapes?: boolean;
  model: ChipModelFacts;
}

export const ds = (value: number, source: string): Fact => ({ value, status: 'datasheet', source });
export const est = (value: number, source: string): Fact => ({ value, status: 'estimate', source });
export const hyp = (value: number, source: string): Fact => ({ value, status: 'hypothetical', source });

export const CALCULON =
  'Calculon efficiency curves (matrix 0.95 large, 0.6 at 1 GFLOP on an A100; memory 0.9 at 100 MB)';
export const DEEPEP = 'DeepEP README: H800 collectives reach ~80% of NVLink/IB peak';
export const HBM3E_PJ = 'HBM3E ≈ 4.65 pJ/bit (llm_spice)';
export const HBM_COST = 'HBM ~$7/GB (LLMCompass)';
export const GUESS = 'our estimate (no public figure)';

/** Modelling figures shared by HBM GPUs of the Hopper/Blackwell/CDNA3 class; each preset overrides its own. */
export function gpuModel(tdpW: Fact, more: Partial<ChipModelFacts> = {}): ChipModelFacts {
  return {
    tdpW,
    idleShare: est(0.25, 'static share of TDP under serving; our estimate from idle/TDP telemetry reports'),
    sramResidentShare: est(0, 'L2 is a hardware-managed cache: weights do not stay resident across layers'),
    linkLatencyUs: est(1, 'NVLink hop incl. switch; our estimate'),
    scaleUpDomain: ds(8, 'HGX/DGX 8-GPU board'),
    scaleOutGBs: ds(50, 'one 400 Gb/s ConnectX-7 NIC per GPU (DGX datasheet; DeepEP ~50 GB/s)'),
    scaleOutLatencyUs: est(4, 'RDMA NIC + one switch; our estimate'),
    linkEfficiency: est(0.8, DEEPEP),
    a2aBaseUs: ds(5, 'GenZ all-to-all fixed term 5 µs'),
    tileRows: est(64, 'typical grouped-GEMM BLOCK_M (vLLM fused_moe, DeepGEMM); vLLM PR 47593'),
    launchUs: est(4, 'kernel gap with CUDA graphs; LLMCompass reports ~21 µs per A100 matmul without'),
    dispatchNsPerToken: est(2, 'permute/align kernels (vLLM moe_align_block_size); our estimate'),
    computeEffMax: est(0.95, CALCULON),
    computeRampUs: est(2, `${CALCULON}: 0.58 GFLOP half-point on a 312 TFLOP/s A100 ≈ 2 µs`),
    memEffMax: est(0.9, CALCULON),
    memRampUs: est(1.3, `${CALCULON}: 2 MB half-point on a 1.55 TB/s A100 ≈ 1.3 µs`),
    memPjPerByte: est(37.2, HBM3E_PJ),
    memUsdPerGB: est(7, HBM_COST),
    dies: ds(1, 'datasheet'),
    ...more,
  };
}
