import { describe, expect, it } from 'vitest';
import { layerNetwork, networkFactors, placeExperts } from '../metrics';
import type { Scenario } from '../scenario';
import { cpuRunner, runStream } from '../stream';
import { idealChip, singleChip } from './chips';
import { tinyScenario } from './fixtures/tinyScenario';
import { toLoadProfile } from './fromStream';
import { loadFromCounts } from './load';
import { projectScenario } from './project';
import type { ChipSpec, LayerNetworkLoad, LoadProfile } from './types';

/** The tiny layer (fixtures/tinyScenario.ts) with 64 tokens on 8 expert-parallel chips. */
const tiny = (over: Partial<Scenario> = {}): Scenario =>
  tinyScenario({ tokens: 64, chipCount: 8, expertParallel: 8, ...over });

const T = 64;
const R = 8;
const profile = (network?: LayerNetworkLoad): LoadProfile => {
  const p = loadFromCounts({ counts: [new Array(8).fill(16)], topK: 2, tokens: T, phase: 'decode' });
  return network ? { ...p, layers: [{ ...p.layers[0], network }] } : p;
};
const run = (load: LoadProfile, chip: Partial<ChipSpec> = {}) =>
  projectScenario(tiny(), 'ideal', load, { chip: singleChip(idealChip({ id: 'ideal', ...chip })) });
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

/** Measured factors of a [T, 2] trace on 8 round-robin ranks, token t on rank ⌊t/8⌋. */
function measured(ids: number[], domain: number): LayerNetworkLoad {
  const p = placeExperts(new Array(8).fill(1), R, 'round-robin');
  const net = layerNetwork({ tokens: T, topK: 2, ids }, p, {
    dispatchBytesPerRow: 2048,
    combineBytesPerRow: 2048,
    domain,
  });
  return networkFactors(net);
}

// Every rank's 8 tokens pick experts t+1 and t+5 (mod 8): each rank sends 2 rows to every rank, itself included.
const uniformIds = Array.from({ length: T }, (_, t) => [(t + 1) % 8, (t + 5) % 8]).flat();
// Ranks 0–4 send all 16 of their rows off-rank; ranks 5–7 keep one of each token's two (experts r and r + 1):
// the busiest sender moves 16 rows against a mean of (5·16 + 3·8)/8 = 13.
const skewedIds = Array.from({ length: T }, (_, t) => {
  const r = Math.floor(t / 8);
  return r === 0 ? [4, 5] : r < 4 ? [(r + 3) % 8, (r + 4) % 8] : [r === 4 ? 0 : r, r === 4 ? 1 : (r + 1) % 8];
}).flat();

