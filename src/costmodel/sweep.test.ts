import { describe, expect, it } from 'vitest';
import { applyModelPreset, defaultScenario } from '../scenario';
import { hardwareSpec, manufacturingCostUsd } from './chips';
import { batchFrontier, DEFAULT_DESIGN_AXES, designChip, designMarkup, runSweep } from './sweep';

const mixtral = () => ({
  ...applyModelPreset(defaultScenario(), 'mixtral-8x7b'),
  phase: 'decode' as const,
  contextLength: 2048,
  chipCount: 8,
  expertParallel: 8,
});

describe('sweeps', () => {
  it('batch frontier: cost per token climbs steeply when speed per user is required', () => {
    const [h100] = batchFrontier(mixtral(), ['h100']);
    const pts = h100.points;
    expect(pts.length).toBeGreaterThan(8);
    const fastest = pts.reduce((a, b) => (b.tokensPerSecPerUser > a.tokensPerSecPerUser ? b : a));
    const cheapest = pts.reduce((a, b) => (b.usdPerMTokens < a.usdPerMTokens ? b : a));
    expect(fastest.batch).toBeLessThan(cheapest.batch);
    // An order of magnitude in price for a few times the speed.
    expect(fastest.usdPerMTokens / cheapest.usdPerMTokens).toBeGreaterThan(10);
    expect(fastest.tokensPerSecPerUser / cheapest.tokensPerSecPerUser).toBeLessThan(20);
    expect(fastest.pareto && cheapest.pareto).toBe(true);
    for (const p of pts.filter((x) => x.pareto)) {
      expect(
        pts.some((q) => q.tokensPerSecPerUser > p.tokensPerSecPerUser && q.usdPerMTokens < p.usdPerMTokens),
      ).toBe(false);
    }
  });

  it('design points are priced like their base chip', () => {
    const base = hardwareSpec('h100').experts;
    const same = designChip(base, { sramMB: 50, memTBs: 3.35, tflopsBf16: 989, nodeNm: 4 });
    expect(designMarkup(base)).toBeCloseTo((base.purchaseUsd ?? 0) / manufacturingCostUsd(base), 9);
    // The area model is calibrated on the H100, so the H100's own design point costs about an H100.
    expect(same.areaMm2).toBeGreaterThan(700);
    expect(same.areaMm2).toBeLessThan(930);
    expect(same.purchaseUsd ?? 0).toBeGreaterThan(15000);
    expect(same.purchaseUsd ?? 0).toBeLessThan(40000);
  });

  it('design sweep: 10,000 designs, the cheapest meeting the target speed', () => {
    const n = Object.values(DEFAULT_DESIGN_AXES).reduce((a, ax: number[]) => a * ax.length, 1);
    expect(n).toBe(10000);
    const r = runSweep({
      kind: 'design',
      scenario: { ...mixtral(), tokens: 256 },
      baseChip: 'dyn-native',
      target: 100,
    });
    if (r.kind !== 'design') throw new Error('wrong kind');
    expect(r.evaluated).toBe(10000);
    expect(r.best).toBeDefined();
    const best = r.best;
    if (!best) return;
    expect(best.tokensPerSecPerUser).toBeGreaterThanOrEqual(100);
    expect(r.frontier.length).toBeGreaterThan(1);
    // Nothing on the frontier that meets the target is cheaper than the best.
    for (const p of r.frontier)
      if (p.meets) expect(p.usdPerMTokens).toBeGreaterThanOrEqual(best.usdPerMTokens);
    // Speed is bench/costmodel.ts's job; the shared 2-core machine can be slow here.
  }, 60_000);

  it('runSweep frontier request returns one series per chip', () => {
    const r = runSweep({
      kind: 'frontier',
      scenario: mixtral(),
      chips: ['h100', 'sram-7nm'],
      batches: [1, 64, 1024],
    });
    if (r.kind !== 'frontier') throw new Error('wrong kind');
    expect(r.series.map((s) => s.chipId)).toEqual(['h100', 'sram-7nm']);
    expect(r.series[1].points.map((p) => p.batch)).toEqual([1, 64, 1024]);
  });
});
