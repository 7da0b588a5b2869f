/**
 * `moe project --counts F.pt|F.json`: serving systems' dumps (SGLang .pt, MindSpeed-RL and LMDeploy JSON counts, vLLM's
 * routed experts as JSON) reach the projection through the same reader as the app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCountsFile } from './projectCommand';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'serving');

describe('project --counts with a .pt file', () => {
  it("reads SGLang's logical_count dump as counts per layer (the dense layer dropped)", () => {
    const t = readCountsFile(join(DIR, 'sglang_stat_logical_count.pt'), {}, 8);
    expect('counts' in t).toBe(true);
    if (!('counts' in t)) return;
    expect(t.layerIds).toEqual([1, 2, 3]);
    expect(t.experts).toBe(16);
    expect(t.counts[0].reduce((a, b) => a + b, 0)).toBe(3 * 50);
  });

  it('refuses --filter, and a model with fewer layers than the dump', () => {
    expect(() => readCountsFile(join(DIR, 'sglang_per_pass_rank1.pt'), { model: 'x' })).toThrow(
      /--filter applies to CSV/,
    );
    expect(() => readCountsFile(join(DIR, 'sglang_stat_logical_count.pt'), {}, 2)).toThrow(
      /4 layers but the model has 2/,
    );
  });
});

describe("project --counts with a serving system's JSON", () => {
  const expected = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8'));

  it('reads MindSpeed-RL and LMDeploy counts as the tools wrote them', () => {
    for (const name of ['eplb_token_collects_0.json', 'lmdeploy_eplb_statistic.json']) {
      const t = readCountsFile(join(DIR, name), {}, 64);
      if (!('counts' in t)) throw new Error(`${name}: not a count table`);
      const want = expected(name);
      expect(t.layerIds, name).toEqual(want.layerIds);
      expect(t.experts, name).toBe(want.experts);
      expect(t.counts, name).toEqual(want.counts);
    }
  });

  it("reads vLLM's routed experts (JSON) as a routing trace [tokens, layers, k]", () => {
    const t = readCountsFile(join(DIR, 'vllm_routed_experts_u8.json'), {}, 64);
    if ('counts' in t) throw new Error('expected a trace');
    const want = expected('vllm_routed_experts_u8.json');
    expect(t.shape).toEqual([want.tokens, want.layers, want.topK]);
    expect(Array.from(t.data)).toEqual(want.ids);
  });
});
