import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenario';
import { idealChip, singleChip } from './chips';
import { diesPerWafer, dieYield, HOURS_PER_YEAR, PUE, SYSTEM_OVERHEAD, siliconCostUsd } from './facts';
import { tinyScenario } from './fixtures/tinyScenario';
import { loadFromCounts } from './load';
import { prepare } from './prepare';
import { projectionRanks, projectScenario } from './project';
import type { ChipSpec, LoadProfile } from './types';

const tiny = tinyScenario;

const EXPERT_BYTES = 3 * 1024 * 1024 * 2; // 6,291,456
const ACT_PER_ROW = (2 * 1024 + 4 * 1024) * 2; // 12,288
const FLOPS_PER_ROW = 6 * 1024 * 1024;

function counts(c: number[], tokens: number, topK = 2, kept?: number[]): LoadProfile {
  return loadFromCounts({ counts: [c], topK, tokens, kept: kept ? [kept] : undefined, phase: 'decode' });
}

function run(s: Scenario, load: LoadProfile, chip: Partial<ChipSpec> = {}) {
  return projectScenario(s, 'ideal', load, { chip: singleChip(idealChip({ id: 'ideal', ...chip })) });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

describe('hand-computed cases', () => {
  it('memory-bound decode step: four experts touched, weights dominate', () => {
    const p = run(tiny(), counts([2, 2, 2, 2, 0, 0, 0, 0], 4));
    // 4 experts' weights + 8 rows of activations at 1 TB/s; compute 8 rows at 100 TFLOP/s is 0.5 µs.
    const want = (4 * EXPERT_BYTES + 8 * ACT_PER_ROW) / 1e12;
    expect(rel(p.breakdown.experts, want)).toBeLessThan(1e-9);
    expect(want).toBeGreaterThan((8 * FLOPS_PER_ROW) / 1e14);
    expect(p.load.distinctExperts).toBe(4);
  });

  it('compute-bound prefill: 8192 rows at 100 TFLOP/s', () => {
    const s = tiny({ phase: 'prefill', tokens: 4096 });
    const p = run(s, counts([1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024], 4096));
    const want = (8192 * FLOPS_PER_ROW) / 1e14; // 515.4 µs
    expect(rel(p.breakdown.experts, want)).toBeLessThan(1e-9);
    expect((8 * EXPERT_BYTES + 8192 * ACT_PER_ROW) / 1e12).toBeLessThan(want);
  });

  it('an all-to-all: 8 chips, 8 tokens each, 16 rows per rank over 100 GB/s', () => {
    const s = tiny({ tokens: 64, chipCount: 8, expertParallel: 8 });
    const p = run(s, counts([16, 16, 16, 16, 16, 16, 16, 16], 64));
    // Each chip sends 8 tokens × k = 2 × 1024 × 2 B = 32,768 B and receives 16 rows × 2,048 B = 32,768 B;
    // 7/8 of it leaves the chip, all inside one scale-up domain: 5 µs base + 1 µs hop + 28,672 B / 100 GB/s.
    const want = 5e-6 + 1e-6 + 28672 / 1e11;
    expect(rel(p.breakdown.dispatch, want)).toBeLessThan(1e-9);
    expect(rel(p.breakdown.combine, want)).toBeLessThan(1e-9);
    const one = run(tiny({ tokens: 64 }), counts([16, 16, 16, 16, 16, 16, 16, 16], 64));
    expect(one.breakdown.dispatch).toBe(0);
  });

  it('a padded expert: 10 and 6 rows on 64-row tiles compute 128 rows', () => {
    const slow = { flops: { fp4: 1e12, fp8: 1e12, bf16: 1e12, fp32: 1e12 } };
    const load = counts([10, 6, 0, 0, 0, 0, 0, 0], 8);
    const padded = run(tiny({ tokens: 8 }), load, { ...slow, tileRows: 64 });
    const exact = run(tiny({ tokens: 8 }), load, slow);
    expect(rel(padded.breakdown.experts, (128 * FLOPS_PER_ROW) / 1e12)).toBeLessThan(1e-9);
    expect(rel(exact.breakdown.experts, (16 * FLOPS_PER_ROW) / 1e12)).toBeLessThan(1e-9);
    expect(padded.load.paddingFraction).toBeCloseTo((128 - 16) / 128, 12);
    expect(padded.imbalanceTax.padding).toBeGreaterThan(0);
  });

  it('an SRAM-resident expert: the two hottest of four touched experts are read from SRAM', () => {
    const chip = { sramBytes: 2 * EXPERT_BYTES, sramResidentShare: 1, sramBw: 1e13 };
    const load = counts([4, 2, 1, 1, 0, 0, 0, 0], 4);
    const s = tiny();
    expect(prepare(s, singleChip(idealChip({ id: 'x', ...chip })), load).residentSlots).toBe(2);
    const p = run(s, load, chip);
    const want = (2 * EXPERT_BYTES + 8 * ACT_PER_ROW) / 1e12 + (2 * EXPERT_BYTES) / 1e13;
    expect(rel(p.breakdown.experts, want)).toBeLessThan(1e-9);
    const none = run(s, load);
    expect(none.breakdown.experts).toBeGreaterThan(p.breakdown.experts);
  });

  it('the busiest chip sets the layer time', () => {
    const s = tiny({ experts: 4, tokens: 4, chipCount: 2, expertParallel: 2 });
    const load = counts([6, 0, 2, 0], 4);
    const rr = run(s, load);
    // Round-robin: rank 0 holds experts 0 and 2 (8 rows, 2 experts' weights); rank 1 holds two idle experts.
    const l = rr.layers[0];
    expect(l.busiestRank).toBe(0);
    const ranks = projectionRanks(s, 'ideal', load, 0, { chip: singleChip(idealChip({ id: 'ideal' })) });
    expect(ranks.rankRows).toEqual([8, 0]);
    expect(ranks.rankTimes[1]).toBe(0);
    expect(ranks.rankTimes[0]).toBeGreaterThan(0);
    expect(rel(rr.breakdown.experts, (2 * EXPERT_BYTES + 8 * ACT_PER_ROW) / 1e12)).toBeLessThan(1e-9);
    // Load-aware placement splits the two hot experts: the busiest rank reads one expert.
    const la = run({ ...s, expertPlacement: 'load-aware' }, load);
    expect(
      projectionRanks({ ...s, expertPlacement: 'load-aware' }, 'ideal', load, 0, {
        chip: singleChip(idealChip({ id: 'ideal' })),
      }).rankRows,
    ).toEqual([6, 2]);
    expect(rel(la.breakdown.experts, (EXPERT_BYTES + 6 * ACT_PER_ROW) / 1e12)).toBeLessThan(1e-9);
    // The balanced twin spreads the same rows and experts evenly; the tax is the difference.
    expect(rr.balanced.stepTime).toBeLessThan(rr.stepTime);
    expect(rr.imbalanceTax.ratio).toBeGreaterThan(1);
    const t = rr.imbalanceTax;
    expect(rel(t.busiestChip + t.padding + t.distinctExperts + t.droppedTokens, t.total)).toBeLessThan(1e-12);
    expect(rel(rr.balanced.stepTime + t.total, rr.stepTime)).toBeLessThan(1e-9);
  });

  it('dropped tokens are charged as the time to serve them at the same rate', () => {
    const p = run(tiny(), counts([6, 2, 0, 0, 0, 0, 0, 0], 4, 2, [4, 2, 0, 0, 0, 0, 0, 0]));
    expect(p.load.droppedFraction).toBeCloseTo(0.25, 12);
    expect(rel(p.imbalanceTax.droppedTokens, (p.stepTime * 0.25) / 0.75)).toBeLessThan(1e-12);
  });

  it('energy: FLOPs × pJ/FLOP, bytes × pJ/byte, plus static power × time', () => {
    const p = run(tiny(), counts([2, 2, 2, 2, 0, 0, 0, 0], 4));
    // FLOPs: attention projections 4·2·4d², attention core 4·1·4·8·128, router 4·2·d·E, experts 8 rows, LM head.
    const flops =
      4 * 2 * 4 * 1024 * 1024 + 4 * 4 * 8 * 128 + 4 * 2 * 1024 * 8 + 8 * FLOPS_PER_ROW + 4 * 2 * 2 * 1024;
    expect(flops).toBe(83_984_384);
    expect(rel(p.energy.computeJ, flops * 1e-12)).toBeLessThan(1e-9);
    // Bytes: attention weights + activations, KV, router weights + logits, experts, LM head weights + activations.
    const bytes =
      8_388_608 + 16_384 + 16_384 + 16_384 + 256 + 4 * EXPERT_BYTES + 8 * ACT_PER_ROW + 4_096 + 8_192;
    expect(rel(p.energy.memJ, bytes * 1e-11)).toBeLessThan(1e-9);
    expect(rel(p.energy.staticJ, 0.5 * 100 * p.stepTime)).toBeLessThan(1e-12);
    expect(rel(p.jPerToken, (p.energy.computeJ + p.energy.memJ + p.energy.staticJ) / 4)).toBeLessThan(1e-9);
  });

  it('dollars: ownership amortises purchase and pays electricity; rental charges the list price', () => {
    const s = tiny({ amortizationYears: 1, electricityPrice: 0 });
    const load = counts([2, 2, 2, 2, 0, 0, 0, 0], 4);
    const own = run(s, load);
    const perHour = (10000 * (1 + SYSTEM_OVERHEAD)) / HOURS_PER_YEAR;
    expect(rel(own.cost.usdPerHour, perHour)).toBeLessThan(1e-12);
    expect(rel(own.usdPerMTokens, (perHour / ((4 / own.stepTime) * 3600)) * 1e6)).toBeLessThan(1e-9);
    const power = run({ ...s, electricityPrice: 0.1 }, load);
    expect(rel(power.cost.usdPerHour, perHour + (power.energy.avgPowerW / 1000) * 0.1 * PUE)).toBeLessThan(
      1e-9,
    );
    const rent = run({ ...s, costBasis: 'rental' }, load, { rentalPerHour: 2 });
    expect(rent.cost.basis).toBe('rental');
    expect(rent.cost.usdPerHour).toBe(2);
  });

  it('die cost: yield, dies per wafer, wafer price', () => {
    // 100 mm² = 1 cm² at 28 nm (0.05 defects/cm², α = 3): (1 + 0.05/3)^-3.
    expect(dieYield(100, 28)).toBeCloseTo((1 + 0.05 / 3) ** -3, 12);
    expect(diesPerWafer(100)).toBeCloseTo((Math.PI * 150 * 150) / 100 - (Math.PI * 300) / Math.sqrt(200), 9);
    expect(siliconCostUsd(100, 28)).toBeCloseTo(2891 / (diesPerWafer(100) * dieYield(100, 28)), 9);
  });
});
