import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExpertPlacement, placeExperts } from '../metrics';
import { placeLayer } from './packing';

const plain = (p: ExpertPlacement) => ({
  ranks: p.ranks,
  fellBack: p.fellBack,
  replicas: Array.from(p.replicas),
  slotExpert: Array.from(p.slotExpert),
  slotRank: Array.from(p.slotRank),
});

const modes = ['round-robin', 'load-aware', 'eplb'] as const;

function expectSame(load: number[], ranks: number, redundant: number): void {
  const history = Float64Array.from(load);
  for (const mode of modes) {
    expect(plain(placeLayer(history, ranks, mode, redundant))).toEqual(
      plain(placeExperts(load, ranks, mode, redundant)),
    );
  }
}

describe('placeLayer (the projection’s placement)', () => {
  it('is placeExperts, slot for slot, on random loads (ties, zeros, more ranks than slots)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat({ max: 5 }), fc.nat({ max: 100_000 }), fc.double({ min: 0, max: 50 })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.integer({ min: 1, max: 400 }),
        fc.nat({ max: 40 }),
        expectSame,
      ),
      { numRuns: 400 },
    );
  });

  it('is placeExperts at DeepSeek-V3 scale, across calls that reuse its scratch space', () => {
    for (let seed = 0; seed < 20; seed++) {
      const load = Array.from({ length: 256 }, (_, e) =>
        Math.round(5000 / (1 + ((e * 7 + seed * 13) % 256)) ** 0.8),
      );
      expectSame(load, 144, 32);
      expectSame(load.slice(0, 64), 8, 0);
    }
  });

  it('keeps placeExperts’ round-robin fallback and its general path (E > 1024, huge counts)', () => {
    expectSame([3, 5, 5, 3, 4, 4, 3], 3, 2);
    expectSame(
      Array.from({ length: 1100 }, (_, e) => (e * 37) % 101),
      64,
      16,
    );
    expectSame([1e12, 5, 2 ** 40, 0], 2, 1);
  });
});
