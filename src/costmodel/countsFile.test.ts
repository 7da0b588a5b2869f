import { describe, expect, it } from 'vitest';
import { defaultScenario } from '../scenario';
import { readNpy, writeNpy } from '../workload';
import { countsFromNpy } from './countsFile';
import { loadFromTrace } from './load';
import { projectScenario } from './project';

describe('counts files', () => {
  it('reads .npy counts of shape [E] and [L, E]', () => {
    const one = countsFromNpy(readNpy(writeNpy(new Float32Array([1, 2, 3, 4]), [4])));
    expect(one.counts).toEqual([[1, 2, 3, 4]]);
    const two = countsFromNpy(readNpy(writeNpy(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3])));
    expect(two.counts).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(() => countsFromNpy(readNpy(writeNpy(new Int32Array([1, -2]), [2])), 'c.npy')).toThrow(/-2/);
    expect(() => countsFromNpy(readNpy(writeNpy(new Int32Array(8), [2, 2, 2])), 'c.npy')).toThrow(
      /not \[E\]/,
    );
  });

  it('applies the importer rules: whole counts, the model layer count, all-zero layers dropped or refused', () => {
    const read = (data: Float32Array | Int32Array, shape: number[]) => readNpy(writeNpy(data, shape));
    for (const [bad, why] of [
      [2.5, /count 2\.5 at \[0, 1\] \(layer 0, expert 1\) is not a whole number/],
      [3e38, /is too large/],
      [Number.NaN, /count NaN .* is not a number/],
      [Number.POSITIVE_INFINITY, /is not finite/],
    ] as const) {
      expect(() => countsFromNpy(read(new Float32Array([1, bad, 2, 3]), [2, 2]), 'c.npy')).toThrow(why);
    }
    expect(() => countsFromNpy(read(new Int32Array(8), [4, 2]), 'c.npy', { layers: 3 })).toThrow(
      'c.npy: the array has 4 layers but the model has 3',
    );
    const t = countsFromNpy(read(new Int32Array([0, 0, 1, 2, 0, 0, 5, 0]), [4, 2]), 'c.npy', { layers: 4 });
    expect(t.layerIds).toEqual([1, 3]);
    expect(t.counts).toEqual([
      [1, 2],
      [5, 0],
    ]);
    expect(t.notes).toEqual([
      expect.stringMatching(/^Dropped 2 layers whose counts are all zero \(layer ids 0, 2\)/),
    ]);
    expect(() => countsFromNpy(read(new Int32Array(4), [2, 2]), 'c.npy')).toThrow(
      'c.npy: every count is zero: nothing to measure',
    );
  });

  it('a routing trace gives exact per-batch counts that the projection uses at that batch size', () => {
    // 8 tokens, 1 layer, k = 1, E = 4: the first batch of 4 all go to expert 0, the second spreads out.
    const ids = [0, 0, 0, 0, 0, 1, 2, 3];
    const load = loadFromTrace({ tokens: 8, layers: 1, topK: 1, ids }, 4, 4);
    expect(Array.from(load.layers[0].counts)).toEqual([5, 1, 1, 1]);
    expect(load.layers[0].steps?.map((s) => Array.from(s))).toEqual([
      [4, 0, 0, 0],
      [1, 1, 1, 1],
    ]);
    const s = {
      ...defaultScenario(),
      preset: 'custom',
      experts: 4,
      topK: 1,
      tokens: 4,
      moeLayers: 1,
      chipCount: 4,
      expertParallel: 4,
      phase: 'prefill' as const,
    };
    const p = projectScenario(s, 'h100', load);
    // Averaged over the two batches: 1 and 4 experts touched.
    expect(p.load.distinctExperts).toBeCloseTo(2.5, 9);
    expect(() => loadFromTrace({ tokens: 1, layers: 1, topK: 1, ids: [9] }, 4, 1)).toThrow(/outside/);
  });
});
