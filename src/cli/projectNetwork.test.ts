/**
 * `moe project --counts trace.npy` with expert parallelism: each layer's all-to-all is charged from the trace's real
 * traffic under the scenario's placement (metrics/network), not the mean send.
 */
import { describe, expect, it } from 'vitest';
import { loadFromTrace, projectAll } from '../costmodel';
import { layerNetwork, networkFactors, placeExperts } from '../metrics';
import { defaultScenario, type Scenario } from '../scenario';
import { Rng } from '../workload';
import { attachNetwork } from './projectCommand';

const E = 32;
const K = 2;
const T = 256;
const L = 2;
/**
 * A trace [T, L, k] where only home rank 0's tokens leave their rank (to experts 1 and 2, on ranks 1 and 2 under
 * round-robin over 8 ranks); every other token picks two experts on its own rank. Rank 0 sends all the traffic, so
 * the busiest rank sends 8 times the mean (the uniform model charges every rank the mean).
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
      expect(layer.network?.sendFactor).toBeCloseTo(8, 9);
    });
    // The busiest rank's real sends cost more than the mean send the uniform model charges.
    const uniform = loadFromTrace(trace, E, T, { phase: 'decode' });
    const [withNet] = projectAll(s, load);
    const [without] = projectAll(s, uniform);
    expect(withNet.breakdown.dispatch).toBeGreaterThan(without.breakdown.dispatch);
  });

  it('leaves uniform sends for load-aware placement and one chip; drops the up share when domains differ', () => {
    const trace = skewedTrace();
    for (const s of [
      scenario({ expertPlacement: 'load-aware' }),
      scenario({ expertParallel: 1, chipCount: 1 }),
    ]) {
      const load = loadFromTrace(trace, E, T, { phase: 'decode' });
      attachNetwork(s, trace, load);
      for (const layer of load.layers) expect(layer.network).toBeUndefined();
    }
    const mixed = loadFromTrace(trace, E, T, { phase: 'decode' });
    attachNetwork(scenario({ chips: ['h100', 'tpu-v5e'] }), trace, mixed);
    for (const layer of mixed.layers) {
      expect(layer.network?.sendFactor).toBeGreaterThan(1);
      expect(layer.network?.upShare).toBeUndefined();
    }
  });
});
