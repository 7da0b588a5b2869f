import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyModelPreset,
  CHIP_BASES,
  CHIP_FIELD_KEYS,
  CHIP_FIELDS,
  type CustomChip,
  defaultScenario,
  readCustomChips,
  type Scenario,
} from '../scenario';
import { hardwareSpec } from './chips';
import {
  chipFigures,
  customChipFromSpec,
  customChipSpec,
  derivedFigures,
  presetChipValues,
  projectCustomChips,
} from './customChips';
import { projectScenario } from './project';

const decode: Scenario = {
  ...applyModelPreset(defaultScenario(), 'mixtral-8x7b'),
  phase: 'decode',
  tokens: 8,
  chips: ['h100'],
};
const withChips = (customChips: CustomChip[], s: Scenario = decode): Scenario => ({ ...s, customChips });
const HEADLINE = ['stepTime', 'tokensPerSecPerUser', 'throughput', 'jPerToken', 'usdPerMTokens'] as const;

describe('custom chips in the cost model', () => {
  it('an unchanged chip projects exactly as its base preset, for every preset', () => {
    for (const p of CHIP_BASES) {
      const s = withChips([{ name: 'same', basedOn: p.id, figures: {} }]);
      const [custom] = projectCustomChips(s);
      const preset = projectScenario(s, p.id);
      for (const key of HEADLINE)
        expect({ id: p.id, key, v: custom[key] }).toEqual({ id: p.id, key, v: preset[key] });
      expect(custom.status).toBe('hypothetical');
      expect(custom.chipName).toBe('same (custom)');
      expect(custom.chipId).toBe('custom-1');
    }
  });

  it('doubling HBM bandwidth raises decode tokens/s per user; the decode bound doubles', () => {
    const h100 = hardwareSpec('h100').experts;
    const s = withChips([{ name: 'fast', basedOn: 'h100', figures: { hbmBandwidthTBs: 6.7 } }]);
    const [fast] = projectCustomChips(s);
    const base = projectScenario(s, 'h100');
    expect(fast.tokensPerSecPerUser).toBeGreaterThan(base.tokensPerSecPerUser * 1.2);
    const spec = customChipSpec(s.customChips[0], 0);
    expect(spec.memBw).toBe(6.7e12);
    const d = derivedFigures(s, spec);
    const dBase = derivedFigures(s, h100);
    expect(d.decodeBound / dBase.decodeBound).toBeCloseTo(2, 10);
    expect(d.ridgeBf16).toBeCloseTo(989e12 / 6.7e12, 6);
  });

  it('a figure that changes manufacturing cost moves an unedited price; an edited price is kept', () => {
    const bigger = customChipSpec({ name: 'b', basedOn: 'h100', figures: { dieAreaMm2: 1600 } }, 0);
    expect(bigger.purchaseUsd).toBeGreaterThan(hardwareSpec('h100').experts.purchaseUsd ?? 0);
    expect(bigger.purchaseBasis).toBe('derived');
    const priced = customChipSpec(
      { name: 'p', basedOn: 'h100', figures: { dieAreaMm2: 1600, priceUsd: 9 } },
      0,
    );
    expect(priced.purchaseUsd).toBe(9);
  });

  it('every figure maps onto the spec and back', () => {
    const { values } = presetChipValues('h100');
    const figures = Object.fromEntries(
      CHIP_FIELD_KEYS.map((k) => [k, CHIP_FIELDS[k].kind === 'bool' ? 1 - values[k] : values[k] * 1.5]),
    );
    const spec = customChipSpec({ name: 'all', basedOn: 'h100', figures }, 0);
    const back = chipFigures(spec);
    for (const key of CHIP_FIELD_KEYS) {
      // Unit conversions (µs ↔ s) round in the last bits.
      expect(Math.abs(back[key] - figures[key]) / Math.max(1, Math.abs(figures[key])), key).toBeLessThan(
        1e-12,
      );
    }
  });

  it('a whole chip (a sweep design, this device) becomes a custom chip that resolves to it', () => {
    const base = hardwareSpec('groq-lpu').experts;
    const chip = customChipFromSpec('again', 'h100', base);
    const spec = customChipSpec(chip, 0);
    const a = chipFigures(spec);
    const b = chipFigures(base);
    for (const key of CHIP_FIELD_KEYS) expect(a[key]).toBeCloseTo(b[key], 4);
  });

  it('any figures in range project to finite, positive numbers (never NaN or an infinite bar)', () => {
    const arbFigures = fc.record(
      Object.fromEntries(
        CHIP_FIELD_KEYS.map((k) => {
          const f = CHIP_FIELDS[k];
          const arb =
            f.kind === 'bool'
              ? fc.constantFrom(0, 1)
              : f.kind === 'int'
                ? fc.integer({ min: f.min, max: f.max })
                : fc.double({ min: f.min, max: f.max, noNaN: true, noDefaultInfinity: true });
          return [k, arb];
        }),
      ),
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(arbFigures, fc.constantFrom('prefill', 'decode'), (figures, phase) => {
        // Through validation, as a link would be: inconsistent figures are fixed there.
        const s = { ...decode, phase: phase as Scenario['phase'] };
        const chips = readCustomChips([{ name: 'x', basedOn: 'h100', ...figures }]).value;
        const read = withChips(chips, s);
        const [p] = projectCustomChips(read);
        for (const key of ['stepTime', 'tokensPerSecPerUser', 'throughput'] as const) {
          expect(Number.isFinite(p[key])).toBe(true);
          expect(p[key]).toBeGreaterThan(0);
        }
        expect(Number.isNaN(p.usdPerMTokens)).toBe(false);
        const d = derivedFigures(read, customChipSpec(read.customChips[0], 0));
        for (const v of [d.ridgeBf16, d.decodeBound, d.designAreaMm2, d.manufacturingUsd])
          expect(Number.isNaN(v)).toBe(false);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
