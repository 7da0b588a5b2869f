/**
 * The one table of chip figures a person can edit. Each entry's key (with its unit in the name), label, unit,
 * range and help drive the chip editor, the chip file format (`moe chip h100`), the link codec, validation
 * (customChips.ts) and the JSON Schema; `preset` says where a preset's own figure comes from. The cost model maps
 * each key onto its ChipSpec in src/costmodel/customChips.ts (a Record over these keys, so none can be missed).
 */
import type { ChipPreset, Fact } from './presets/chips';

export type ChipFieldGroup =
  | 'compute'
  | 'hbm'
  | 'sram'
  | 'scaleUp'
  | 'scaleOut'
  | 'kernels'
  | 'silicon'
  | 'cost';

export const CHIP_FIELD_GROUPS: Record<ChipFieldGroup, string> = {
  compute: 'Compute per precision',
  hbm: 'Off-chip memory (HBM)',
  sram: 'On-chip SRAM',
  scaleUp: 'Scale-up links',
  scaleOut: 'Scale-out network',
  kernels: 'Tiles, launches and dispatch',
  silicon: 'Silicon and power',
  cost: 'Price',
};

export interface ChipField {
  group: ChipFieldGroup;
  label: string;
  unit: string;
  /** 'bool' figures are 0 or 1 in memory and true/false in files. */
  kind: 'float' | 'int' | 'bool';
  min: number;
  max: number;
  /** Where 0 means "none", the smallest other value: a denormal bandwidth or capacity is not a chip. */
  minPositive?: number;
  help: string;
  /** The preset's own figure with its status and source; undefined where the cost model derives it. */
  preset: (p: ChipPreset) => Fact | undefined;
  /** How the cost model fills the figure when a preset gives none. */
  derived?: string;
}

/** A headline figure carries its preset's status and source. */
const headline = (p: ChipPreset, value: number): Fact => ({ value, status: p.status, source: p.source });
const NO_UNITS = (p: ChipPreset, what: string): Fact => ({
  value: p.tflopsBf16,
  status: p.status,
  source: `no ${what} units: runs at the BF16 rate (${p.source})`,
});

const field = (f: ChipField): ChipField => f;

