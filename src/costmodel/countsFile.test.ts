import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultScenario } from '../scenario';
import { readNpy, writeNpy } from '../workload/npy';
import { countsFromNpy, parseCountsCsv, parseFilter } from './countsFile';
import { loadFromTrace } from './load';
import { projectScenario } from './project';

// The project's own copies of ../shared/data/routing (byte-identical; see public/data/routing/README.md).
const DATA = fileURLToPath(new URL('../../public/data/routing', import.meta.url));

describe('counts files', () => {
  it("reads SGLang's expert-distribution CSV", () => {
    const t = parseCountsCsv(readFileSync(`${DATA}/esft_vanilla_lite_translation_sglang.csv`, 'utf8'));
    expect(t.counts.length).toBe(26);
    expect(t.experts).toBe(64);
    expect(t.layerIds[0]).toBe(1);
    // Each layer sums to tokens × 6 (README).
    const sums = t.counts.map((r) => r.reduce((a, b) => a + b, 0));
    expect(new Set(sums).size).toBe(1);
    expect(sums[0] % 6).toBe(0);
  });

  it('selects one model/dataset from extra columns with a filter', () => {
    const text = readFileSync(`${DATA}/olmoe_mixtral_expert_counts.csv`, 'utf8');
    expect(() => parseCountsCsv(text)).toThrow(/several groups.*--filter/);
    const t = parseCountsCsv(text, parseFilter('model=Mixtral-8x7B-v0.1,dataset=arxiv'));
    expect(t.experts).toBe(8);
    expect(t.layerIds).toEqual([0, 7, 15]);
    expect(t.counts[0].reduce((a, b) => a + b, 0)).toBe(417_792);
    expect(t.selected).toEqual({ model: 'Mixtral-8x7B-v0.1', dataset: 'arxiv' });
  });

  it('refuses malformed tables with one clear line', () => {
    const bad = (text: string, re: RegExp, filter = {}) =>
      expect(() => parseCountsCsv(text, filter, 'f.csv')).toThrow(re);
    bad('layer_id,expert_id,count\n0,0,5\n0,1,-3\n', /line 3: count -3 is negative/);
    bad('layer_id,expert_id\n0,0\n', /missing column count/);
    bad('layer_id,expert_id,count\n0,0,abc\n', /line 2: count "abc" is not a number/);
    bad('layer_id,expert_id,count\n0,0,1\n0,0,2\n', /second row for layer 0, expert 0/);
    bad('layer_id,expert_id,count\n0,0.5,1\n', /integers/);
    bad('layer_id,expert_id,count\n0,0\n', /2 fields/);
    bad('layer_id,expert_id,count\n', /no data rows/);
    bad('layer_id,expert_id,count\n0,0,1\n', /not in the header/, { dataset: 'x' });
    expect(() => parseFilter('dataset')).toThrow(/column=value/);
  });

  it('fills experts missing from a table with zero', () => {
    const t = parseCountsCsv('layer_id,expert_id,count\n3,0,4\n3,2,1\n5,1,7\n');
    expect(t.counts).toEqual([
      [4, 0, 1],
      [0, 7, 0],
    ]);
    expect(t.layerIds).toEqual([3, 5]);
  });

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
