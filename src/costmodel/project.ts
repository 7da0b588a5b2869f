/**
 * projectScenario: a scenario, a chip and a measured load → time, speed, energy and dollars per token, per layer
 * and per stage, with the same workload under perfectly balanced load and the imbalance tax split into causes.
 * The stages live in stages/, the per-rank rule in ranks.ts, the step in evaluate.ts. Formulas: docs/COST_MODEL.md.
 */

import type { Scenario } from '../scenario';
import { assumptionsOf } from './assumptions';
import { hardwareSpec } from './chips';
import { evaluate, layerRanks } from './evaluate';
import { headline } from './headline';
import { type Prepared, prepare } from './prepare';
import type { Headline, ImbalanceTax, LoadProfile, Projection, ProjectOptions, StageTimes } from './types';

/** Project a prepared scenario. */
export function projectPrepared(p: Prepared, detail = true): Projection {
  const ev = evaluate(p, true, detail);
  const dyn = ev.energy.total();
  const h = headline(p, ev.stepTime, dyn);
  const stages = p.layout.stages;
  h.energy.computeJ = ev.energy.compute * stages;
  h.energy.memJ = ev.energy.mem * stages;
  h.energy.sramJ = ev.energy.sram * stages;
  h.energy.linkJ = ev.energy.link * stages;
  const b = headline(p, ev.balancedStep, dyn);
  const δ = ev.assignments > 0 ? ev.dropped / ev.assignments : 0;
  const droppedTokens = δ < 1 ? (ev.stepTime * δ) / (1 - δ) : ev.stepTime;
  const total = ev.tax.busiestChip + ev.tax.padding + ev.tax.distinctExperts + droppedTokens;
  const imbalanceTax: ImbalanceTax = {
    ratio: ev.balancedStep > 0 ? (ev.stepTime + droppedTokens) / ev.balancedStep : 1,
    ...ev.tax,
    droppedTokens,
    total,
  };
  const sumStages = Object.values(ev.breakdown).reduce((a, x) => a + x, 0);
  let bottleneck: keyof StageTimes = 'experts';
  for (const k of Object.keys(ev.breakdown) as (keyof StageTimes)[]) {
    if (ev.breakdown[k] > ev.breakdown[bottleneck]) bottleneck = k;
  }
  const moeLayers = Math.max(1, p.m.moeLayers);
  return {
    chipId: p.hw.id,
    chipName: p.hw.name,
    status: p.hw.status,
    phase: p.s.phase,
    system: p.layout,
    stepTime: h.stepTime,
    ttft: h.ttft,
    tpot: h.tpot,
    tokensPerSecPerUser: h.tokensPerSecPerUser,
    throughput: h.throughput,
    throughputPerChip: h.throughput / p.layout.totalChips,
    jPerToken: h.jPerToken,
    usdPerMTokens: h.usdPerMTokens,
    breakdown: ev.breakdown,
    hiddenByOverlap: detail ? Math.max(0, sumStages - ev.stepTime) : 0,
    layers: ev.layers,
    bottleneck,
    energy: h.energy,
    cost: h.cost,
    balanced: {
      stepTime: b.stepTime,
      ttft: b.ttft,
      tpot: b.tpot,
      tokensPerSecPerUser: b.tokensPerSecPerUser,
      throughput: b.throughput,
      jPerToken: b.jPerToken,
      usdPerMTokens: b.usdPerMTokens,
    },
    imbalanceTax,
    load: {
      distinctExperts: ev.touchedTotal / moeLayers,
      paddingFraction: ev.paddedTotal > 0 ? (ev.paddedTotal - ev.rowsTotal) / ev.paddedTotal : 0,
      rowsPerExpert: ev.touchedTotal > 0 ? ev.rowsTotal / ev.touchedTotal : 0,
      droppedFraction: δ,
    },
    assumptions: assumptionsOf(p),
    notes: p.notes,
  };
}

/** Headline numbers only (sweeps): no breakdown, no tax. */
export function quickHeadline(p: Prepared): Headline {
  const ev = evaluate(p, false, false);
  const h = headline(p, ev.stepTime, ev.energy.total());
  return {
    stepTime: h.stepTime,
    ttft: h.ttft,
    tpot: h.tpot,
    tokensPerSecPerUser: h.tokensPerSecPerUser,
    throughput: h.throughput,
    jPerToken: h.jPerToken,
    usdPerMTokens: h.usdPerMTokens,
  };
}

/**
 * Project a scenario's load onto one chip (or two-pool system) from the presets. Without a load, routing is
 * assumed uniform. Throws when the load does not match the scenario (experts, k).
 */
export function projectScenario(
  scenario: Scenario,
  chipId: string,
  load?: LoadProfile,
  options: ProjectOptions = {},
): Projection {
  const hw = options.chip ?? hardwareSpec(chipId);
  return projectPrepared(prepare(scenario, hw, load), options.detail ?? true);
}

/** Every chip in the scenario's `chips` list. */
export function projectAll(scenario: Scenario, load?: LoadProfile): Projection[] {
  return scenario.chips.map((id) => projectScenario(scenario, id, load));
}

/** Every expert-parallel rank's expert-phase time and rows in one MoE layer of a projection (its first rank set). */
export function projectionRanks(
  scenario: Scenario,
  chipId: string,
  load: LoadProfile | undefined,
  moeLayer: number,
  options: ProjectOptions = {},
): { rankTimes: number[]; rankRows: number[] } {
  return layerRanks(prepare(scenario, options.chip ?? hardwareSpec(chipId), load), moeLayer);
}
