/** Chip presets (data, src/scenario/presets/chips.ts) resolved into ChipSpecs in SI units. */

import { type ChipPreset, findChipPreset } from '../scenario';
import {
  chipAreaMm2,
  LINK_PJ_PER_BYTE,
  PRICE_MARKUP,
  pjPerFlop,
  SCALE_OUT_PJ_PER_BYTE,
  siliconCostUsd,
  sramPjPerByte,
} from './facts';
import type { ChipSpec, HardwareSpec, Precision } from './types';

const T = 1e12;
const G = 1e9;
const M = 1e6;
const US = 1e-6;

/** Manufacturing cost: good silicon plus off-chip memory. */
export function manufacturingCostUsd(c: {
  areaMm2: number;
  nodeNm: number;
  dies: number;
  memBytes: number;
  memUsdPerGB: number;
}): number {
  return siliconCostUsd(c.areaMm2, c.nodeNm, c.dies) + (c.memBytes / G) * c.memUsdPerGB;
}

/** Resolve one preset. Hypothetical chips without a price get their base chip's price plus markup × Δcost. */
export function chipSpecFromPreset(p: ChipPreset): ChipSpec {
  const m = p.model;
  const bf16 = p.tflopsBf16 * T;
  const fp8 = (p.tflopsFp8 ?? p.tflopsBf16) * T;
  // No FP4 units: 4-bit weights are dequantised and multiplied in BF16 (w4a16 kernels), not at the FP8 rate.
  const fp4 = (m.tflopsFp4?.value ?? p.tflopsBf16) * T;
  const flops: Record<Precision, number> = { fp4, fp8, bf16, fp32: bf16 / 2 };
  const jPerFlop: Record<Precision, number> = {
    fp4: pjPerFlop(p.nodeNm, 'fp4') * 1e-12,
    fp8: pjPerFlop(p.nodeNm, 'fp8') * 1e-12,
    bf16: pjPerFlop(p.nodeNm, 'bf16') * 1e-12,
    fp32: pjPerFlop(p.nodeNm, 'fp32') * 1e-12,
  };
  const areaMm2 = m.areaMm2?.value ?? p.dieMm2 ?? chipAreaMm2(p.sramMB, p.tflopsBf16, p.memTBs, p.nodeNm);
  // SRAM bandwidth when unpublished: L2-class caches deliver roughly 3× HBM bandwidth (our estimate).
  const sramBw = (p.sramTBs ?? Math.max(p.memTBs * 3, 1)) * T;
  const spec: ChipSpec = {
    id: p.id,
    name: p.name,
    status: p.status,
    source: p.source,
    flops,
    memBytes: p.memGB * G,
    memBw: p.memTBs * T,
    sramBytes: p.sramMB * M,
    sramBw,
    sramResidentShare: p.memGB > 0 ? m.sramResidentShare.value : 1,
    linkBw: p.linkGBs * G,
    linkLatency: m.linkLatencyUs.value * US,
    scaleUpDomain: Math.max(1, m.scaleUpDomain.value),
    scaleOutBw: m.scaleOutGBs.value * G,
    scaleOutLatency: m.scaleOutLatencyUs.value * US,
    linkEfficiency: m.linkEfficiency.value,
    a2aBase: m.a2aBaseUs.value * US,
    tileRows: Math.max(1, m.tileRows.value),
    // Only static-shape chips carry the key, so every other chip's spec (and its JSON) is unchanged.
    ...(p.staticShapes ? { staticShapes: true } : {}),
    launch: m.launchUs.value * US,
    dispatchPerToken: m.dispatchNsPerToken.value * 1e-9,
    computeEffMax: m.computeEffMax.value,
    computeRamp: m.computeRampUs.value * US,
    memEffMax: m.memEffMax.value,
    memRamp: m.memRampUs.value * US,
    tdpW: m.tdpW.value,
    idleShare: m.idleShare.value,
    nodeNm: p.nodeNm,
    dies: m.dies.value,
    areaMm2,
    jPerFlop,
    jPerMemByte: m.memPjPerByte.value * 1e-12,
    jPerSramByte: sramPjPerByte(p.nodeNm) * 1e-12,
    jPerLinkByte: LINK_PJ_PER_BYTE * 1e-12,
    jPerScaleOutByte: SCALE_OUT_PJ_PER_BYTE * 1e-12,
    purchaseUsd: m.purchaseUsd?.value,
    rentalPerHour: m.rentalPerHour?.value,
    purchaseBasis: m.purchaseUsd ? 'list' : undefined,
    memUsdPerGB: m.memUsdPerGB.value,
  };
  if (spec.purchaseUsd === undefined && spec.rentalPerHour !== undefined) {
    spec.purchaseUsd = spec.rentalPerHour * RENTAL_TO_PURCHASE_HOURS;
    spec.purchaseBasis = 'derived';
  }
  if (spec.purchaseUsd === undefined) {
    const base = p.basedOn ? findChipPreset(p.basedOn) : undefined;
    const baseSpec = base && base.id !== p.id ? chipSpecFromPreset(base) : undefined;
    spec.purchaseUsd = derivePrice(spec, baseSpec);
    spec.purchaseBasis = 'derived';
  }
  return spec;
}

