/**
 * Sweeps. Batch size → the cost-vs-speed frontier of each chip ($/M tokens against tokens/s per user), and a
 * design-space sweep over a hypothetical chip (SRAM, memory bandwidth, FLOP/s, node) that finds the cheapest
 * design meeting a target speed per user. runSweep is synchronous; sweep.worker.ts runs it off the main thread.
 */

import type { Scenario } from '../scenario';
import { hardwareSpec, manufacturingCostUsd, singleChip } from './chips';
import { customHardware } from './customChips';
import {
  chipAreaMm2,
  HBM_STACK_GB,
  HBM_STACK_TBS,
  PRICE_MARKUP,
  pjPerFlop,
  RETICLE_MM2,
  sramPjPerByte,
} from './facts';
import { type LayoutFrontier, searchLayouts } from './layoutSearch';
import { prepare } from './prepare';
import { quickHeadline } from './project';
import { modelShape } from './shape';
import type { ChipSpec, HardwareSpec, LoadProfile, Precision } from './types';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

// ---- batch → frontier ----------------------------------------------------------------------------------

export interface FrontierPoint {
  batch: number;
  tokensPerSecPerUser: number;
  throughput: number;
  usdPerMTokens: number;
  jPerToken: number;
  stepTime: number;
  chips: number;
  fits: boolean;
  /** No other batch of this chip is both faster per user and cheaper. */
  pareto: boolean;
}

export interface FrontierSeries {
  chipId: string;
  chipName: string;
  points: FrontierPoint[];
}

export const DEFAULT_BATCHES: readonly number[] = [
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
];

function markPareto<T extends { tokensPerSecPerUser: number; usdPerMTokens: number; pareto?: boolean }>(
  pts: T[],
): void {
  const order = pts.map((_, i) => i).sort((a, b) => pts[b].tokensPerSecPerUser - pts[a].tokensPerSecPerUser);
  let best = Number.POSITIVE_INFINITY;
  for (const i of order) {
    const p = pts[i];
    p.pareto = p.usdPerMTokens < best;
    if (p.pareto) best = p.usdPerMTokens;
  }
}

/** One frontier per chip: every batch size projected with the same load (counts scale to each batch). */
export function batchFrontier(
  s: Scenario,
  chipIds: readonly string[] = s.chips,
  load?: LoadProfile,
  batches: readonly number[] = DEFAULT_BATCHES,
): FrontierSeries[] {
  const shapeCache = new Map<string, ReturnType<typeof modelShape>>();
  return chipIds.map((id) => {
    const hw = hardwareSpec(id);
    const points: FrontierPoint[] = batches.map((batch) => {
      const sb = { ...s, tokens: batch };
      const key = `${batch}`;
      let shape = shapeCache.get(key);
      if (!shape) {
        shape = modelShape(sb);
        shapeCache.set(key, shape);
      }
      const p = prepare(sb, hw, load, { shape, quiet: true });
      const h = quickHeadline(p);
      return {
        batch,
        tokensPerSecPerUser: h.tokensPerSecPerUser,
        throughput: h.throughput,
        usdPerMTokens: h.usdPerMTokens,
        jPerToken: h.jPerToken,
        stepTime: h.stepTime,
        chips: p.layout.totalChips,
        fits: p.layout.fits,
        pareto: false,
      };
    });
    markPareto(points);
    return { chipId: id, chipName: hw.name, points };
  });
}

// ---- design space --------------------------------------------------------------------------------------

export interface DesignAxes {
  sramMB: number[];
  memTBs: number[];
  tflopsBf16: number[];
  nodeNm: number[];
}

/** 10 × 10 × 20 × 5 = 10,000 designs. */
export const DEFAULT_DESIGN_AXES: DesignAxes = {
  sramMB: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
  memTBs: [0, 0.4, 0.8, 1.6, 2.4, 3.2, 4.8, 6.4, 8, 12],
  tflopsBf16: Array.from({ length: 20 }, (_, i) => Math.round(25 * 2 ** (i * (8 / 19)))),
  nodeNm: [14, 10, 7, 5, 4],
};

/** SRAM bandwidth grows with capacity (more banks): Groq's 80 TB/s over 230 MB ≈ 0.35 TB/s per MB. */
export const SRAM_TBS_PER_MB = 0.35;
/** Design points manage SRAM as a scratchpad that pins the hottest experts. */
export const DESIGN_RESIDENT_SHARE = 0.75;

export interface DesignPoint {
  sramMB: number;
  memTBs: number;
  tflopsBf16: number;
  nodeNm: number;
  areaMm2: number;
  priceUsd: number;
  tdpW: number;
  chips: number;
  tokensPerSecPerUser: number;
  throughput: number;
  usdPerMTokens: number;
  jPerToken: number;
  meets: boolean;
  pareto?: boolean;
}

