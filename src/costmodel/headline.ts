/** From a step time and its energy to the headline numbers: speed, throughput, J/token and $ (§6–§8). */
import { HOURS_PER_YEAR, PUE, SYSTEM_OVERHEAD } from './facts';
import type { Prepared } from './prepare';
import type { ChipSpec, CostReport, EnergyReport, Headline } from './types';

/** Static power of every chip in the system, W. */
function staticPower(p: Prepared): number {
  const { layout, hw } = p;
  const x = hw.experts;
  const a = hw.attention;
  const xChips = layout.totalChips - layout.attentionChips;
  return xChips * x.idleShare * x.tdpW + layout.attentionChips * a.idleShare * a.tdpW;
}

function costPerHour(p: Prepared, avgPowerW: number): CostReport {
  const { s, layout, hw } = p;
  const pools: [ChipSpec, number][] = [[hw.experts, layout.totalChips - layout.attentionChips]];
  if (layout.attentionChips > 0) pools.push([hw.attention, layout.attentionChips]);
  const canRent = pools.every(([c]) => c.rentalPerHour !== undefined);
  let capex = 0;
  for (const [c, n] of pools) capex += n * (c.purchaseUsd ?? 0);
  if (s.costBasis === 'rental' && canRent) {
    let perHour = 0;
    for (const [c, n] of pools) perHour += n * (c.rentalPerHour ?? 0);
    return { usdPerMTokens: 0, usdPerHour: perHour, basis: 'rental', capexUsd: capex };
  }
  const amort = (capex * (1 + SYSTEM_OVERHEAD)) / (s.amortizationYears * HOURS_PER_YEAR);
  const power = (avgPowerW / 1000) * s.electricityPrice * PUE;
  return { usdPerMTokens: 0, usdPerHour: amort + power, basis: 'ownership', capexUsd: capex };
}

export function headline(
  p: Prepared,
  stepTime: number,
  dynamicJ: number,
): Headline & { energy: EnergyReport; cost: CostReport } {
  const { s, layout } = p;
  const decode = s.phase === 'decode';
  // Decode: output tokens per step are the sequences times the tokens each emits (speculative decoding emits the
  // acceptance length); served modes compute prompt tokens too, but throughput counts outputs, as benchmarks do.
  const emitted = decode ? p.work.emitted : 1;
  const T = decode ? p.work.seqs * emitted : s.tokens;
  const throughput = stepTime > 0 ? T / stepTime : 0;
  const ttft = decode ? 0 : stepTime * Math.max(1, s.contextLength / T);
  const tpot = decode ? stepTime / emitted : 0;
  const perUser = decode ? emitted / stepTime : Math.min(T, s.contextLength) / stepTime;
  // One window (stepTime) carries every micro-batch through every stage once.
  const dynPerWindow = dynamicJ * layout.stages;
  const staticW = staticPower(p);
  const avgPowerW = stepTime > 0 ? dynPerWindow / stepTime + staticW : staticW;
  const cost = costPerHour(p, avgPowerW);
  cost.usdPerMTokens =
    throughput > 0 ? (cost.usdPerHour / (throughput * 3600)) * 1e6 : Number.POSITIVE_INFINITY;
  const jPerToken = T > 0 ? (dynPerWindow + staticW * stepTime) / T : 0;
  return {
    stepTime,
    ttft,
    tpot,
    tokensPerSecPerUser: perUser,
    throughput,
    jPerToken,
    usdPerMTokens: cost.usdPerMTokens,
    energy: { jPerToken, computeJ: 0, memJ: 0, sramJ: 0, linkJ: 0, staticJ: staticW * stepTime, avgPowerW },
    cost,
  };
}
