/**
 * Custom chips resolved into ChipSpecs: the base preset's spec with the chip's changed figures written over it,
 * each field of the chip table (src/scenario/chipFields.ts) mapped onto the spec here. A chip with no changed
 * figures is its base preset exactly, apart from its id, name and the 'hypothetical' status.
 */
import {
  CHIP_FIELD_KEYS,
  CHIP_FIELDS,
  type ChipFieldKey,
  type CustomChip,
  customChipId,
  customChipLabel,
  findChipPreset,
  presetFigure,
  type Scenario,
} from '../scenario';
import { derivePrice, hardwareSpec, manufacturingCostUsd } from './chips';
import { chipAreaMm2, pjPerFlop, sramPjPerByte, USABLE_MEMORY } from './facts';
import { prepare } from './prepare';
import { projectScenario } from './project';
import { modelBytes, modelShape } from './shape';
import type { ChipSpec, HardwareSpec, LoadProfile, Precision, Projection } from './types';

const T = 1e12;
const G = 1e9;
const US = 1e-6;

interface FigureMap {
  get: (c: ChipSpec) => number;
  set: (c: ChipSpec, v: number) => void;
}

const scaled = (key: keyof ChipSpec, unit: number): FigureMap => ({
  get: (c) => (c[key] as number) / unit,
  set: (c, v) => {
    (c as unknown as Record<string, number>)[key] = v * unit;
  },
});
const flops = (p: Precision): FigureMap => ({
  get: (c) => c.flops[p] / T,
  set: (c, v) => {
    c.flops = { ...c.flops, [p]: v * T };
    if (p === 'bf16') c.flops.fp32 = (v * T) / 2;
  },
});

/** Every chip figure onto the ChipSpec, in file units (a Record: a new figure without a mapping fails to build). */
export const FIGURE_SPEC: Record<ChipFieldKey, FigureMap> = {
  bf16Tflops: flops('bf16'),
  fp8Tflops: flops('fp8'),
  fp4Tflops: flops('fp4'),
  hbmCapacityGB: scaled('memBytes', G),
  hbmBandwidthTBs: scaled('memBw', T),
  hbmPjPerByte: scaled('jPerMemByte', 1e-12),
  sramCapacityMB: scaled('sramBytes', 1e6),
  sramBandwidthTBs: scaled('sramBw', T),
  sramExpertShare: scaled('sramResidentShare', 1),
  linkBandwidthGBs: scaled('linkBw', G),
  linkLatencyUs: scaled('linkLatency', US),
  scaleUpDomainChips: scaled('scaleUpDomain', 1),
  linkEfficiency: scaled('linkEfficiency', 1),
  allToAllBaseUs: scaled('a2aBase', US),
  scaleOutBandwidthGBs: scaled('scaleOutBw', G),
  scaleOutLatencyUs: scaled('scaleOutLatency', US),
  tileRows: scaled('tileRows', 1),
  launchUs: scaled('launch', US),
  dispatchNsPerToken: scaled('dispatchPerToken', 1e-9),
  computeEfficiency: scaled('computeEffMax', 1),
  computeRampUs: scaled('computeRamp', US),
  memoryEfficiency: scaled('memEffMax', 1),
  memoryRampUs: scaled('memRamp', US),
  staticShapes: {
    get: (c) => (c.staticShapes ? 1 : 0),
    set: (c, v) => {
      if (v) c.staticShapes = true;
      else delete c.staticShapes;
    },
  },
  processNodeNm: {
    get: (c) => c.nodeNm,
    set: (c, v) => {
      // Energy per operation follows the node (facts.ts), as it does for presets.
      c.nodeNm = v;
      c.jPerFlop = {
        fp4: pjPerFlop(v, 'fp4') * 1e-12,
        fp8: pjPerFlop(v, 'fp8') * 1e-12,
        bf16: pjPerFlop(v, 'bf16') * 1e-12,
        fp32: pjPerFlop(v, 'fp32') * 1e-12,
      };
      c.jPerSramByte = sramPjPerByte(v) * 1e-12;
    },
  },
  dieAreaMm2: scaled('areaMm2', 1),
  dies: scaled('dies', 1),
  tdpW: scaled('tdpW', 1),
  idleShare: scaled('idleShare', 1),
  priceUsd: {
    get: (c) => c.purchaseUsd ?? 0,
    set: (c, v) => {
      c.purchaseUsd = v;
      c.purchaseBasis = 'list';
    },
  },
  rentalUsdPerHour: {
    get: (c) => c.rentalPerHour ?? 0,
    set: (c, v) => {
      c.rentalPerHour = v > 0 ? v : undefined;
    },
  },
  hbmUsdPerGB: scaled('memUsdPerGB', 1),
};

