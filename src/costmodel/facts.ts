/**
 * Physical and economic constants with their sources (../shared/REFERENCES.md "Cost-model facts"), and the small
 * formulas built on them: energy by node and precision, wafer cost, yield, dies per wafer, die area.
 */

import type { Precision } from './types';

/** Relative dynamic energy by node, 7 nm = 1 (Stillmaker & Baas 2017). 5 and 4 nm extrapolated (log-log). */
export const NODE_ENERGY: readonly (readonly [number, number])[] = [
  [45, 10.6],
  [32, 7.0],
  [20, 2.3],
  [16, 1.84],
  [14, 1.47],
  [10, 1.25],
  [7, 1],
];

/** Log-log interpolation in a table sorted by descending x, extrapolating from the nearest pair. */
function logInterp(table: readonly (readonly [number, number])[], x: number): number {
  const lx = Math.log(x);
  let i = 0;
  while (i < table.length - 2 && x < table[i + 1][0]) i++;
  const [x0, y0] = table[i];
  const [x1, y1] = table[i + 1];
  const t = (lx - Math.log(x0)) / (Math.log(x1) - Math.log(x0));
  return Math.exp(Math.log(y0) + t * (Math.log(y1) - Math.log(y0)));
}

/** Dynamic energy relative to 7 nm; below 7 nm extrapolated from the 10→7 nm slope (5 nm ≈ 0.81, 4 nm ≈ 0.70). */
export function nodeEnergyScale(nodeNm: number): number {
  return logInterp(NODE_ENERGY, Math.max(2, Math.min(45, nodeNm)));
}

/**
 * Arithmetic energy per FLOP at 45 nm (Horowitz ISSCC 2014): FP16 add 0.4 + mul 1.1 pJ per FMA (2 FLOPs);
 * FP32 add 0.9 + mul 3.7; FP8 and FP4 scaled from FP16 with multiplier energy ∝ bits² (our estimate).
 */
export const PJ_PER_FLOP_45NM: Record<Precision, number> = { fp32: 2.3, bf16: 0.75, fp8: 0.3, fp4: 0.15 };
/**
 * Operand delivery (register files, on-chip wires) multiplies the bare arithmetic energy; 8× puts an H100 at
 * ≈ 0.4 pJ/BF16 FLOP, so full-rate BF16 plus its static share lands near its 700 W TDP. Our calibration.
 */
export const OPERAND_OVERHEAD = 8;
/** 8 KB SRAM read ~10 pJ per 64 bits at 45 nm (Horowitz) = 1.25 pJ/B; large arrays pay ~4× in wires (estimate). */
export const SRAM_PJ_PER_BYTE_45NM = 1.25;
export const SRAM_WIRE_FACTOR = 4;
/** Scale-up SerDes ~5 pJ/bit and scale-out (NIC, switch, optics) ~20 pJ/bit: our estimates. */
export const LINK_PJ_PER_BYTE = 40;
export const SCALE_OUT_PJ_PER_BYTE = 160;

export function pjPerFlop(nodeNm: number, precision: Precision): number {
  return (PJ_PER_FLOP_45NM[precision] / NODE_ENERGY[0][1]) * nodeEnergyScale(nodeNm) * OPERAND_OVERHEAD;
}

export function sramPjPerByte(nodeNm: number): number {
  return (SRAM_PJ_PER_BYTE_45NM / NODE_ENERGY[0][1]) * nodeEnergyScale(nodeNm) * SRAM_WIRE_FACTOR;
}

/** Wafer cost by node (ttm-cas, used by LLMCompass); nodes below 5 nm use the 5 nm price (N4 is an N5 variant). */
export const WAFER_COST: readonly (readonly [number, number])[] = [
  [28, 2891],
  [14, 3984],
  [7, 9346],
  [5, 16988],
];

export function waferCostUsd(nodeNm: number): number {
  return logInterp(WAFER_COST, Math.max(5, Math.min(28, nodeNm)));
}

/** Defect density per cm²: 0.05 at ≥ 28 nm to 0.2 at 5 nm (REFERENCES), log-interpolated between. */
export function defectDensity(nodeNm: number): number {
  return logInterp(
    [
      [28, 0.05],
      [5, 0.2],
    ],
    Math.max(5, Math.min(28, nodeNm)),
  );
}

