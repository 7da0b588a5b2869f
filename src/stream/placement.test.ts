import { describe, expect, it, vi } from 'vitest';
import { defaultScenario, type Scenario } from '../scenario';
import { cpuRunner, placementDrift, placementReport, placementTopology, runStream } from '.';

vi.setConfig({ testTimeout: 30_000 });

const E = 16;
const RANKS = 4;
const REDUNDANT = 4;

/** steps × E counts: expert hot(t) gets 400, every other expert 10. */
function trace(steps: number, hot: (t: number) => number): Int32Array {
  const c = new Int32Array(steps * E).fill(10);
  for (let t = 0; t < steps; t++) c[t * E + hot(t)] = 400;
  return c;
}

describe('placement drift', () => {
  it('keeps the whole gain on a stationary trace (the same placement at every lag)', () => {
    const d = placementDrift(
      trace(64, () => 5),
      E,
      RANKS,
      REDUNDANT,
      { window: 4 },
    );
    expect([d.window, d.windows, d.unusedSteps]).toEqual([4, 16, 0]);
    expect(d.points.map((p) => p.lag)).toEqual(Array.from({ length: 15 }, (_, j) => 4 * j));
    for (const p of d.points) {
      expect(p.fresh).toBeGreaterThan(p.roundRobin + 0.3);
      expect(p.stale).toBeCloseTo(p.fresh, 12);
      expect(p.keptGain).toBeCloseTo(1, 12);
    }
    expect(d.halfGainLag).toBeNull();
    expect(d.note).toMatch(/at least half .* every lag/);
  });

  it('loses the gain once the lag reaches the step at which the hot expert moves (every 16 steps)', () => {
    // The hot expert is 0, 1, 2, 3 for steps 0–15, 16–31, 32–47, 48–63: all on different chips under round-robin.
    const d = placementDrift(
      trace(64, (t) => Math.floor(t / 16)),
      E,
      RANKS,
      REDUNDANT,
      { window: 4 },
    );
    const at = (lag: number) => {
      const p = d.points.find((q) => q.lag === lag);
      if (!p) throw new Error(`no lag ${lag}`);
      return p;
    };
    // Fresh EPLB (placed from the judged window) stays high at every lag; round-robin stays low.
    for (const p of d.points) {
      expect(p.fresh).toBeGreaterThan(0.7);
      expect(p.roundRobin).toBeLessThan(0.35);
    }
    // Lag 0: only the windows right after a move (3 of 15) see a stale placement; most of the gain is kept.
    expect(at(0).keptGain).toBeGreaterThan(0.7);
    expect(at(0).stale).toBeGreaterThan(0.6);
    // From a lag of 12 steps, a 4-step history window always ends before the judged window's 16-step phase began:
    // the stale placement replicated the wrong expert, and keeps none of the gain.
    for (const p of d.points.filter((q) => q.lag >= 12)) {
      expect(p.stale).toBeLessThan(p.roundRobin + 0.05);
      expect(p.keptGain ?? 1).toBeLessThan(0.1);
    }
    // Stale balancedness falls as the lag grows to the move. Counting windows: at a lag of j windows the judged
    // windows are k = j+1 … 15 and the stale ones those with k mod 4 ≤ j (3/15, 6/14, 9/13 for j = 0, 1, 2); a
    // window placed from its own phase keeps the whole gain, the rest none: 0.8, 0.57, 0.31 of it.
    for (let i = 1; i < 4; i++) expect(d.points[i].stale).toBeLessThan(d.points[i - 1].stale);
    expect(at(4).keptGain).toBeCloseTo(1 - 6 / 14, 2);
    expect(d.halfGainLag).toBe(8);
    expect(d.note).toMatch(/less than half .* lag of 8 step/);
  });

  it('after one move at step 32, stale EPLB loses the gain window by window until the lag spans the move', () => {
    const d = placementDrift(
      trace(64, (t) => (t < 32 ? 0 : 1)),
      E,
      RANKS,
      REDUNDANT,
      { window: 4 },
    );
    // At a lag of j windows the judged windows are k = j+1 … 15; those with k ≥ 8 > k − 1 − j (min(j+1, 15−j) of
    // them) see a placement from before the move. From j = 7 (28 steps) every judged window does.
    for (const p of d.points) {
      const j = p.lag / 4;
      expect(p.fresh).toBeGreaterThan(0.7);
      expect(p.keptGain).toBeCloseTo(1 - Math.min(j + 1, 15 - j) / (15 - j), 2);
      if (j >= 7) expect(p.stale).toBeLessThan(p.roundRobin + 0.01);
    }
    for (let i = 1; i < 7; i++) expect(d.points[i].stale).toBeLessThan(d.points[i - 1].stale);
    expect(d.halfGainLag).toBe(20); // j = 5: 6 of 10 windows stale
    // With only every 4th lag reported (0, 16, 32, 48 steps) the crossing at 20 falls between two points; the
    // half-gain lag is still the exact one, not the next reported lag (32).
    const sparse = placementDrift(
      trace(64, (t) => (t < 32 ? 0 : 1)),
      E,
      RANKS,
      REDUNDANT,
      { window: 4, maxLags: 4 },
    );
    expect(sparse.points.map((p) => p.lag)).toEqual([0, 16, 32, 48]);
    expect(sparse.points.find((p) => p.lag === 16)?.keptGain).toBeGreaterThanOrEqual(0.5);
    expect(sparse.halfGainLag).toBe(20);
    expect(sparse.note).toMatch(/lag of 20 step/);
  });

  it('the half-gain lag does not depend on how many lags are reported (random drifting traces)', () => {
    let x = 7;
    const rand = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return Math.floor((x / 2 ** 32) * n); // the high bits: an LCG's low bits cycle
    };
    let found = 0;
    for (let c = 0; c < 40; c++) {
      const period = 2 + rand(12);
      const hots = Array.from({ length: 8 }, () => rand(E));
      const counts = trace(96, (t) => hots[Math.floor(t / period) % hots.length]);
      for (let i = 0; i < counts.length; i++) counts[i] += rand(30);
      const all = placementDrift(counts, E, RANKS, REDUNDANT, { window: 2, maxLags: 1000 });
      expect(all.points).toHaveLength(47);
      const want = all.points.find((p) => p.keptGain !== null && p.keptGain < 0.5)?.lag ?? null;
      expect(all.halfGainLag).toBe(want);
      if (want !== null) found++;
      for (const maxLags of [2, 3, 5, 16]) {
        const few = placementDrift(counts, E, RANKS, REDUNDANT, { window: 2, maxLags });
        expect(few.points.length).toBeLessThanOrEqual(maxLags);
        expect(few.halfGainLag).toBe(want);
      }
    }
    expect(found).toBeGreaterThan(10);
  });

  it('is deterministic and bounded: a long trace gets wider windows and a capped set of lags', () => {
    const long = trace(1000, (t) => Math.floor(t / 100) % E);
    const a = placementDrift(long, E, RANKS, REDUNDANT);
    const b = placementDrift(long, E, RANKS, REDUNDANT);
    expect(a).toEqual(b);
    expect(a.windows).toBeLessThanOrEqual(64);
    expect(a.window * a.windows + a.unusedSteps).toBe(1000);
    expect(a.points.length).toBeLessThanOrEqual(16);
    expect(a.points[0].lag).toBe(0);
    expect(a.points[a.points.length - 1].lag).toBeLessThanOrEqual((a.windows - 2) * a.window);
    const capped = placementDrift(long, E, RANKS, REDUNDANT, { window: 1, maxWindows: 10, maxLags: 3 });
    expect(capped.windows).toBe(10);
    expect(capped.points.map((p) => p.lag)).toEqual([0, 300, 600]);
    // Too short for two windows: no points, and the note says why.
    const short = placementDrift(
      trace(1, () => 0),
      E,
      RANKS,
      REDUNDANT,
    );
    expect(short.points).toEqual([]);
    expect(short.note).toMatch(/at least 2 windows/);
  });
});