/** Every figure of a resolved chip, in the chip table's units. */
export function chipFigures(c: ChipSpec): Record<ChipFieldKey, number> {
  const out = {} as Record<ChipFieldKey, number>;
  for (const key of CHIP_FIELD_KEYS) out[key] = FIGURE_SPEC[key].get(c);
  return out;
}

/** The spec a custom chip starts from: its base preset's (a system preset's expert chip). */
function baseSpec(basedOn: string): ChipSpec {
  return hardwareSpec(findChipPreset(basedOn) ? basedOn : 'h100').experts;
}

/** A figure that changes the manufacturing cost: an unedited price follows it (base price + markup × Δcost). */
const COST_FIGURES: readonly ChipFieldKey[] = [
  'dieAreaMm2',
  'processNodeNm',
  'dies',
  'hbmCapacityGB',
  'hbmUsdPerGB',
];

/** One custom chip as a ChipSpec: the base's spec, the changed figures over it, hypothetical. */
export function customChipSpec(chip: CustomChip, index: number): ChipSpec {
  const base = baseSpec(chip.basedOn);
  const spec: ChipSpec = {
    ...base,
    flops: { ...base.flops },
    jPerFlop: { ...base.jPerFlop },
    id: customChipId(index),
    name: customChipLabel(chip),
    status: 'hypothetical',
    source: `custom chip based on ${base.name}`,
  };
  for (const key of CHIP_FIELD_KEYS) {
    const v = chip.figures[key];
    if (v !== undefined) FIGURE_SPEC[key].set(spec, v);
  }
  // As for presets: a chip without off-chip memory keeps everything in SRAM.
  if (spec.memBytes <= 0) spec.sramResidentShare = 1;
  if (chip.figures.priceUsd === undefined && COST_FIGURES.some((k) => chip.figures[k] !== undefined)) {
    spec.purchaseUsd = derivePrice(spec, base);
    spec.purchaseBasis = 'derived';
  }
  return spec;
}

/** The scenario's custom chips as hardware, in order (ids custom-1 …). */
export function customHardware(s: Scenario): HardwareSpec[] {
  return (s.customChips ?? []).map((chip, i) => {
    const c = customChipSpec(chip, i);
    return { id: c.id, name: c.name, status: c.status, experts: c, attention: c, attentionChips: 0 };
  });
}

/** Projections onto the scenario's custom chips (after its presets in every comparison). */
export function projectCustomChips(s: Scenario, load?: LoadProfile): Projection[] {
  return customHardware(s).map((hw) => projectScenario(s, hw.id, load, { chip: hw }));
}

/** Where a preset's figure comes from: its status and source, or how the cost model derives it. */
export function figureSource(basedOn: string, key: ChipFieldKey): string {
  const preset = findChipPreset(basedOn);
  const fact = preset ? CHIP_FIELDS[key].preset(preset) : undefined;
  if (fact) return `${fact.status}: ${fact.source}`;
  return `derived: ${CHIP_FIELDS[key].derived ?? 'by the cost model'}`;
}

