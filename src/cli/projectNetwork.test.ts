/**
 * `moe project --counts trace.npy` with expert parallelism: each layer's all-to-all is charged from the trace's real
 * traffic under the scenario's placement (metrics/network), not the mean send.
 */
import { describe, expect, it } from 'vitest';
import { loadFromTrace, projectAll } from '../costmodel';
import { layerChoiceCounts, layerNetwork, networkFactors, placeExperts } from '../metrics';
import { defaultScenario, type Scenario } from '../scenario';
import { Rng } from '../workload';
import { attachNetwork } from './projectCommand';

const E = 32;
const K = 2;
const T = 256;
const L = 2;
/**
 * A trace [T, L, k] where only home rank 0's tokens leave their rank (to experts 1 and 2, on ranks 1 and 2 under
 * round-robin over 8 ranks); every other token picks two experts on its own rank. Rank 0 sends all the linked
 * traffic: 2 rows for each of its T/8 tokens, so sendRowsPerToken = 2 (= k) and sendFactor = 8 (the trace's mean
 * rank sends an eighth of that). Ranks 1 and 2 receive their own 2 rows per token plus rank 0's, so the receive
 * side sets the dispatch time.
 */
function skewedTrace() {
  const ids = new Int32Array(T * L * K);
  const g = Rng.from(9, 'project-network');
  for (let t = 0; t < T; t++) {
    const home = Math.floor((t * 8) / T);
    for (let l = 0; l < L; l++) {
      const pick = Math.floor(g.next() * (E / 8 - 1)) + 1;
      ids.set(home === 0 ? [1, 2] : [home, home + 8 * pick], (t * L + l) * K);
    }
  }
  return { tokens: T, layers: L, topK: K, ids };
}

const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  experts: E,
  topK: K,
  tokens: T,
  moeLayers: L,
  denseLayers: 0,
  phase: 'decode',
  chipCount: 8,
  expertParallel: 8,
  tensorParallel: 1,
  expertPlacement: 'round-robin',
  chips: ['h100'],
  ...over,
});

describe('project --counts with a routing trace and expert parallelism', () => {
  it("attaches each layer's measured network under the scenario's placement", () => {
    const s = scenario();
    const trace = skewedTrace();
    const load = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(s, trace, load);
    const rr = placeExperts(new Array(E).fill(1), 8, 'round-robin');
    load.layers.forEach((layer, l) => {
      const want = networkFactors(
        layerNetwork({ tokens: T, topK: K, ids: trace.ids, stride: L * K, offset: l * K }, rr, {
          // BF16 activations and weights: 2 bytes per element both ways.
          dispatchBytesPerRow: s.dModel * 2,
          combineBytesPerRow: s.dModel * 2,
          domain: 8,
          stepTokens: T,
        }),
      );
      expect(layer.network).toEqual(want);
      // By hand: rank 0 sends 2 linked rows for each of its 256 / 8 = 32 tokens, 64 rows over 32 tokens a rank.
      expect(layer.network?.sendRowsPerToken).toBe(2);
      expect(layer.network?.sendFactor).toBeCloseTo(8, 9);
    });
    // Rank 0's 2 linked rows per token are more than the uniform k·(N − 1)/N = 1.75, but ranks 1 and 2 receive 96
    // rows (their own 64 and rank 0's 32), which sets the dispatch either way: the measured sends do not change it.
    const uniform = loadFromTrace(trace, E, T, { phase: 'decode' });
    const [withNet] = projectAll(s, load);
    const [without] = projectAll(s, uniform);
    expect(withNet.breakdown.dispatch).toBeCloseTo(without.breakdown.dispatch, 15);
  });

  it('charges the busiest sender when sends set the dispatch', () => {
    // Every token leaves its rank for the next two ranks: each rank sends k = 2 linked rows per token and receives
    // exactly the mean, so the send side (2 rows against the uniform 1.75) sets the dispatch.
    const ids = new Int32Array(T * L * K);
    const g = Rng.from(11, 'project-network-sends');
    for (let t = 0; t < T; t++) {
      const home = Math.floor((t * 8) / T);
      for (let l = 0; l < L; l++) {
        const pick = () => 8 * Math.floor(g.next() * (E / 8));
        ids.set([((home + 1) % 8) + pick(), ((home + 2) % 8) + pick()], (t * L + l) * K);
      }
    }
    const trace = { tokens: T, layers: L, topK: K, ids };
    const s = scenario();
    const load = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(s, trace, load);
    for (const layer of load.layers) {
      expect(layer.network?.sendRowsPerToken).toBe(2);
      expect(layer.network?.sendFactor).toBe(1);
    }
    const [withNet] = projectAll(s, load);
    const [without] = projectAll(s, loadFromTrace(trace, E, T, { phase: 'decode' }));
    expect(withNet.breakdown.dispatch).toBeGreaterThan(without.breakdown.dispatch);
  });

  it('measures load-aware placement too; leaves uniform sends on one chip; drops the up share when domains differ', () => {
    const trace = skewedTrace();
    const s = scenario({ expertPlacement: 'load-aware' });
    const load = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(s, trace, load);
    load.layers.forEach((layer, l) => {
      const choices = { tokens: T, topK: K, ids: trace.ids, stride: L * K, offset: l * K };
      const packed = placeExperts(layerChoiceCounts(choices, E), 8, 'load-aware');
      const opts = {
        dispatchBytesPerRow: s.dModel * 2,
        combineBytesPerRow: s.dModel * 2,
        domain: 8,
        stepTokens: T,
      };
      const want = networkFactors(layerNetwork(choices, packed, opts));
      expect(layer.network).toEqual(want);
      // Packed by load, the experts leave round-robin's ranks: the factors are load-aware's own traffic.
      expect(packed.fellBack).toBe(false);
      const rr = networkFactors(
        layerNetwork(choices, placeExperts(new Array(E).fill(1), 8, 'round-robin'), opts),
      );
      expect(want).not.toEqual(rr);
    });
    const single = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(scenario({ expertParallel: 1, chipCount: 1 }), trace, single);
    for (const layer of single.layers) expect(layer.network).toBeUndefined();
    const mixed = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(scenario({ chips: ['h100', 'tpu-v5e'] }), trace, mixed);
    for (const layer of mixed.layers) {
      expect(layer.network?.sendFactor).toBeGreaterThan(1);
      expect(layer.network?.upShare).toBeUndefined();
    }
  });
});