/**
 * A price for a chip without one: its base chip's price plus markup × the change in manufacturing cost, or
 * markup × manufacturing cost when there is no priced base.
 */
export function derivePrice(spec: ChipSpec, base?: ChipSpec): number {
  const own = manufacturingCostUsd(spec);
  if (base?.purchaseUsd !== undefined) {
    return Math.max(own, base.purchaseUsd + PRICE_MARKUP * (own - manufacturingCostUsd(base)));
  }
  return PRICE_MARKUP * own;
}

/** Rented-only chips: purchase ≈ this many hours of list rental (H100: $25,000 / $4.25 per hour ≈ 5,900 h). */
export const RENTAL_TO_PURCHASE_HOURS = 5900;

const cache = new Map<string, HardwareSpec>();

/** A chip id (or two-pool system id) from the presets, resolved. Throws on an unknown id. */
export function hardwareSpec(id: string): HardwareSpec {
  const hit = cache.get(id);
  if (hit) return hit;
  const p = findChipPreset(id);
  if (!p) throw new Error(`unknown chip "${id}"`);
  let hw: HardwareSpec;
  if (p.system) {
    const att = findChipPreset(p.system.attentionChip);
    const exp = findChipPreset(p.system.expertChip);
    if (!att || !exp) throw new Error(`system "${id}" names an unknown chip`);
    hw = {
      id,
      name: p.name,
      status: p.status,
      experts: chipSpecFromPreset(exp),
      attention: chipSpecFromPreset(att),
      attentionChips: p.system.attentionChips,
      crossPool: {
        a2aBase: p.model.a2aBaseUs.value * US,
        latency: p.model.scaleOutLatencyUs.value * US,
        efficiency: p.model.linkEfficiency.value,
      },
    };
  } else {
    const c = chipSpecFromPreset(p);
    hw = { id, name: p.name, status: p.status, experts: c, attention: c, attentionChips: 0 };
  }
  cache.set(id, hw);
  return hw;
}

/** Wrap a single ChipSpec (design sweeps, calibration) as hardware. */
export function singleChip(c: ChipSpec): HardwareSpec {
  return { id: c.id, name: c.name, status: c.status, experts: c, attention: c, attentionChips: 0 };
}

/**
 * A chip with round, ideal figures (no ramps, launches or dispatch cost, efficiency 1) and the given overrides:
 * for hand-checked cases, "this device" and design sweeps.
 */
export function idealChip(o: Partial<ChipSpec> & { id: string }): ChipSpec {
  const flops = o.flops ?? { fp4: 1e14, fp8: 1e14, bf16: 1e14, fp32: 1e14 };
  return {
    name: o.id,
    status: 'hypothetical',
    source: 'ideal chip',
    memBytes: 80e9,
    memBw: 1e12,
    sramBytes: 0,
    sramBw: 1e13,
    sramResidentShare: 0,
    linkBw: 1e11,
    linkLatency: 1e-6,
    scaleUpDomain: 8,
    scaleOutBw: 1e10,
    scaleOutLatency: 5e-6,
    linkEfficiency: 1,
    a2aBase: 5e-6,
    tileRows: 1,
    launch: 0,
    dispatchPerToken: 0,
    computeEffMax: 1,
    computeRamp: 0,
    memEffMax: 1,
    memRamp: 0,
    tdpW: 100,
    idleShare: 0.5,
    nodeNm: 7,
    dies: 1,
    areaMm2: 100,
    jPerFlop: { fp4: 1e-12, fp8: 1e-12, bf16: 1e-12, fp32: 1e-12 },
    jPerMemByte: 1e-11,
    jPerSramByte: 1e-12,
    jPerLinkByte: 1e-11,
    jPerScaleOutByte: 1e-10,
    purchaseUsd: 10000,
    purchaseBasis: 'list',
    memUsdPerGB: 7,
    ...o,
    flops,
  };
}
