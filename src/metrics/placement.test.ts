import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busiestRank, placeExperts } from './placement';

describe('placeExperts', () => {
  it('keeps round-robin where greedy packing would make the busiest rank worse', () => {
    const load = [3, 5, 5, 3, 4, 4, 3];
    const plain = busiestRank(load, placeExperts(load, 3, 'round-robin'));
    expect(busiestRank(load, placeExperts(load, 3, 'load-aware'))).toBeLessThanOrEqual(plain);
    expect(busiestRank(load, placeExperts(load, 3, 'eplb', 2))).toBeLessThanOrEqual(plain);
  });

  it('never leaves a rank busier than the plain placement on the load it was made from', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 16 }),
        fc.nat({ max: 8 }),
        (load, ranks, redundant) => {
          const plain = busiestRank(load, placeExperts(load, ranks, 'round-robin'));
          for (const mode of ['load-aware', 'eplb'] as const) {
            const p = placeExperts(load, ranks, mode, redundant);
            expect(busiestRank(load, p)).toBeLessThanOrEqual(plain + 1e-9);
            // Every expert keeps at least one copy.
            const held = new Set(Array.from(p.slotExpert));
            expect(held.size).toBe(load.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