export const CHIP_FIELDS = {
  // ---- compute ------------------------------------------------------------------------------------------
  bf16Tflops: field({
    group: 'compute',
    label: 'BF16 compute',
    unit: 'TFLOP/s',
    kind: 'float',
    min: 0.001,
    max: 1_000_000,
    help: 'Dense (not 2:4-sparse) peak BF16 matrix rate; FP32 runs at half of it.',
    preset: (p) => headline(p, p.tflopsBf16),
  }),
  fp8Tflops: field({
    group: 'compute',
    label: 'FP8 compute',
    unit: 'TFLOP/s',
    kind: 'float',
    min: 0.001,
    max: 2_000_000,
    help: 'Dense peak FP8 rate; a chip without FP8 units runs FP8 at the BF16 rate (never slower).',
    preset: (p) => (p.tflopsFp8 === undefined ? NO_UNITS(p, 'FP8') : headline(p, p.tflopsFp8)),
  }),
  fp4Tflops: field({
    group: 'compute',
    label: 'FP4 compute',
    unit: 'TFLOP/s',
    kind: 'float',
    min: 0.001,
    max: 4_000_000,
    help: 'Dense peak FP4 rate for 4-bit weights; without FP4 units they are dequantised and run at the BF16 rate.',
    preset: (p) => p.model.tflopsFp4 ?? NO_UNITS(p, 'FP4'),
  }),
  // ---- HBM ----------------------------------------------------------------------------------------------
  hbmCapacityGB: field({
    group: 'hbm',
    label: 'HBM capacity',
    unit: 'GB',
    kind: 'float',
    min: 0,
    max: 4096,
    minPositive: 0.1,
    help: 'Off-chip memory per chip; 0 = none (weights and KV cache must live in SRAM, as on Groq).',
    preset: (p) => headline(p, p.memGB),
  }),
  hbmBandwidthTBs: field({
    group: 'hbm',
    label: 'HBM bandwidth',
    unit: 'TB/s',
    kind: 'float',
    min: 0,
    max: 100,
    minPositive: 0.001,
    help: 'Off-chip memory bandwidth per chip: it bounds decode speed, which streams every weight each step.',
    preset: (p) => headline(p, p.memTBs),
  }),
  hbmPjPerByte: field({
    group: 'hbm',
    label: 'HBM access energy',
    unit: 'pJ/byte',
    kind: 'float',
    min: 0,
    max: 1000,
    help: 'Energy to move one byte to or from off-chip memory (HBM3E ≈ 37 pJ/byte).',
    preset: (p) => p.model.memPjPerByte,
  }),
  // ---- SRAM ---------------------------------------------------------------------------------------------
  sramCapacityMB: field({
    group: 'sram',
    label: 'SRAM capacity',
    unit: 'MB',
    kind: 'float',
    min: 0,
    max: 65_536,
    minPositive: 0.01,
    help: 'On-chip SRAM (L2, cache or scratchpad). A wafer-scale chip holds 44 GB; more than 64 GB is refused.',
    preset: (p) => headline(p, p.sramMB),
  }),
  sramBandwidthTBs: field({
    group: 'sram',
    label: 'SRAM bandwidth',
    unit: 'TB/s',
    kind: 'float',
    min: 0.1,
    max: 100_000,
    help: 'On-chip SRAM bandwidth: weights pinned in SRAM are read at this rate instead of HBM bandwidth.',
    preset: (p) => (p.sramTBs === undefined ? undefined : headline(p, p.sramTBs)),
    derived: 'unpublished: L2-class caches deliver about 3× HBM bandwidth (at least 1 TB/s); our estimate',
  }),
  sramExpertShare: field({
    group: 'sram',
    label: 'SRAM share pinning experts',
    unit: 'fraction',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'Share of SRAM that keeps expert weights resident across steps (0 = a hardware-managed cache; chips without HBM use all of it).',
    preset: (p) => p.model.sramResidentShare,
  }),
  // ---- scale-up -----------------------------------------------------------------------------------------
  linkBandwidthGBs: field({
    group: 'scaleUp',
    label: 'Scale-up link bandwidth',
    unit: 'GB/s',
    kind: 'float',
    min: 1,
    max: 100_000,
    help: 'Scale-up (NVLink-class) bandwidth per chip per direction: carries the all-to-all inside the domain.',
    preset: (p) => headline(p, p.linkGBs),
  }),
  linkLatencyUs: field({
    group: 'scaleUp',
    label: 'Scale-up link latency',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 1000,
    help: 'One-way latency of one scale-up hop, switch included.',
    preset: (p) => p.model.linkLatencyUs,
  }),
  scaleUpDomainChips: field({
    group: 'scaleUp',
    label: 'Scale-up domain',
    unit: 'chips',
    kind: 'int',
    min: 1,
    max: 100_000,
    help: 'Chips in one scale-up domain (an NVLink or ICI island); traffic beyond it goes over scale-out.',
    preset: (p) => p.model.scaleUpDomain,
  }),
  linkEfficiency: field({
    group: 'scaleUp',
    label: 'Link efficiency',
    unit: 'fraction',
    kind: 'float',
    min: 0.05,
    max: 1,
    help: 'Fraction of link peak that collectives reach (DeepEP: ~0.8 on H800).',
    preset: (p) => p.model.linkEfficiency,
  }),
  allToAllBaseUs: field({
    group: 'scaleUp',
    label: 'All-to-all fixed cost',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Fixed software cost of one all-to-all (launch, layout, barrier), paid whatever the bytes.',
    preset: (p) => p.model.a2aBaseUs,
  }),
  // ---- scale-out ----------------------------------------------------------------------------------------
  scaleOutBandwidthGBs: field({
    group: 'scaleOut',
    label: 'Scale-out bandwidth',
    unit: 'GB/s',
    kind: 'float',
    min: 0.1,
    max: 10_000,
    help: 'Network bandwidth per chip per direction between scale-up domains (one 400 Gb/s NIC = 50 GB/s).',
    preset: (p) => p.model.scaleOutGBs,
  }),
  scaleOutLatencyUs: field({
    group: 'scaleOut',
    label: 'Scale-out latency',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Latency of one scale-out hop (NIC and switch).',
    preset: (p) => p.model.scaleOutLatencyUs,
  }),
  // ---- kernels ------------------------------------------------------------------------------------------
  tileRows: field({
    group: 'kernels',
    label: 'Tile rows',
    unit: 'rows',
    kind: 'int',
    min: 1,
    max: 1024,
    help: "Each expert's rows are padded to a multiple of this matrix tile height: small, uneven batches waste the rest.",
    preset: (p) => p.model.tileRows,
  }),
  launchUs: field({
    group: 'kernels',
    label: 'Kernel launch gap',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Launch and synchronisation gap per kernel (about 4 µs with CUDA graphs).',
    preset: (p) => p.model.launchUs,
  }),
  dispatchNsPerToken: field({
    group: 'kernels',
    label: 'Dispatch cost per token',
    unit: 'ns',
    kind: 'float',
    min: 0,
    max: 1_000_000,
    help: 'Software routing cost per (token, expert) pair sent or received: permute, index, metadata.',
    preset: (p) => p.model.dispatchNsPerToken,
  }),
  computeEfficiency: field({
    group: 'kernels',
    label: 'Matrix efficiency ceiling',
    unit: 'fraction',
    kind: 'float',
    min: 0.05,
    max: 1,
    help: 'Share of peak FLOP/s that large matrix operations reach.',
    preset: (p) => p.model.computeEffMax,
  }),
  computeRampUs: field({
    group: 'kernels',
    label: 'Matrix ramp',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Small operations run below the ceiling: an operation takes (FLOPs / peak + ramp) / ceiling.',
    preset: (p) => p.model.computeRampUs,
  }),
  memoryEfficiency: field({
    group: 'kernels',
    label: 'Memory efficiency ceiling',
    unit: 'fraction',
    kind: 'float',
    min: 0.05,
    max: 1,
    help: 'Share of peak memory bandwidth that large transfers reach.',
    preset: (p) => p.model.memEffMax,
  }),
  memoryRampUs: field({
    group: 'kernels',
    label: 'Memory ramp',
    unit: 'µs',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Small transfers run below the ceiling, the same form as the matrix ramp.',
    preset: (p) => p.model.memRampUs,
  }),
  staticShapes: field({
    group: 'kernels',
    label: 'Fixed shapes (static dataflow)',
    unit: 'on/off',
    kind: 'bool',
    min: 0,
    max: 1,
    help: 'Compiled for fixed tensor shapes: every expert runs at full capacity on every step, however the tokens fall.',
    preset: (p) => ({ value: p.staticShapes ? 1 : 0, status: p.status, source: p.source }),
  }),
  // ---- silicon and power --------------------------------------------------------------------------------
  processNodeNm: field({
    group: 'silicon',
    label: 'Process node',
    unit: 'nm',
    kind: 'float',
    min: 1,
    max: 180,
    help: 'Sets energy per FLOP and per SRAM byte, wafer cost and defect density in the design model.',
    preset: (p) => headline(p, p.nodeNm),
  }),
  dieAreaMm2: field({
    group: 'silicon',
    label: 'Silicon area',
    unit: 'mm²',
    kind: 'float',
    min: 1,
    max: 100_000,
    help: 'Total silicon area over all dies; with the node it sets the manufacturing cost (yield falls with area).',
    preset: (p) => p.model.areaMm2 ?? (p.dieMm2 === undefined ? undefined : headline(p, p.dieMm2)),
    derived: 'unpublished: the design model’s area for its SRAM, FLOP/s and memory interfaces on its node',
  }),
  dies: field({
    group: 'silicon',
    label: 'Dies per package',
    unit: 'dies',
    kind: 'int',
    min: 1,
    max: 1024,
    help: 'Silicon dies the area is split over (each yields on its own).',
    preset: (p) => p.model.dies,
  }),
  tdpW: field({
    group: 'silicon',
    label: 'Board power (TDP)',
    unit: 'W',
    kind: 'float',
    min: 1,
    max: 100_000,
    help: 'Board power at full load; the dynamic energy per token is modelled, this bounds it.',
    preset: (p) => p.model.tdpW,
  }),
  idleShare: field({
    group: 'silicon',
    label: 'Idle share of TDP',
    unit: 'fraction',
    kind: 'float',
    min: 0,
    max: 1,
    help: 'Power drawn whatever the load (leakage, refresh, fans) as a share of TDP.',
    preset: (p) => p.model.idleShare,
  }),
  // ---- price --------------------------------------------------------------------------------------------
  priceUsd: field({
    group: 'cost',
    label: 'Purchase price',
    unit: '$',
    kind: 'float',
    min: 1,
    max: 100_000_000,
    help: 'Price per chip with its share of the board; left unedited, a changed design gets its base price plus 3× the change in manufacturing cost.',
    preset: (p) => p.model.purchaseUsd,
    derived: 'unpublished: from the rental price (5,900 hours) or 3× the design model’s manufacturing cost',
  }),
  rentalUsdPerHour: field({
    group: 'cost',
    label: 'Rental price',
    unit: '$/h',
    kind: 'float',
    min: 0,
    max: 10_000,
    help: 'Cloud list price per chip-hour, used with the rental cost basis; 0 = none published.',
    preset: (p) =>
      p.model.rentalPerHour ?? { value: 0, status: p.status, source: 'no published rental price' },
  }),
  hbmUsdPerGB: field({
    group: 'cost',
    label: 'HBM cost',
    unit: '$/GB',
    kind: 'float',
    min: 0,
    max: 1000,
    help: 'Off-chip memory cost in the manufacturing-cost estimate (HBM ≈ $7/GB).',
    preset: (p) => p.model.memUsdPerGB,
  }),
} as const satisfies Record<string, ChipField>;

export type ChipFieldKey = keyof typeof CHIP_FIELDS;
export const CHIP_FIELD_KEYS = Object.keys(CHIP_FIELDS) as ChipFieldKey[];

export function chipField(key: ChipFieldKey): ChipField {
  return CHIP_FIELDS[key];
}

/** A preset's own value of a figure, or undefined where the cost model derives it. */
export function presetFigure(p: ChipPreset, key: ChipFieldKey): number | undefined {
  return CHIP_FIELDS[key].preset(p)?.value;
}
