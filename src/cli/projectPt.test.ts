/** `moe project --counts F.pt`: SGLang's .pt dumps reach the projection through the same reader as the app. */
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
