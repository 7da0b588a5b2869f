import { describe, expect, it, vi } from 'vitest';
import { toLoadProfile } from '../costmodel';
import { layerChoiceCounts, layerNetwork, networkFactors, placeExperts } from '../metrics';
import { defaultScenario, type Scenario } from '../scenario';
import { layerConfigFromScenario, parseImport, Rng, type TokenChoices, writeNpy } from '../workload';
import { cpuRunner, importedSource, runStream } from '.';

vi.setConfig({ testTimeout: 30_000 });

const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  dModel: 32,
  ffnSize: 8,
  experts: 16,
  topK: 2,
  tokens: 64,
  moeLayers: 3,
  steps: 6,
  expertParallel: 4,
  ...over,
});
const quick = { bias: false, sparsity: false, placement: false } as const;

describe('runStream network view', () => {
  // A recorded choice trace [T, L, k]: 96 tokens, 3 layers, k = 2 distinct experts of 16, skewed toward 0–3.
  const T = 96;
  const L = 3;
  const k = 2;
  const E = 16;
  const ids = new Int32Array(T * L * k);
  const g = Rng.from(5, 'network-trace');
  for (let t = 0; t < T; t++)
    for (let l = 0; l < L; l++) {
      const a = g.next() < 0.5 ? Math.floor(g.next() * 4) : Math.floor(g.next() * E);
      let b = Math.floor(g.next() * E);
      if (b === a) b = (a + 1) % E;
      ids.set([a, b], (t * L + l) * k);
    }
  const choices = parseImport('trace.npy', writeNpy(ids, [T, L, k]), { experts: E }) as TokenChoices;

  it('replays an imported trace and gets the same matrices as the trace itself', async () => {
    const s = scenario({ tokens: 32, chips: ['h100'] });
    const source = importedSource(s, layerConfigFromScenario(s), choices, { tokens: 32, maxLayers: 3 });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, {
      ...quick,
      source,
      network: { ranks: 4, domain: 2, redundant: 4 },
    });
    const net = r.network;
    expect(net).toBeDefined();
    if (!net) return;
    expect([net.ranks, net.domain, net.redundant, net.steps, net.tokensPerStep]).toEqual([4, 2, 4, 3, 32]);
    // Bytes per row default to dModel × element bytes.
    expect(net.combineBytesPerRow).toBe(s.dModel * 2); // BF16 activations
    expect(net.layers.map((l) => l.layerId)).toEqual([0, 1, 2]);
    for (const [i, layer] of net.layers.entries()) {
      const trace = { tokens: T, topK: k, ids, stride: L * k, offset: i * k };
      const history = layerChoiceCounts(trace, E);
      expect(Array.from(r.layers[i].total)).toEqual(Array.from(history));
      const o = {
        dispatchBytesPerRow: net.dispatchBytesPerRow,
        combineBytesPerRow: net.combineBytesPerRow,
        domain: 2,
        stepTokens: 32,
      };
      const plain = layerNetwork(trace, placeExperts(history, 4, 'round-robin'), o);
      const eplb = layerNetwork(trace, placeExperts(history, 4, 'eplb', 4), o);
      expect(Array.from(layer.plain.rows)).toEqual(Array.from(plain.rows));
      expect(Array.from(layer.eplb.rows)).toEqual(Array.from(eplb.rows));
      expect(Array.from(layer.plain.dispatch.stepBusiest)).toEqual(Array.from(plain.dispatch.stepBusiest));
      expect(layer.eplb.expertRows.reduce((a, b) => a + b, 0)).toBe(T * k);
    }
  });

  it('keeps the choices only within the byte budget, and says so', async () => {
    const s = scenario();
    // 3 layers × 64 tokens × k 2 × 4 bytes = 1536 bytes per step: 2 steps fit in 3200.
    const r = await runStream(cpuRunner({ routingOnly: true }), s, {
      ...quick,
      network: { maxBytes: 3200 },
    });
    expect(r.network?.steps).toBe(2);
    expect(r.network?.ranks).toBe(4);
    expect(r.notes.join(' ')).toMatch(/network view over the first 2 of 6 steps/);
    const pairs = r.network?.layers[0].plain.expertRows.reduce((a, b) => a + b, 0);
    expect(pairs).toBe(2 * 64 * 2);
    // Not asked for: nothing kept.
    expect((await runStream(cpuRunner({ routingOnly: true }), s, quick)).network).toBeUndefined();
  });

  it('leaves dropped pairs out under a capacity', async () => {
    const s = scenario({ capacityFactor: 0.5, popularitySkew: 1 });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, { ...quick, network: { ranks: 4 } });
    const kept = r.layers[0].kept.reduce((a, b) => a + b, 0);
    expect(kept).toBeLessThan(s.steps * s.tokens * s.topK);
    expect(r.network?.layers[0].plain.expertRows.reduce((a, b) => a + b, 0)).toBe(kept);
  });

  it('is skipped, with a note, under expert-choice routing', async () => {
    const s = scenario({ routingMode: 'expert-choice' });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, { ...quick, network: {} });
    expect(r.network).toBeUndefined();
    expect(r.notes.join(' ')).toMatch(/network view skipped/);
  });

  it("hands the scenario placement's measured all-to-all factors to the cost model (toLoadProfile), load-aware too", async () => {
    const s = scenario({ tokens: 32, chips: ['h100'] });
    const source = importedSource(s, layerConfigFromScenario(s), choices, { tokens: 32, maxLayers: 3 });
    const r = await runStream(cpuRunner({ routingOnly: true }), s, {
      ...quick,
      source,
      network: { ranks: 4, domain: 2, redundant: 4 },
    });
    const net = r.network;
    if (!net) throw new Error('no network');
    const rr = toLoadProfile(r, { placement: 'round-robin' });
    const la = toLoadProfile(r, { placement: 'load-aware' });
    const eplb = toLoadProfile(r, { placement: 'eplb' });
    net.layers.forEach((layer, i) => {
      expect(rr.layers[i].network).toEqual(networkFactors(layer.plain));
      expect(la.layers[i].network).toEqual(networkFactors(layer.loadAware));
      expect(eplb.layers[i].network).toEqual(networkFactors(layer.eplb));
      // Load-aware is measured on its own placement (packed from the layer's load), not round-robin's.
      const history = r.layers[i].total;
      const own = layerNetwork(
        { tokens: T, topK: k, ids, stride: L * k, offset: i * k },
        placeExperts(history, 4, 'load-aware'),
        {
          dispatchBytesPerRow: net.dispatchBytesPerRow,
          combineBytesPerRow: net.combineBytesPerRow,
          domain: 2,
          stepTokens: 32,
        },
      );
      expect(Array.from(layer.loadAware.rows)).toEqual(Array.from(own.rows));
    });
    // On this trace load-aware packing moves experts off round-robin's ranks in some layer.
    expect(net.layers.some((l) => !l.loadAwareFellBack)).toBe(true);
    // The skewed trace makes the busiest rank send more than the mean under round-robin.
    expect(Math.max(...rr.layers.map((l) => l.network?.sendFactor ?? 0))).toBeGreaterThan(1);
    // No placement named: uniform sends, as before.
    for (const l of toLoadProfile(r).layers) expect(l.network).toBeUndefined();
  });
});