/**
 * Designs are priced like their base chip: price = (base price / base manufacturing cost) × own manufacturing
 * cost, so a design's dollars compare with the base chip's (PRICE_MARKUP when the base has no price).
 */
export function designMarkup(base: ChipSpec): number {
  const cost = manufacturingCostUsd(base);
  return base.purchaseUsd !== undefined && cost > 0 ? base.purchaseUsd / cost : PRICE_MARKUP;
}

/** A hypothetical chip at one design point, starting from `base` for everything the axes do not set. */
export function designChip(
  base: ChipSpec,
  d: { sramMB: number; memTBs: number; tflopsBf16: number; nodeNm: number },
): ChipSpec {
  const scale = (d.tflopsBf16 * 1e12) / base.flops.bf16;
  const flops: Record<Precision, number> = {
    fp4: base.flops.fp4 * scale,
    fp8: base.flops.fp8 * scale,
    bf16: base.flops.bf16 * scale,
    fp32: base.flops.fp32 * scale,
  };
  const jPerFlop: Record<Precision, number> = {
    fp4: pjPerFlop(d.nodeNm, 'fp4') * 1e-12,
    fp8: pjPerFlop(d.nodeNm, 'fp8') * 1e-12,
    bf16: pjPerFlop(d.nodeNm, 'bf16') * 1e-12,
    fp32: pjPerFlop(d.nodeNm, 'fp32') * 1e-12,
  };
  const memBytes = d.memTBs > 0 ? Math.ceil(d.memTBs / HBM_STACK_TBS) * HBM_STACK_GB * 1e9 : 0;
  const sramBw = Math.max(1e12, d.sramMB * SRAM_TBS_PER_MB * 1e12);
  const areaMm2 = chipAreaMm2(d.sramMB, d.tflopsBf16, d.memTBs, d.nodeNm);
  const jPerSramByte = sramPjPerByte(d.nodeNm) * 1e-12;
  const jPerMemByte = base.jPerMemByte > 0 ? base.jPerMemByte : 37.2e-12;
  const idleShare = base.idleShare;
  const tdpW =
    (flops.bf16 * jPerFlop.bf16 + d.memTBs * 1e12 * jPerMemByte + sramBw * jPerSramByte) / (1 - idleShare);
  const chip: ChipSpec = {
    ...base,
    id: 'design',
    name: `design: ${d.sramMB} MB SRAM, ${d.memTBs} TB/s, ${d.tflopsBf16} TFLOP/s, ${d.nodeNm} nm`,
    status: 'hypothetical',
    source: `design sweep from ${base.name}`,
    flops,
    memBytes,
    memBw: d.memTBs * 1e12,
    sramBytes: d.sramMB * 1e6,
    sramBw,
    sramResidentShare: memBytes > 0 ? DESIGN_RESIDENT_SHARE : 1,
    nodeNm: d.nodeNm,
    areaMm2,
    dies: Math.max(1, Math.ceil(areaMm2 / RETICLE_MM2)),
    jPerFlop,
    jPerSramByte,
    jPerMemByte,
    tdpW,
    rentalPerHour: undefined,
    memUsdPerGB: base.memUsdPerGB > 0 ? base.memUsdPerGB : 7,
  };
  chip.purchaseUsd = designMarkup(base) * manufacturingCostUsd(chip);
  chip.purchaseBasis = 'derived';
  return chip;
}

export interface DesignResult {
  baseChip: string;
  target: number;
  evaluated: number;
  skipped: number;
  best?: DesignPoint;
  /** Speed-vs-cost Pareto front over all designs. */
  frontier: DesignPoint[];
  points?: DesignPoint[];
  ms: number;
}

/**
 * Evaluate every combination of the axes on the scenario (grown to fit, owned, not rented) and find the cheapest
 * design that reaches `target` tokens/s per user.
 */