/** Negative-binomial yield (1 + A·D/α)^−α with A in cm², α = 3 (clustering; our choice). */
export function dieYield(areaMm2: number, nodeNm: number, alpha = 3): number {
  return (1 + ((areaMm2 / 100) * defectDensity(nodeNm)) / alpha) ** -alpha;
}

/** Gross dies per 300 mm wafer: πr²/A − πd/√(2A). */
export function diesPerWafer(areaMm2: number, waferDiameterMm = 300): number {
  const r = waferDiameterMm / 2;
  return Math.max(1, (Math.PI * r * r) / areaMm2 - (Math.PI * waferDiameterMm) / Math.sqrt(2 * areaMm2));
}

/** Reticle limit: larger silicon is split into chiplets of at most this size. */
export const RETICLE_MM2 = 830;

/** Cost of good silicon: area split into ≤ reticle-sized dies, each costing wafer / (dies per wafer · yield). */
export function siliconCostUsd(areaMm2: number, nodeNm: number, dies = 1): number {
  const n = Math.max(dies, Math.ceil(areaMm2 / RETICLE_MM2));
  const a = areaMm2 / n;
  return (n * waferCostUsd(nodeNm)) / (diesPerWafer(a) * dieYield(a, nodeNm));
}

/** Price of a chip = manufacturing cost × this when no market price is known (our estimate of vendor margin). */
export const PRICE_MARKUP = 3;
/** Host, network and rack share added to a chip's price when owning it (our estimate). */
export const SYSTEM_OVERHEAD = 0.3;
/** Data-centre power usage effectiveness (our estimate, typical 2024 hyperscale). */
export const PUE = 1.3;
export const HOURS_PER_YEAR = 8766;
/** Usable share of memory for weights and KV cache (the rest: activations, buffers, fragmentation). */
export const USABLE_MEMORY = 0.9;

/**
 * Area model for design sweeps (our estimates from public density figures): relative logic density 7 nm = 1
 * (TSMC N7 ≈ 91 MTr/mm², N5 ≈ 171, 14/16 nm ≈ 30, 28 nm ≈ 12) and SRAM density (bit-cell 0.027 µm² at N7,
 * 0.021 at N5, ~0.064 at 14 nm, ~0.127 at 28 nm).
 */
const LOGIC_DENSITY: readonly (readonly [number, number])[] = [
  [28, 0.13],
  [14, 0.33],
  [7, 1],
  [5, 1.88],
  [3, 3.2],
];
const SRAM_DENSITY: readonly (readonly [number, number])[] = [
  [28, 0.21],
  [14, 0.42],
  [7, 1],
  [5, 1.29],
  [3, 1.35],
];
/**
 * mm² per MB of SRAM at 7 nm incl. array overhead (bit-cell × 2); mm² per dense BF16 TFLOP/s at 7 nm including
 * everything a GPU puts around its tensor cores, calibrated so the H100 (989 TFLOP/s, 50 MB, 3.35 TB/s, 4 nm)
 * comes out at its 814 mm².
 */
export const SRAM_MM2_PER_MB_7NM = 0.45;
export const MM2_PER_TFLOP_7NM = 1.65;
/** HBM PHY + controller area per TB/s, and a fixed uncore (I/O, control) area. */
export const MEM_PHY_MM2_PER_TBS = 15;
export const UNCORE_MM2 = 60;
/** One HBM3-class stack: ~0.8 TB/s and 24 GB. */
export const HBM_STACK_TBS = 0.8;
export const HBM_STACK_GB = 24;

export function chipAreaMm2(sramMB: number, tflopsBf16: number, memTBs: number, nodeNm: number): number {
  const n = Math.max(3, Math.min(28, nodeNm));
  return (
    (sramMB * SRAM_MM2_PER_MB_7NM) / logInterp(SRAM_DENSITY, n) +
    (tflopsBf16 * MM2_PER_TFLOP_7NM) / logInterp(LOGIC_DENSITY, n) +
    memTBs * MEM_PHY_MM2_PER_TBS +
    UNCORE_MM2
  );
}