/** A preset as a chip file's values: every figure the cost model uses, with each one's source. */
export function presetChipValues(id: string): {
  values: Record<ChipFieldKey, number>;
  sources: Record<ChipFieldKey, string>;
} {
  const values = chipFigures(baseSpec(id));
  const sources = {} as Record<ChipFieldKey, string>;
  for (const key of CHIP_FIELD_KEYS) sources[key] = figureSource(id, key);
  return { values, sources };
}

/**
 * Turn a whole resolved chip (this device, a sweep's design) into a custom chip over `basedOn`: every figure that
 * differs from the base preset's own is written down.
 */
export function customChipFromSpec(name: string, basedOn: string, spec: ChipSpec): CustomChip {
  const values = chipFigures(spec);
  const base = findChipPreset(basedOn);
  const figures: CustomChip['figures'] = {};
  for (const key of CHIP_FIELD_KEYS) {
    const f = CHIP_FIELDS[key];
    const v = f.kind === 'int' ? Math.round(values[key]) : Number(values[key].toPrecision(6));
    const clamped = Math.min(f.max, Math.max(f.min, v));
    if (!base || presetFigure(base, key) !== clamped) figures[key] = clamped;
  }
  return { name, basedOn, figures };
}

/** What the editor shows beside the figures, all derived live from the chip and the current scenario. */
export interface DerivedFigures {
  /** FLOP per byte of HBM (or SRAM, without HBM) where compute and memory take equal time, BF16 and FP8. */
  ridgeBf16: number;
  ridgeFp8: number;
  /** Weight bytes one decode step reads at the scenario's batch (experts touched under uniform routing). */
  weightBytesPerStep: number;
  /** The weight-streaming bound: chips × memory bandwidth / bytes per step, tokens/s per user. */
  decodeBound: number;
  /** The design model's area for this chip's SRAM, FLOP/s and memory bandwidth on its node. */
  designAreaMm2: number;
  manufacturingUsd: number;
  priceUsd: number;
  priceBasis: string;
  /** The model's weights against the scenario's chips' usable memory. */
  modelBytes: number;
  memoryBytes: number;
  fits: boolean;
  chipsNeeded: number;
}

/** The live figures of one chip under a scenario (never NaN: a zero denominator gives 0 or Infinity, flagged). */
export function derivedFigures(s: Scenario, c: ChipSpec): DerivedFigures {
  const streamBw = c.memBytes > 0 ? c.memBw : c.sramBw;
  const m = modelShape(s);
  const batch = Math.max(1, s.tokens);
  const touched = m.experts * (1 - (1 - Math.min(1, m.topK / Math.max(1, m.experts))) ** batch);
  const weightBytesPerStep =
    m.layers * m.attnBytes +
    m.moeLayers * (touched * m.expertBytes + m.sharedBytes + m.routerBytes) +
    m.denseLayers * m.denseBytes +
    m.headBytes;
  const hw: HardwareSpec = {
    id: c.id,
    name: c.name,
    status: c.status,
    experts: c,
    attention: c,
    attentionChips: 0,
  };
  const layout = prepare(s, hw, undefined, { quiet: true }).layout;
  const perChip = (c.memBytes > 0 ? c.memBytes : c.sramBytes) * USABLE_MEMORY;
  return {
    ridgeBf16: streamBw > 0 ? c.flops.bf16 / streamBw : 0,
    ridgeFp8: streamBw > 0 ? c.flops.fp8 / streamBw : 0,
    weightBytesPerStep,
    decodeBound: weightBytesPerStep > 0 ? (s.chipCount * streamBw) / weightBytesPerStep : 0,
    designAreaMm2: chipAreaMm2(c.sramBytes / 1e6, c.flops.bf16 / T, c.memBw / T, c.nodeNm),
    manufacturingUsd: manufacturingCostUsd(c),
    priceUsd: c.purchaseUsd ?? 0,
    priceBasis: c.purchaseBasis ?? 'derived',
    modelBytes: modelBytes(m),
    memoryBytes: s.chipCount * perChip,
    fits: layout.fits,
    chipsNeeded: layout.chipsNeeded,
  };
}
