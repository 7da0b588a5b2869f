/**
 * Chip presets: dense figures from vendor datasheets unless noted (see ../shared/REFERENCES.md). Data only.
 * The cost model (src/costmodel) extends these with its own modelling assumptions.
 */
export type ChipStatus = 'datasheet' | 'estimate' | 'hypothetical';

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
    notes: 'No off-chip memory: weights live in SRAM across many chips. FP16 figure; FP8 column is int8 TOPS.',
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
  },
];

export function findChipPreset(id: string): ChipPreset | undefined {
  return CHIP_PRESETS.find((c) => c.id === id);
}