export function designSweep(
  s: Scenario,
  baseChipId: string,
  load: LoadProfile | undefined,
  axesIn: Partial<DesignAxes> = {},
  target = s.targetSpeed,
  keepPoints = false,
): DesignResult {
  const t0 = now();
  const axes: DesignAxes = { ...DEFAULT_DESIGN_AXES, ...axesIn };
  const sc: Scenario = { ...s, fitPolicy: 'grow', costBasis: 'ownership' };
  const shape = modelShape(sc);
  const base = hardwareSpec(baseChipId).experts;
  const all: DesignPoint[] = [];
  let skipped = 0;
  let best: DesignPoint | undefined;
  for (const nodeNm of axes.nodeNm) {
    for (const sramMB of axes.sramMB) {
      for (const memTBs of axes.memTBs) {
        if (sramMB <= 0 && memTBs <= 0) {
          skipped += axes.tflopsBf16.length;
          continue;
        }
        for (const tflopsBf16 of axes.tflopsBf16) {
          const chip = designChip(base, { sramMB, memTBs, tflopsBf16, nodeNm });
          const p = prepare(sc, singleChip(chip), load, { shape, quiet: true });
          const h = quickHeadline(p);
          const point: DesignPoint = {
            sramMB,
            memTBs,
            tflopsBf16,
            nodeNm,
            areaMm2: chip.areaMm2,
            priceUsd: chip.purchaseUsd ?? 0,
            tdpW: chip.tdpW,
            chips: p.layout.totalChips,
            tokensPerSecPerUser: h.tokensPerSecPerUser,
            throughput: h.throughput,
            usdPerMTokens: h.usdPerMTokens,
            jPerToken: h.jPerToken,
            meets: h.tokensPerSecPerUser >= target && Number.isFinite(h.usdPerMTokens),
          };
          all.push(point);
          if (point.meets && (!best || point.usdPerMTokens < best.usdPerMTokens)) best = point;
        }
      }
    }
  }
  markPareto(all);
  const frontier = all.filter((p) => p.pareto).sort((a, b) => a.tokensPerSecPerUser - b.tokensPerSecPerUser);
  return {
    baseChip: baseChipId,
    target,
    evaluated: all.length,
    skipped,
    best,
    frontier,
    points: keepPoints ? all : undefined,
    ms: now() - t0,
  };
}

// ---- one entry point for the worker ----------------------------------------------------------------------

// ---- layouts → throughput and cost frontiers ------------------------------------------------------------

/**
 * Each chip's layout search (layoutSearch.ts): the preset ids, then the scenario's custom chips and any other
 * resolved hardware; a chip whose search fails gets a frontier with no points and the reason.
 */
export function layoutFrontiers(
  s: Scenario,
  chipIds: readonly string[] = s.chips,
  load?: LoadProfile,
  hardware: readonly HardwareSpec[] = [],
): LayoutFrontier[] {
  // The scenario's custom chips (custom-1 …) follow its presets, as in every comparison.
  const given = [...hardware, ...customHardware(s).filter((c) => !hardware.some((h) => h.id === c.id))];
  const resolved = chipIds.map((id) => given.find((h) => h.id === id) ?? id);
  for (const h of given) if (!chipIds.includes(h.id)) resolved.push(h);
  return resolved.map((chip) => {
    const id = typeof chip === 'string' ? chip : chip.id;
    try {
      return searchLayouts(s, typeof chip === 'string' ? hardwareSpec(chip) : chip, load);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        chipId: id,
        chipName: id,
        status: 'unknown',
        throughput: [],
        cost: [],
        candidates: 0,
        evaluated: 0,
        ms: 0,
        message: `The layout search failed: ${why}`,
      };
    }
  });
}

export type SweepRequest =
  | { kind: 'frontier'; scenario: Scenario; chips?: string[]; load?: LoadProfile; batches?: number[] }
  | { kind: 'layouts'; scenario: Scenario; chips?: string[]; load?: LoadProfile; hardware?: HardwareSpec[] }
  | {
      kind: 'design';
      scenario: Scenario;
      baseChip?: string;
      load?: LoadProfile;
      axes?: Partial<DesignAxes>;
      target?: number;
      keepPoints?: boolean;
    };

export type SweepResult =
  | { kind: 'frontier'; series: FrontierSeries[]; ms: number }
  | { kind: 'layouts'; frontiers: LayoutFrontier[]; ms: number }
  | ({ kind: 'design' } & DesignResult);

/** Run a sweep synchronously (what sweep.worker.ts calls; also usable directly in Node and tests). */
export function runSweep(req: SweepRequest): SweepResult {
  if (req.kind === 'frontier') {
    const t0 = now();
    const series = batchFrontier(req.scenario, req.chips ?? req.scenario.chips, req.load, req.batches);
    return { kind: 'frontier', series, ms: now() - t0 };
  }
  if (req.kind === 'layouts') {
    const t0 = now();
    const frontiers = layoutFrontiers(req.scenario, req.chips ?? req.scenario.chips, req.load, req.hardware);
    return { kind: 'layouts', frontiers, ms: now() - t0 };
  }
  const r = designSweep(
    req.scenario,
    req.baseChip ?? 'dyn-native',
    req.load,
    req.axes,
    req.target ?? req.scenario.targetSpeed,
    req.keepPoints ?? false,
  );
  return { kind: 'design', ...r };
}
