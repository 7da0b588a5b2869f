import { describe, expect, it } from 'vitest';
import { CHIP_PRESETS, findChipPreset } from '.';

describe('chip presets', () => {
  it('lists every chip once, families together, hypothetical chips last', () => {
    expect(CHIP_PRESETS.map((c) => c.id)).toEqual([
      'a100-40gb',
      'a100-80gb',
      'h100',
      'h800',
      'h20',
      'h200',
      'gh200',
      'b200',
      'gb200',
      'b300',
      'gb300',
      'mi300x',
      'mi325x',
      'mi355x',
      'tpu-v5e',
      'tpu-v5p',
      'tpu-v6e',
      'tpu7x',
      'gaudi3',
      'trainium2',
      'groq-lpu',
      'cerebras-wse3',
      'sram-7nm',
      'dyn-native',
      'static-asic',
      'compute-heavy',
      'pair-h100-sram',
    ]);
  });

  it('pins the new chips’ dense headline figures (link bandwidth per direction)', () => {
    // id: [BF16, FP8 (undefined: no FP8 units), dense FP4 (undefined: none), GB, TB/s, link GB/s each way, scale-up domain]
    const expected: Record<
      string,
      [number, number | undefined, number | undefined, number, number, number, number]
    > = {
      'a100-40gb': [312, undefined, undefined, 40, 1.555, 300, 8],
      'a100-80gb': [312, undefined, undefined, 80, 2.039, 300, 8],
      h20: [148, 296, undefined, 96, 4, 450, 8],
      gh200: [990, 1979, undefined, 144, 4.9, 450, 4],
      gb200: [2500, 5000, 10000, 186, 8, 900, 72],
      b300: [2250, 4500, 14000, 288, 8, 900, 8],
      gb300: [2500, 5000, 15000, 288, 8, 900, 72],
      mi325x: [1307, 2615, undefined, 256, 6, 448, 8],
      mi355x: [2500, 5000, 10000, 288, 8, 538, 8],
      tpu7x: [2307, 4614, undefined, 192, 7.37, 600, 9216],
      trainium2: [667, 1299, undefined, 96, 2.9, 640, 16],
    };
    for (const [id, want] of Object.entries(expected)) {
      const c = findChipPreset(id);
      expect(c, id).toBeDefined();
      if (!c) continue;
      const got = [
        c.tflopsBf16,
        c.tflopsFp8,
        c.model.tflopsFp4?.value,
        c.memGB,
        c.memTBs,
        c.linkGBs,
        c.model.scaleUpDomain.value,
      ];
      expect(got, id).toEqual(want);
    }
  });

  it('gives every real chip a source and labels every modelling figure', () => {
    for (const c of CHIP_PRESETS) {
      expect(c.source.length, c.id).toBeGreaterThan(0);
      for (const [key, fact] of Object.entries(c.model)) {
        if (!fact) continue;
        expect(['datasheet', 'estimate', 'hypothetical'], `${c.id} ${key}`).toContain(fact.status);
        expect(fact.source.length, `${c.id} ${key}`).toBeGreaterThan(0);
        expect(Number.isFinite(fact.value), `${c.id} ${key}`).toBe(true);
      }
      if (c.status !== 'hypothetical') {
        expect(
          Object.values(c.model).some((f) => f?.status === 'hypothetical'),
          c.id,
        ).toBe(false);
      }
    }
  });
});