describe('placementReport: flat vs DeepSeek EPLB', () => {
  const layer = (counts: Int32Array) => {
    const total = new Int32Array(E);
    for (let i = 0; i < counts.length; i++) total[i % E] += counts[i];
    return { layerId: 0, total, counts };
  };

  it('runs the hierarchical policy when nodes divide groups, keeping each group on one node', () => {
    // Hot experts 0 and 1 (group 0 of 4 groups of 4); 8 chips in 2 nodes of 4.
    const counts = new Int32Array(8 * E).fill(10);
    for (let t = 0; t < 8; t++) {
      counts[t * E] = 300;
      counts[t * E + 1] = 200;
    }
    const r = placementReport([layer(counts)], E, 8, 8, {
      topology: { groups: 4, nodes: 2, source: 'test' },
    });
    expect(r.deepseek).toEqual({
      policy: 'hierarchical',
      groups: 4,
      nodes: 2,
      ranksPerNode: 4,
      physical: 24,
    });
    expect(r.deepseekNote).toMatch(/hierarchical policy: 4 groups packed onto 2 node/);
    const l = r.layers[0];
    if (!l.deepseek) throw new Error('no deepseek layer');
    expect(l.deepseek.replicas.reduce((a, b) => a + b, 0)).toBe(24);
    expect(l.deepseek.nodesPerGroup?.deepseek).toBe(1);
    expect(l.deepseek.nodesPerGroup?.flat).toBeGreaterThan(1);
    expect(l.deepseek.balancedness).toBeGreaterThan(l.plainBalancedness);
    expect(l.deepseek.perStep.n).toBe(8);
    expect(l.drift?.points.length).toBeGreaterThan(0);
    // Plain data: the report survives JSON unchanged apart from the typed replicas arrays.
    const json = JSON.parse(JSON.stringify({ ...l, replicas: Array.from(l.replicas) }));
    expect(json.deepseek).toEqual(l.deepseek);
    expect(json.drift).toEqual(l.drift);
  });

  it('says why when the policy falls back to global, or cannot run', () => {
    const counts = trace(8, () => 3);
    const global = placementReport([layer(counts)], E, 8, 8, {
      topology: { groups: 3, nodes: 2, source: 't' },
    });
    expect(global.deepseek?.policy).toBe('global');
    expect(global.deepseekNote).toMatch(/2 nodes do not divide 3 groups, so eplb\.py falls back/);
    expect(global.layers[0].deepseek?.nodesPerGroup).toBeUndefined();
    const none = placementReport([layer(counts)], E, 8, 3, {
      topology: { groups: 4, nodes: 2, source: 't' },
    });
    expect(none.deepseek).toBeNull();
    expect(none.deepseekNote).toMatch(/not run: 8 GPUs do not divide 19 physical experts/);
    expect(none.layers[0].deepseek).toBeUndefined();
    const noNodes = placementReport([layer(counts)], E, 8, 8, { topology: { why: 'no node size' } });
    expect(noNodes.deepseek?.policy).toBe('global');
    expect(noNodes.deepseekNote).toMatch(/hierarchical needs nodes, and no node size/);
    const noDrift = placementReport([layer(counts)], E, 8, 8, { drift: false });
    expect(noDrift.layers[0].drift).toBeUndefined();
  });
});

