/**
 * Static-shape chips (ChipSpec.staticShapes, the `static-asic` preset): every expert slot computes
 * C = ⌈cf·T·k/E⌉ rows (cf = 1 when dropless) and reads its weights on every step, whatever the load.
 */
import { describe, expect, it } from 'vitest';
import { applyModelPreset, defaultScenario, type Scenario } from '../scenario';
import { hardwareSpec } from './chips';
import { loadFromCounts } from './load';
import { prepare } from './prepare';
import { projectScenario } from './project';

function scenario(over: Partial<Scenario> = {}): Scenario {
  return {
    ...applyModelPreset(defaultScenario(), 'olmoe-1b-7b'),
    phase: 'prefill',
    tokens: 8192,
    chipCount: 8,
    expertParallel: 8,
    capacityFactor: 2,
    ...over,
  };
}

/**
 * Exact counts for T tokens × k: `hot` experts share `hotShare` of the assignments, the rest the rest. The hot ones
 * are experts 0, R, 2R, …: round-robin placement puts them all on rank 0.
 */
function counts(s: Scenario, hot: number, hotShare: number): number[] {
  const total = s.tokens * s.topK;
  const hotRows = Math.round((total * hotShare) / hot);
  const coldRows = Math.floor((total - hotRows * hot) / (s.experts - hot));
  const isHot = (e: number) => e % s.expertParallel === 0 && e / s.expertParallel < hot;
  const c = Array.from({ length: s.experts }, (_, e) => (isHot(e) ? hotRows : coldRows));
  c[s.experts - 1] += total - c.reduce((a, b) => a + b, 0);
  return c;
}

function load(s: Scenario, c: number[]) {
  return loadFromCounts({ counts: [c], topK: s.topK, tokens: s.tokens, phase: s.phase });
}

describe('static-shape chips', () => {
  const s = scenario();
  const skewed = load(s, counts(s, 4, 0.4));
  const balanced = load(s, Array(s.experts).fill((s.tokens * s.topK) / s.experts));

  it('compute every expert at capacity: padded rows and touched experts do not follow the load', () => {
    const p = prepare(s, hardwareSpec('static-asic'), skewed);
    const set = p.resources[0].sets[0];
    const capacity = Math.ceil((2 * s.tokens * s.topK) / s.experts);
    const tile = hardwareSpec('static-asic').experts.tileRows;
    const paddedSlot = Math.ceil(capacity / tile) * tile;
    const slotsPerRank = s.experts / s.expertParallel;
    for (let r = 0; r < set.ranks; r++) {
      expect(set.touched[r]).toBe(slotsPerRank);
      expect(set.padded[r]).toBe(slotsPerRank * paddedSlot);
    }
  });

  it('drop the rows over capacity, and only those', () => {
    const c = counts(s, 4, 0.4);
    const capacity = Math.ceil((2 * s.tokens * s.topK) / s.experts);
    const over = c.reduce((a, x) => a + Math.max(0, x - capacity), 0);
    expect(over).toBeGreaterThan(0);
    const p = prepare(s, hardwareSpec('static-asic'), load(s, c));
    expect(p.resources[0].dropped).toBe(over);
    expect(prepare(s, hardwareSpec('h100'), load(s, c)).resources[0].dropped).toBe(0);
  });

  it('gain almost nothing from a balanced load, while the programmable H100 speeds up', () => {
    const asic = [skewed, balanced].map((l) => projectScenario(s, 'static-asic', l));
    const gpu = [skewed, balanced].map((l) => projectScenario(s, 'h100', l));
    // The same padded compute and weights either way; only the kept rows' activations and sends differ.
    expect(Math.abs(asic[1].breakdown.experts / asic[0].breakdown.experts - 1)).toBeLessThan(0.02);
    expect(asic[1].imbalanceTax.droppedTokens).toBeLessThan(asic[0].imbalanceTax.droppedTokens);
    expect(gpu[1].breakdown.experts).toBeLessThan(0.8 * gpu[0].breakdown.experts);
    expect(asic[0].notes.join(' ')).toMatch(/Static shapes/);
  });

  it('run a dropless scenario at capacity factor 1', () => {
    const dropless = scenario({ capacityFactor: 0 });
    const p = prepare(dropless, hardwareSpec('static-asic'), load(dropless, counts(dropless, 4, 0.4)));
    const capacity = Math.ceil((dropless.tokens * dropless.topK) / dropless.experts);
    const tile = hardwareSpec('static-asic').experts.tileRows;
    expect(p.resources[0].sets[0].padded[0]).toBe(8 * Math.ceil(capacity / tile) * tile);
    expect(p.notes.join(' ')).toMatch(/dropless/);
  });

  it('read every expert in decode, where a programmable chip reads only the touched ones', () => {
    const d = scenario({ phase: 'decode', tokens: 4, capacityFactor: 1.25 });
    const asic = prepare(d, hardwareSpec('static-asic'));
    const gpu = prepare(d, hardwareSpec('h100'));
    const touched = (p: typeof asic) => Array.from(p.resources[0].sets[0].touched).reduce((a, b) => a + b, 0);
    expect(touched(asic)).toBe(d.experts);
    expect(touched(gpu)).toBeLessThan(d.experts / 2);
  });
});
