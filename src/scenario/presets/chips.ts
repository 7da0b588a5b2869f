/**
 * Chip presets: data only. Headline figures are dense (not 2:4-sparse) from vendor datasheets unless noted (see
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
  model: ChipModelFacts;
}

const ds = (value: number, source: string): Fact => ({ value, status: 'datasheet', source });
const est = (value: number, source: string): Fact => ({ value, status: 'estimate', source });
const hyp = (value: number, source: string): Fact => ({ value, status: 'hypothetical', source });

const CALCULON =
  'Calculon efficiency curves (matrix 0.95 large, 0.6 at 1 GFLOP on an A100; memory 0.9 at 100 MB)';
const DEEPEP = 'DeepEP README: H800 collectives reach ~80% of NVLink/IB peak';
const HBM3E_PJ = 'HBM3E ≈ 4.65 pJ/bit (llm_spice)';
const HBM_COST = 'HBM ~$7/GB (LLMCompass)';
const GUESS = 'our estimate (no public figure)';

/** Modelling figures shared by HBM GPUs of the Hopper/Blackwell/CDNA3 class; each preset overrides its own. */
function gpuModel(tdpW: Fact, more: Partial<ChipModelFacts> = {}): ChipModelFacts {
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

export const CHIP_PRESETS: readonly ChipPreset[] = [
  {
    id: 'h100',
    name: 'NVIDIA H100 SXM',
    vendor: 'NVIDIA',
    status: 'datasheet',
    source: 'NVIDIA H100 datasheet',
    tflopsBf16: 989,
    tflopsFp8: 1979,
    memGB: 80,
    memTBs: 3.35,
    sramMB: 50,
    linkGBs: 450,
    powerW: 700,
    nodeNm: 4,
    dieMm2: 814,
    model: gpuModel(ds(700, 'NVIDIA H100 datasheet'), {
      areaMm2: ds(814, 'NVIDIA Hopper whitepaper'),
      purchaseUsd: est(25000, 'press reports of $25–30k per H100 SXM; our estimate'),
      rentalPerHour: ds(4.25, 'CoreWeave list price used by Vidur (REFERENCES)'),
    }),
  },
  {
    id: 'h800',
    name: 'NVIDIA H800 SXM',
    vendor: 'NVIDIA',
    status: 'estimate',
    source: 'H100 SXM figures with NVLink cut to 400 GB/s (both directions); DeepSeek-V3 report §3.1',
    tflopsBf16: 989,
    tflopsFp8: 1979,
    memGB: 80,
    memTBs: 3.35,
    sramMB: 50,
    linkGBs: 200,
    powerW: 700,
    nodeNm: 4,
    dieMm2: 814,
    notes:
      'Export variant of the H100; DeepSeek serves V3/R1 on it. NVLink 200 GB/s each way (~160 achieved).',
    model: gpuModel(ds(700, 'as H100'), {
      areaMm2: ds(814, 'as H100'),
      purchaseUsd: est(25000, 'as H100; our estimate'),
      rentalPerHour: ds(2, 'DeepSeek open-infra-index day 6: "leasing cost of one H800 GPU is $2 per hour"'),
    }),
  },
  {
    id: 'h200',
    name: 'NVIDIA H200',
    vendor: 'NVIDIA',
    status: 'datasheet',
    source: 'NVIDIA H200 datasheet',
    tflopsBf16: 989,
    tflopsFp8: 1979,
    memGB: 141,
    memTBs: 4.8,
    sramMB: 50,
    linkGBs: 450,
    powerW: 700,
    nodeNm: 4,
    dieMm2: 814,
    model: gpuModel(ds(700, 'NVIDIA H200 datasheet'), {
      areaMm2: ds(814, 'same GH100 die as H100'),
      purchaseUsd: est(32000, 'press reports ~$30–35k; our estimate'),
      rentalPerHour: est(3.5, 'typical 2025 cloud list prices; our estimate'),
    }),
  },
  {
    id: 'b200',
    name: 'NVIDIA B200',
    vendor: 'NVIDIA',
    status: 'datasheet',
    source: 'NVIDIA DGX B200 datasheet',
    tflopsBf16: 2250,
    tflopsFp8: 4500,
    memGB: 180,
    memTBs: 8,
    sramMB: 126,
    linkGBs: 900,
    powerW: 1000,
    nodeNm: 4,
    notes: 'Two dies; L2 size is an estimate.',
    model: gpuModel(ds(1000, 'NVIDIA DGX B200 datasheet'), {
      tflopsFp4: ds(9000, 'NVIDIA DGX B200 datasheet (dense FP4)'),
      tileRows: est(128, 'tcgen05 MMA M = 128 per CTA'),
      dies: ds(2, 'NVIDIA Blackwell architecture brief'),
      areaMm2: est(1600, 'two reticle-sized dies; our estimate'),
      purchaseUsd: est(35000, 'NVIDIA CEO quoted $30–40k; our estimate'),
      rentalPerHour: est(5.5, 'typical 2025 cloud list prices; our estimate'),
    }),
  },
  {
    id: 'mi300x',
    name: 'AMD MI300X',
    vendor: 'AMD',
    status: 'datasheet',
    source: 'AMD Instinct MI300X datasheet',
    tflopsBf16: 1307,
    tflopsFp8: 2615,
    memGB: 192,
    memTBs: 5.3,
    sramMB: 256,
    linkGBs: 448,
    powerW: 750,
    nodeNm: 5,
    notes: 'Chiplets on N5/N6; 256 MB Infinity Cache.',
    model: gpuModel(ds(750, 'AMD Instinct MI300X datasheet'), {
      dies: ds(12, '8 XCD + 4 IOD chiplets (AMD CDNA 3 whitepaper)'),
      areaMm2: est(1700, 'sum of chiplets; our estimate'),
      purchaseUsd: est(15000, 'press reports $10–15k; our estimate'),
      rentalPerHour: est(2.5, 'typical 2025 cloud list prices; our estimate'),
    }),
  },
  {
    id: 'tpu-v5e',
    name: 'Google TPU v5e',
    vendor: 'Google',
    status: 'datasheet',
    source: 'Google Cloud TPU v5e documentation',
    tflopsBf16: 197,
    memGB: 16,
    memTBs: 0.819,
    sramMB: 0,
    linkGBs: 200,
    nodeNm: 5,
    notes: 'Power not published; ICI bandwidth is an estimate.',
    model: gpuModel(est(200, GUESS), {
      scaleUpDomain: ds(256, 'v5e pod: 256 chips on ICI'),
      scaleOutGBs: est(25, 'data-centre network per chip; our estimate'),
      tileRows: est(128, 'MXU 128×128'),
      memPjPerByte: est(48, 'HBM2e ~6 pJ/bit; our estimate'),
      rentalPerHour: ds(1.2, 'Google Cloud on-demand list price per chip-hour'),
    }),
  },
  {
    id: 'tpu-v5p',
    name: 'Google TPU v5p',
    vendor: 'Google',
    status: 'datasheet',
    source: 'Google Cloud TPU v5p documentation',
    tflopsBf16: 459,
    memGB: 95,
    memTBs: 2.77,
    sramMB: 0,
    linkGBs: 600,
    nodeNm: 5,
    notes: 'Power not published; ICI bandwidth is an estimate.',
    model: gpuModel(est(450, GUESS), {
      scaleUpDomain: ds(8960, 'v5p pod: 8,960 chips on ICI'),
      scaleOutGBs: est(25, 'data-centre network per chip; our estimate'),
      tileRows: est(128, 'MXU 128×128'),
      memPjPerByte: est(48, 'HBM2e ~6 pJ/bit; our estimate'),
      rentalPerHour: ds(4.2, 'Google Cloud on-demand list price per chip-hour'),
    }),
  },
  {
    id: 'tpu-v6e',
    name: 'Google TPU v6e',
    vendor: 'Google',
    status: 'datasheet',
    source: 'Google Cloud TPU v6e documentation',
    tflopsBf16: 918,
    memGB: 32,
    memTBs: 1.64,
    sramMB: 0,
    linkGBs: 400,
    nodeNm: 4,
    notes: 'Power not published; ICI bandwidth is an estimate.',
    model: gpuModel(est(300, GUESS), {
      scaleUpDomain: ds(256, 'v6e pod: 256 chips on ICI'),
      scaleOutGBs: est(25, 'data-centre network per chip; our estimate'),
      tileRows: est(256, 'MXU 256×256'),
      rentalPerHour: ds(2.7, 'Google Cloud on-demand list price per chip-hour'),
    }),
  },
  {
    id: 'gaudi3',
    name: 'Intel Gaudi 3',
    vendor: 'Intel',
    status: 'datasheet',
    source: 'Intel Gaudi 3 white paper',
    tflopsBf16: 1835,
    tflopsFp8: 1835,
    memGB: 128,
    memTBs: 3.7,
    sramMB: 96,
    linkGBs: 600,
    powerW: 900,
    nodeNm: 5,
    notes: 'Scale-up is 24×200 GbE (600 GB/s per direction).',
    model: gpuModel(ds(900, 'Intel Gaudi 3 white paper'), {
      scaleOutGBs: est(75, '3 of the 24 200 GbE ports face out; our reading of the white paper'),
      tileRows: est(128, 'MME 256×256 systolic array; our estimate of the useful row block'),
      memPjPerByte: est(48, 'HBM2e ~6 pJ/bit; our estimate'),
      dies: ds(2, 'Intel Gaudi 3 white paper'),
      purchaseUsd: ds(15625, 'Intel list: 8-accelerator kit $125,000'),
    }),
  },
  {
    id: 'groq-lpu',
    name: 'Groq LPU (GroqChip 1)',
    vendor: 'Groq',
    status: 'datasheet',
    source: 'Groq ISCA 2020 / ISCA 2022 papers',
    tflopsBf16: 188,
    tflopsFp8: 750,
    memGB: 0,
    memTBs: 0,
    sramMB: 230,
    sramTBs: 80,
    linkGBs: 100,
    powerW: 300,
    nodeNm: 14,
    dieMm2: 725,
    notes:
      'No off-chip memory: weights live in SRAM across many chips. FP16 figure; FP8 column is int8 TOPS.',
    model: {
      tdpW: est(300, 'REFERENCES: ~215–375 W'),
      idleShare: est(0.25, GUESS),
      sramResidentShare: ds(1, 'all weights live in on-chip SRAM'),
      linkLatencyUs: est(0.5, 'statically scheduled chip-to-chip links (ISCA 2022); our estimate'),
      scaleUpDomain: est(264, 'one software-scheduled fabric of up to 264 chips (ISCA 2022); our reading'),
      scaleOutGBs: est(100, 'same chip-to-chip links'),
      scaleOutLatencyUs: est(1, GUESS),
      linkEfficiency: est(0.9, 'compiler-scheduled, no congestion; our estimate'),
      a2aBaseUs: est(1, 'no software collective stack; our estimate'),
      tileRows: est(1, 'activations stream as vectors, weights stationary; our reading'),
      launchUs: est(0.5, 'one static program, no kernel launches; our estimate'),
      dispatchNsPerToken: est(1, GUESS),
      computeEffMax: est(0.9, GUESS),
      computeRampUs: est(0.5, 'deterministic pipeline, short ramp; our estimate'),
      memEffMax: est(0.9, GUESS),
      memRampUs: est(0.2, GUESS),
      memPjPerByte: est(0, 'no off-chip memory'),
      memUsdPerGB: est(0, 'no off-chip memory'),
      dies: ds(1, 'Groq ISCA 2020'),
      areaMm2: ds(725, 'Groq ISCA 2020'),
      purchaseUsd: est(20000, 'press reports ~$20k per GroqCard; our estimate'),
    },
  },
  {
    id: 'cerebras-wse3',
    name: 'Cerebras WSE-3',
    vendor: 'Cerebras',
    status: 'datasheet',
    source: 'Cerebras CS-3 announcement',
    tflopsBf16: 125000,
    memGB: 0,
    memTBs: 0,
    sramMB: 44000,
    sramTBs: 21000,
    linkGBs: 150,
    powerW: 23000,
    nodeNm: 5,
    dieMm2: 46225,
    notes: 'Vendor "AI" peak (likely sparse); wafer-scale, 23 kW for the CS-3 system.',
    model: {
      tdpW: ds(23000, 'Cerebras CS-3 system power'),
      idleShare: est(0.25, GUESS),
      sramResidentShare: ds(1, 'all weights live in on-wafer SRAM'),
      linkLatencyUs: est(2, GUESS),
      scaleUpDomain: ds(1, 'one wafer per system'),
      scaleOutGBs: ds(150, 'CS-3 12×100 GbE system I/O'),
      scaleOutLatencyUs: est(5, GUESS),
      linkEfficiency: est(0.8, GUESS),
      a2aBaseUs: est(2, GUESS),
      tileRows: est(1, 'dataflow cores process one row at a time; our reading'),
      launchUs: est(0.5, 'dataflow, no kernel launches; our estimate'),
      dispatchNsPerToken: est(1, GUESS),
      computeEffMax: est(0.5, 'vendor peak is likely sparse; our derating'),
      computeRampUs: est(1, GUESS),
      memEffMax: est(0.9, GUESS),
      memRampUs: est(0.2, GUESS),
      memPjPerByte: est(0, 'no off-chip memory'),
      memUsdPerGB: est(0, 'no off-chip memory'),
      dies: ds(1, 'wafer-scale'),
      areaMm2: ds(46225, 'Cerebras'),
      purchaseUsd: est(2500000, 'press reports of $2–3M per CS system; our estimate'),
    },
  },
  // ---- hypothetical chips: each starts from a real preset and changes what the seed's ideas change -------
  {
    id: 'sram-7nm',
    name: 'Memory-centric SRAM chip, 7 nm (hypothetical)',
    vendor: 'hypothetical',
    status: 'hypothetical',
    basedOn: 'groq-lpu',
    source: 'Groq LPU moved from 14 nm to 7 nm: same die area, ~2.2× SRAM and ~2× arithmetic from density',
    tflopsBf16: 375,
    tflopsFp8: 1500,
    memGB: 0,
    memTBs: 0,
    sramMB: 512,
    sramTBs: 160,
    linkGBs: 200,
    powerW: 300,
    nodeNm: 7,
    dieMm2: 725,
    notes: 'Inference limited by memory traffic, served from SRAM on an older, cheaper node: the seed’s bet.',
    model: {
      tdpW: hyp(300, 'kept from the Groq LPU'),
      idleShare: hyp(0.25, 'as Groq LPU'),
      sramResidentShare: hyp(1, 'all weights in SRAM'),
      linkLatencyUs: hyp(0.5, 'as Groq LPU'),
      scaleUpDomain: hyp(264, 'as Groq LPU'),
      scaleOutGBs: hyp(200, 'links doubled with the node'),
      scaleOutLatencyUs: hyp(1, 'as Groq LPU'),
      linkEfficiency: hyp(0.9, 'as Groq LPU'),
      a2aBaseUs: hyp(1, 'as Groq LPU'),
      tileRows: hyp(16, 'a 16-row systolic block'),
      launchUs: hyp(0.5, 'static schedule'),
      dispatchNsPerToken: hyp(0.5, 'hardware-assisted routing'),
      computeEffMax: hyp(0.9, 'as Groq LPU'),
      computeRampUs: hyp(0.5, 'as Groq LPU'),
      memEffMax: hyp(0.9, 'as Groq LPU'),
      memRampUs: hyp(0.2, 'as Groq LPU'),
      memPjPerByte: hyp(0, 'no off-chip memory'),
      memUsdPerGB: hyp(0, 'no off-chip memory'),
      dies: hyp(1, 'one die'),
      areaMm2: hyp(725, 'as Groq LPU'),
    },
  },
  {
    id: 'dyn-native',
    name: 'Dynamism-native chip (hypothetical)',
    vendor: 'hypothetical',
    status: 'hypothetical',
    basedOn: 'h100',
    source:
      'H100 with 8-row tiles, hardware token dispatch, 0.5 µs launches and 256 MB of pinnable SRAM for hot experts',
    tflopsBf16: 989,
    tflopsFp8: 1979,
    memGB: 80,
    memTBs: 3.35,
    sramMB: 256,
    sramTBs: 30,
    linkGBs: 450,
    powerW: 700,
    nodeNm: 4,
    dieMm2: 900,
    notes: 'Same arithmetic and HBM as the H100; built so that uneven, small expert batches cost little.',
    model: gpuModel(hyp(700, 'as H100'), {
      sramResidentShare: hyp(0.75, 'software-pinned scratchpad; the hottest experts stay resident'),
      a2aBaseUs: hyp(1, 'hardware dispatch engine: no software collective set-up'),
      tileRows: hyp(8, 'fine-grained 8-row matrix tiles'),
      launchUs: hyp(0.5, 'device-side scheduling of dependent kernels'),
      dispatchNsPerToken: hyp(0, 'hardware dispatch: permutation done in the network interface'),
      computeRampUs: hyp(0.5, 'small tiles fill the machine sooner'),
      areaMm2: hyp(900, 'H100 plus ~86 mm² of SRAM and dispatch logic'),
    }),
  },
  {
    id: 'compute-heavy',
    name: 'Compute-heavy chip (hypothetical)',
    vendor: 'hypothetical',
    status: 'hypothetical',
    basedOn: 'b200',
    source: 'B200 with twice the matrix throughput at the same HBM bandwidth (a flops-first design)',
    tflopsBf16: 4500,
    tflopsFp8: 9000,
    memGB: 180,
    memTBs: 8,
    sramMB: 126,
    linkGBs: 900,
    powerW: 1400,
    nodeNm: 4,
    notes: 'Shows how little extra FLOP/s buys when MoE decode is bound by memory traffic.',
    model: gpuModel(hyp(1400, 'B200 + 400 W for the extra tensor cores'), {
      tflopsFp4: hyp(18000, '2× B200'),
      tileRows: hyp(256, 'larger MMA tiles to feed the extra units'),
      dies: hyp(2, 'as B200'),
      areaMm2: hyp(2000, 'B200 + 25% for tensor cores'),
    }),
  },
  {
    id: 'pair-h100-sram',
    name: 'Heterogeneous pair: H100 attention + 7 nm SRAM experts (hypothetical)',
    vendor: 'hypothetical',
    status: 'hypothetical',
    basedOn: 'h100',
    source:
      'Attention, router, shared experts and dense layers on H100s; routed experts on memory-centric SRAM chips',
    tflopsBf16: 375,
    tflopsFp8: 1500,
    memGB: 0,
    memTBs: 0,
    sramMB: 512,
    sramTBs: 160,
    linkGBs: 200,
    powerW: 300,
    nodeNm: 7,
    dieMm2: 725,
    notes:
      'A system, not a chip: headline figures are the expert chip’s. Tokens cross between pools over scale-out links.',
    system: { attentionChip: 'h100', expertChip: 'sram-7nm', attentionChips: 8 },
    model: {
      tdpW: hyp(300, 'expert chip'),
      idleShare: hyp(0.25, 'expert chip'),
      sramResidentShare: hyp(1, 'expert chip'),
      linkLatencyUs: hyp(0.5, 'expert chip'),
      scaleUpDomain: hyp(264, 'expert chip'),
      scaleOutGBs: hyp(200, 'expert chip'),
      scaleOutLatencyUs: hyp(4, 'GPU NIC to SRAM-chip fabric gateway'),
      linkEfficiency: hyp(0.8, 'as GPU scale-out'),
      a2aBaseUs: hyp(5, 'GPU side runs a software collective'),
      tileRows: hyp(16, 'expert chip'),
      launchUs: hyp(0.5, 'expert chip'),
      dispatchNsPerToken: hyp(0.5, 'expert chip'),
      computeEffMax: hyp(0.9, 'expert chip'),
      computeRampUs: hyp(0.5, 'expert chip'),
      memEffMax: hyp(0.9, 'expert chip'),
      memRampUs: hyp(0.2, 'expert chip'),
      memPjPerByte: hyp(0, 'expert chip'),
      memUsdPerGB: hyp(0, 'expert chip'),
      dies: hyp(1, 'expert chip'),
    },
  },
];

export function findChipPreset(id: string): ChipPreset | undefined {
  return CHIP_PRESETS.find((c) => c.id === id);
}