describe('placementTopology', () => {
  const s = (over: Partial<Scenario>): Scenario => ({ ...defaultScenario(), chips: ['h100'], ...over });

  it("derives nodes from the first chip's scale-up domain and groups from the scenario", () => {
    expect(placementTopology(s({ groups: 8 }), 64)).toMatchObject({ groups: 8, nodes: 8 });
    expect(placementTopology(s({ groups: 4 }), 4)).toMatchObject({ groups: 4, nodes: 1 });
    expect(placementTopology(s({}), 12)).toEqual({
      why: '12 expert-parallel chips do not fill whole 8-chip scale-up domains of h100',
    });
    expect(placementTopology(s({ chips: ['no-such-chip'] }), 8)).toMatchObject({ why: expect.any(String) });
  });
});

describe('runStream placement', () => {
  it('puts flat vs hierarchical EPLB and drift in the stream result', async () => {
    const sc: Scenario = {
      ...defaultScenario(),
      dModel: 32,
      ffnSize: 8,
      experts: 16,
      topK: 2,
      tokens: 64,
      moeLayers: 2,
      steps: 16,
      groups: 4,
      topGroups: 2,
      popularitySkew: 1.2,
      chips: ['h100'],
      chipCount: 16,
      expertParallel: 16,
      redundantExperts: 16,
    };
    const r = await runStream(cpuRunner({ routingOnly: true }), sc, { bias: false, sparsity: false });
    const p = r.placement;
    if (!p) throw new Error('no placement');
    expect(p.deepseek).toMatchObject({ policy: 'hierarchical', groups: 4, nodes: 2, ranksPerNode: 8 });
    for (const l of p.layers) {
      expect(l.deepseek?.nodesPerGroup?.deepseek).toBe(1);
      expect(l.drift?.windows).toBe(16);
      expect(l.drift?.points[0].lag).toBe(0);
    }
  });
});