describe('all-to-all with a measured network', () => {
  it('a uniform trace leaves the all-to-all as it was, in one domain and across domains', () => {
    for (const domain of [8, 4]) {
      const net = measured(uniformIds, domain);
      expect(net.sendFactor).toBe(1);
      expect(net.upShare).toBeCloseTo((domain - 1) / 7, 12);
      const chip = { scaleUpDomain: domain };
      const plain = run(profile(), chip);
      const withNet = run(profile(net), chip);
      expect(rel(withNet.breakdown.dispatch, plain.breakdown.dispatch)).toBeLessThan(1e-12);
      expect(rel(withNet.breakdown.combine, plain.breakdown.combine)).toBeLessThan(1e-12);
      expect(rel(withNet.stepTime, plain.stepTime)).toBeLessThan(1e-12);
    }
  });

  it('the busiest sender sets the all-to-all: twice the mean rows doubles the bytes term', () => {
    const base = run(profile()).breakdown.dispatch;
    // The mean chip sends k · (N − 1)/N = 1.75 rows a token; a busiest sender of 3.5 rows a token moves twice that.
    const two = run(profile({ sendRowsPerToken: 3.5, sendFactor: 2, recvFactor: 1, upShare: 1 })).breakdown
      .dispatch;
    // project.test.ts: 5 µs base + 1 µs hop + 28,672 B / 100 GB/s; the busiest sender moves twice that.
    expect(rel(base, 5e-6 + 1e-6 + 28672 / 1e11)).toBeLessThan(1e-9);
    expect(rel(two, 5e-6 + 1e-6 + (2 * 28672) / 1e11)).toBeLessThan(1e-9);
  });

  it("charges the busiest rank's real bytes from the trace, not the mean times a ratio", () => {
    const net = measured(skewedIds, 8);
    // Ranks 0–4 send 16 rows for their 8 tokens: 2 rows a token, against the model's mean of k · 7/8 = 1.75.
    expect(net.sendRowsPerToken).toBe(2);
    const d = run(profile(net)).breakdown;
    // 8 tokens a chip · 2 rows · 2,048 B (d · FP8 bytes; project.test.ts) at 100 GB/s, plus base and hop.
    expect(rel(d.dispatch, 5e-6 + 1e-6 + (8 * 2 * 2048) / 1e11)).toBeLessThan(1e-9);
    // A token whose two experts share a rank sends one row there, not two: each rank holds experts r and r + 4,
    // so every token's pair lands on one rank, 7 of 8 of them remote: 0.875 rows a token, half the mean.
    const paired = Array.from({ length: T }, (_, t) => [(t + 1) % 4, ((t + 1) % 4) + 4]).flat();
    const p = placeExperts(new Array(8).fill(1), R, 'round-robin');
    const pn = networkFactors(
      layerNetwork({ tokens: T, topK: 2, ids: paired }, p, { dispatchBytesPerRow: 1, combineBytesPerRow: 1 }),
    );
    let busiest = 0;
    for (let r = 0; r < R; r++) {
      const sent = new Set<string>();
      for (let t = r * 8; t < r * 8 + 8; t++)
        for (const e of paired.slice(2 * t, 2 * t + 2)) if (e % R !== r) sent.add(`${t}:${e % R}`);
      busiest = Math.max(busiest, sent.size);
    }
    expect(pn.sendRowsPerToken).toBe(busiest / 8);
    const half = run(profile(pn)).breakdown.dispatch;
    expect(rel(half, 5e-6 + 1e-6 + (8 * (busiest / 8) * 2048) / 1e11)).toBeLessThan(1e-9);
  });

  it('a skewed trace raises the all-to-all time versus uniform', () => {
    const net = measured(skewedIds, 8);
    expect(net.sendFactor).toBeCloseTo(16 / 13, 12);
    const plain = run(profile());
    const skewed = run(profile(net));
    // The bytes term grows by the busiest sender's 2 rows a token over the mean's 1.75 (base 5 µs + hop 1 µs).
    for (const key of ['dispatch', 'combine'] as const) {
      expect(rel(skewed.breakdown[key] - 6e-6, (plain.breakdown[key] - 6e-6) * (2 / 1.75))).toBeLessThan(
        1e-9,
      );
    }
    expect(skewed.stepTime).toBeGreaterThan(plain.stepTime);
  });

  it('more bytes across domains than uniform shares assume cost more on a slower scale-out network', () => {
    const chip = { scaleUpDomain: 4, scaleOutBw: 2.5e10 };
    const plain = run(profile(), chip);
    const allOut = run(profile({ sendRowsPerToken: 1.75, sendFactor: 1, recvFactor: 1, upShare: 0 }), chip);
    expect(allOut.breakdown.dispatch).toBeGreaterThan(plain.breakdown.dispatch);
  });

  it('says which basis the all-to-all was charged on: a trace, or the mean from counts alone', () => {
    const fromTrace = run(profile(measured(skewedIds, 8))).assumptions;
    expect(fromTrace.allToAll).toEqual({ basis: 'measured', layers: 1 });
    expect(fromTrace.text).toContain("all-to-all: the busiest rank's real sends (trace)");
    const fromCounts = run(profile()).assumptions;
    expect(fromCounts.allToAll).toEqual({ basis: 'mean', layers: 0 });
    expect(fromCounts.text).toContain('all-to-all: every chip sends the mean');
    const one = projectScenario(tiny({ chipCount: 1, expertParallel: 1 }), 'ideal', profile(), {
      chip: singleChip(idealChip({ id: 'ideal' })),
    }).assumptions;
    expect(one.allToAll.basis).toBe('none');
    expect(one.text).not.toContain('all-to-all');
  });
  it("load-aware placement is charged its own measured bytes from a stream, not the mean or round-robin's", async () => {
    // A skewed stream of 16 experts on 4 expert-parallel ranks: load-aware packs them four a rank by load.
    const s = tiny({
      expertPlacement: 'load-aware',
      experts: 16,
      chipCount: 4,
      expertParallel: 4,
      popularitySkew: 1.5,
      steps: 6,
    });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, {
      bias: false,
      sparsity: false,
      placement: false,
      network: { ranks: 4, domain: 4 },
    });
    const layer = r.network?.layers[0];
    if (!layer) throw new Error('no network');
    expect(r.network?.placement).toBe('load-aware');
    expect(layer.loadAwareFellBack).toBe(false);
    const own = networkFactors(layer.loadAware);
    // The two placements move different bytes on this trace, so the test tells them apart.
    expect(own.sendRowsPerToken).not.toBe(networkFactors(layer.plain).sendRowsPerToken);
    const load = toLoadProfile(r, { placement: s.expertPlacement });
    expect(load.layers[0].network).toEqual(own);
    const chip = singleChip(idealChip({ id: 'ideal' }));
    const p = projectScenario(s, 'ideal', load, { chip });
    expect(p.assumptions.allToAll).toEqual({ basis: 'measured', layers: 1 });
    // What is charged is load-aware's measurement: the mean, or round-robin's factors on the same load, differ.
    const mean = projectScenario(s, 'ideal', toLoadProfile(r), { chip });
    expect(mean.assumptions.allToAll.basis).toBe('mean');
    const withPlain = { ...load, layers: [{ ...load.layers[0], network: networkFactors(layer.plain) }] };
    const plain = projectScenario(s, 'ideal', withPlain, { chip });
    for (const other of [mean, plain])
      expect(rel(p.breakdown.dispatch, other.breakdown.dispatch)).toBeGreaterThan(1e-4);
  });
});
