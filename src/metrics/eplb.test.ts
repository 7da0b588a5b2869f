import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  balancedPacking,
  deepseekEplbPlacement,
  hierarchicalPrecondition,
  rebalanceExperts,
  rebalanceHierarchical,
  replicateExperts,
} from './eplb';
import { busiestRank, type ExpertPlacement, placeExperts } from './placement';

/** Checks every placement must pass: each expert held, replica counts agree with the slots, equal slots per rank. */
function expectValid(load: ArrayLike<number>, p: ExpertPlacement, physical: number, ranks: number) {
  const E = load.length;
  expect(p.slotExpert.length).toBe(physical);
  const held = new Int32Array(E);
  for (const e of p.slotExpert) held[e]++;
  expect(Array.from(held)).toEqual(Array.from(p.replicas));
  expect(Array.from(held).every((c) => c >= 1)).toBe(true);
  const perRank = new Int32Array(ranks);
  for (const r of p.slotRank) perRank[r]++;
  expect(new Set(perRank).size).toBe(1);
  expect(perRank[0]).toBe(physical / ranks);
}

describe('eplb.py port', () => {
  // github.com/deepseek-ai/EPLB, commit d52c72d5b2f2fb4c41afbf8eb21366820239913d, README.md lines 43–56: two
  // layers of 12 experts in 4 groups, 16 replicas on 2 nodes of 4 GPUs; the printed phy2log is matched exactly.
  it("reproduces the README's example output exactly (hierarchical policy)", () => {
    const weight = [
      [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
      [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
    ];
    const r = rebalanceExperts(weight, 16, 4, 2, 8);
    expect(r.policy).toBe('hierarchical');
    expect(r.perGpu).toBe(2);
    expect(r.layers.map((l) => Array.from(l.phy2log))).toEqual([
      [5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1],
      [7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1],
    ]);
    // logcnt and phyrank follow from phy2log: replicas of each expert, numbered 0.. in slot order per node.
    expect(Array.from(r.layers[0].logCount)).toEqual([1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1]);
    for (const l of r.layers) {
      const seen = new Map<number, number[]>();
      l.phy2log.forEach((e, p) => {
        seen.set(e, [...(seen.get(e) ?? []), l.phyRank[p]]);
      });
      for (const ranks of seen.values()) expect([...ranks].sort()).toEqual(ranks.map((_, i) => i));
    }
  });

  it('balanced_packing: equal item counts, heaviest first onto the lightest open pack', () => {
    // Sorted: 9(0) 7(3) 5(1) 4(4) 3(2) 1(5). Packs of 3: 9→A, 7→B, 5→B(7<9), 4→A(9<12), 3→B(12<13)... B full → 1→A.
    const { packIndex, rankInPack } = balancedPacking([9, 5, 3, 7, 4, 1], 2);
    expect(Array.from(packIndex)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(Array.from(rankInPack)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(() => balancedPacking([1, 2, 3], 2)).toThrow(/do not split/);
  });

  it('replicate_experts: each extra copy to the highest load per copy, first index on ties', () => {
    const r = replicateExperts([10, 4, 10], 6);
    // 10,4,10 → e0 (first of the tie) → 5,4,10 → e2 → 5,4,5 → e0 (tie 5,5: first).
    expect(Array.from(r.phy2log)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(Array.from(r.phyRank)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(Array.from(r.logCount)).toEqual([3, 1, 2]);
  });

  it('falls back to the global policy when nodes do not divide groups, as rebalance_experts does', () => {
    const w = [[5, 1, 9, 3, 7, 2, 8, 6, 4, 0, 11, 10]];
    const r = rebalanceExperts(w, 16, 3, 2, 8);
    expect(r.policy).toBe('global');
    expect(Array.from(r.layers[0].phy2log)).toEqual(
      Array.from(rebalanceHierarchical(w[0], 16, 1, 1, 8).phy2log),
    );
    expect(hierarchicalPrecondition(12, 16, 3, 2, 8)).toMatch(/2 nodes do not divide 3 groups/);
    expect(hierarchicalPrecondition(12, 18, 4, 2, 8)).toMatch(/8 GPUs do not divide 18/);
    expect(() => rebalanceHierarchical(w[0], 18, 4, 2, 8)).toThrow(/do not divide 18/);
  });

  it('flat and hierarchical are both valid on random loads; hierarchical keeps each group inside one node', () => {
    const arb = fc.record({
      groupsPerNode: fc.integer({ min: 1, max: 4 }),
      nodes: fc.integer({ min: 1, max: 4 }),
      groupSize: fc.integer({ min: 1, max: 6 }),
      gpusPerNode: fc.integer({ min: 1, max: 4 }),
      extraPerGpu: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
    });
    fc.assert(
      fc.property(arb, fc.array(fc.nat({ max: 5000 }), { minLength: 96, maxLength: 96 }), (c, raw) => {
        const groups = c.groupsPerNode * c.nodes;
        const E = groups * c.groupSize;
        const gpus = c.gpusPerNode * c.nodes;
        // Physical slots: E rounded up to a multiple of the GPUs, plus a few more per GPU.
        const physical = Math.ceil(E / gpus) * gpus + c.extraPerGpu * gpus;
        const load = raw.slice(0, E);
        expect(hierarchicalPrecondition(E, physical, groups, c.nodes, gpus)).toBeNull();
        const hier = deepseekEplbPlacement(load, gpus, physical - E, groups, c.nodes);
        expect(hier.policy).toBe(groups === 1 && c.nodes === 1 ? 'global' : 'hierarchical');
        expectValid(load, hier, physical, gpus);
        const node = (rank: number) => Math.floor(rank / c.gpusPerNode);
        for (let g = 0; g < groups; g++) {
          const nodes = new Set<number>();
          hier.slotExpert.forEach((e, s) => {
            if (Math.floor(e / c.groupSize) === g) nodes.add(node(hier.slotRank[s]));
          });
          expect(nodes.size).toBe(1);
        }
        const global = deepseekEplbPlacement(load, gpus, physical - E);
        expect(global.policy).toBe('global'); // one group on one node: eplb.py's global call
        expectValid(load, global, physical, gpus);
        const flat = placeExperts(load, gpus, 'eplb', physical - E);
        if (!flat.fellBack) expectValid(load, flat, physical, gpus);
        // Hierarchical trades balance for locality: never better than the total spread over the ranks allows.
        const mean = load.reduce((a, b) => a + b, 0) / gpus;
        for (const p of [hier, global, flat])
          expect(busiestRank(load, p)).toBeGreaterThanOrEqual(mean - 1e-6);
        // Total load is conserved by both.
        const sum = (p: ExpertPlacement) => {
          let t = 0;
          p.slotExpert.forEach((e) => {
            t += load[e] / p.replicas[e];
          });
          return t;
        };
        expect(sum(hier)).toBeCloseTo(mean * gpus, 6);
        expect(sum(flat)).toBeCloseTo(mean * gpus, 6);
      }),
      { numRuns: 300, seed: 14 },
    );
  });

  it('hierarchical confines a hot group to one node, so its busiest GPU is worse than global on a skewed load', () => {
    // 4 groups of 4 experts, 2 nodes × 2 GPUs, 4 spare slots. Group 0 carries almost everything: hierarchical must
    // keep all its replicas on one node (two GPUs), global can spread them over all four.
    const load = [100, 100, 100, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const hier = deepseekEplbPlacement(load, 4, 4, 4, 2);
    const global = deepseekEplbPlacement(load, 4, 4, 1, 1);
    expect(busiestRank(load, hier)).toBeGreaterThan(busiestRank(load, global));
    expect(busiestRank(load, global)).toBeCloseTo(103, 6);
  });
});
