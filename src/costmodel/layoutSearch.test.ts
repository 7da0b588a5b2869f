import { describe, expect, it } from 'vitest';
import { applyModelPreset, defaultScenario, type Scenario } from '../scenario';
import { hardwareSpec, idealChip, singleChip } from './chips';
import {
  bruteForceLayouts,
  chipCountCandidates,
  enumerateLayoutPoints,
  type LayoutFrontier,
  type LayoutPoint,
  searchLayouts,
} from './layoutSearch';
import { loadFromCounts } from './load';
import { layoutFrontiers, runSweep } from './sweep';

const decode = (preset: string, extra: Partial<Scenario> = {}): Scenario => ({
  ...applyModelPreset(defaultScenario(), preset),
  phase: 'decode',
  contextLength: 2048,
  ...extra,
});

/** Small batch grid: the brute force projects every candidate, so small cases keep it quick. */
const SMALL = { batches: [1, 4, 16, 64, 256, 1024] };

/** A chip with little memory and a domain of 4: layouts need pipeline stages and go beyond the domain. */
const smallChip = singleChip(
  idealChip({ id: 'small-ideal', memBytes: 8e9, scaleUpDomain: 4, launch: 2e-6, dispatchPerToken: 1e-9 }),
);

const strip = (f: LayoutFrontier) => f.throughput;

const dominates = (q: LayoutPoint, p: LayoutPoint) =>
  q.tokensPerSecPerUser > p.tokensPerSecPerUser && q.throughputPerChip > p.throughputPerChip;

describe('layout search', () => {
  const cases: [string, Scenario, () => ReturnType<typeof hardwareSpec>][] = [
    ['OLMoE on the H100', decode('olmoe-1b-7b'), () => hardwareSpec('h100')],
    [
      'Mixtral, max-throughput serving, on the A100 40 GB',
      decode('mixtral-8x7b', { servingMode: 'max-throughput', tokens: 1024 }),
      () => hardwareSpec('a100-40gb'),
    ],
    ['Mixtral on a small chip (pipeline stages)', decode('mixtral-8x7b'), () => smallChip],
    ['Mixtral on the H100 + SRAM-chip pair', decode('mixtral-8x7b'), () => hardwareSpec('pair-h100-sram')],
  ];

  for (const [name, s, hw] of cases) {
    it(`equals the brute force over the same candidates: ${name}`, () => {
      const searched = searchLayouts(s, hw(), undefined, SMALL);
      const brute = bruteForceLayouts(s, hw(), undefined, SMALL);
      expect(searched.throughput.length).toBeGreaterThan(1);
      expect(strip(searched)).toEqual(strip(brute));
      expect(searched.candidates).toBe(brute.candidates);
      expect(searched.evaluated).toBeLessThanOrEqual(brute.evaluated);
    });
  }

  it('equals the brute force at full size: DeepSeek-V3 on the Groq LPU (pipelines thousands of chips deep)', () => {
    const s = decode('deepseek-v3', { weightFormat: 'fp8', expertFormat: 'fp8', contextLength: 4989 });
    const groq = hardwareSpec('groq-lpu');
    const searched = searchLayouts(s, groq);
    const brute = bruteForceLayouts(s, groq);
    expect(searched.throughput.length).toBeGreaterThan(1);
    expect(strip(searched)).toEqual(strip(brute));
    expect(searched.evaluated).toBeLessThan(brute.evaluated * 0.6);
  });

  it('prunes: the search projects fewer candidates than the brute force', () => {
    const s = decode('mixtral-8x7b');
    const searched = searchLayouts(s, smallChip, undefined, SMALL);
    const brute = bruteForceLayouts(s, smallChip, undefined, SMALL);
    expect(searched.evaluated).toBeLessThan(brute.evaluated * 0.8);
  });

  it('keeps a measured (skewed) load and still equals the brute force', () => {
    const s = decode('olmoe-1b-7b');
    const counts = Array.from({ length: 2 }, (_, l) =>
      Array.from({ length: s.experts }, (_, e) => Math.round(400 / (1 + ((e + l * 5) % s.experts)))),
    );
    const load = loadFromCounts({ counts, topK: s.topK, phase: 'decode', source: 'synthetic' });
    const h100 = hardwareSpec('h100');
    expect(strip(searchLayouts(s, h100, load, SMALL))).toEqual(
      strip(bruteForceLayouts(s, h100, load, SMALL)),
    );
  });

  it('is a Pareto front: no candidate is both faster per user and higher in throughput per chip', () => {
    const s = decode('mixtral-8x7b');
    const all = enumerateLayoutPoints(s, smallChip, undefined, SMALL).points;
    const front = searchLayouts(s, smallChip, undefined, SMALL);
    expect(all.length).toBeGreaterThan(front.throughput.length);
    for (const p of front.throughput) expect(all.find((q) => dominates(q, p))).toBeUndefined();
    // Along the front, more speed per user costs throughput per chip (and dollars).
    const t = front.throughput;
    for (let i = 1; i < t.length; i++) {
      expect(t[i].tokensPerSecPerUser).toBeGreaterThan(t[i - 1].tokensPerSecPerUser);
      expect(t[i].throughputPerChip).toBeLessThan(t[i - 1].throughputPerChip);
    }
  });

  it('gives layouts that respect their chips: TP ≤ stage chips, TP · DP = stage chips, EP · ETP ≤ stage chips', () => {
    for (const [s, hw] of [
      [decode('mixtral-8x7b'), smallChip],
      [decode('deepseek-v3', { weightFormat: 'fp8', expertFormat: 'fp8' }), hardwareSpec('h200')],
    ] as const) {
      const f = searchLayouts(s, hw);
      expect(f.message).toBeUndefined();
      for (const p of f.throughput) {
        const l = p.layout;
        expect(l.tensorParallel).toBeLessThanOrEqual(l.stageChips);
        expect(l.tensorParallel * l.dataParallel).toBe(l.stageChips);
        expect(l.expertParallel * l.expertTensorParallel).toBeLessThanOrEqual(l.stageChips);
        expect(l.chips).toBe(l.stageChips * l.stages + l.attentionChips);
        expect(l.batch).toBeGreaterThanOrEqual(1);
        expect(p.throughputPerChip * l.chips).toBeCloseTo(p.throughput, 6);
        for (const v of [p.tokensPerSecPerUser, p.throughputPerChip, p.usdPerMTokens]) {
          expect(Number.isFinite(v) && v > 0).toBe(true);
        }
      }
    }
  });

  it('uses pipeline stages only when the weights do not fit a stage', () => {
    const s = decode('mixtral-8x7b');
    const all = enumerateLayoutPoints(s, smallChip, undefined, SMALL).points;
    // Mixtral's ~93 GB of BF16 weights need 13+ chips of 8 GB (7.2 GB usable): small stages are pipelined.
    const piped = all.filter((p) => p.layout.stages > 1);
    expect(piped.length).toBeGreaterThan(0);
    for (const p of piped) expect(p.layout.chips).toBeGreaterThanOrEqual(13);
    // On the H200 the weights fit one chip: no stage layout is pipelined, and big batches stop at the KV room
    // instead of growing stages.
    const h200 = enumerateLayoutPoints(s, hardwareSpec('h200'), undefined, SMALL).points;
    expect(h200.length).toBeGreaterThan(0);
    expect(h200.filter((p) => p.layout.stages > 1)).toEqual([]);
  });

  it('states its candidate chip counts: powers of two in the domain, then multiples of it', () => {
    expect(chipCountCandidates(8, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(chipCountCandidates(8, 1)).toEqual([1, 2, 4, 8, 16]);
    expect(chipCountCandidates(72, 100)).toEqual([1, 2, 4, 8, 16, 32, 64, 72, 144]);
    expect(chipCountCandidates(9216, 1000)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
  });

  it('follows the serving stack: an ideal stack is faster than an untuned one at the same layouts', () => {
    const ideal = searchLayouts(decode('olmoe-1b-7b', { stackLevel: 'ideal' }), hardwareSpec('h100'));
    const untuned = searchLayouts(decode('olmoe-1b-7b', { stackLevel: 'untuned' }), hardwareSpec('h100'));
    const fastest = (f: LayoutFrontier) => Math.max(...f.throughput.map((p) => p.tokensPerSecPerUser));
    expect(fastest(ideal)).toBeGreaterThan(fastest(untuned));
  });

  it('searches the scenario custom chips after its presets; more HBM bandwidth gives more speed per user', () => {
    const s: Scenario = {
      ...decode('olmoe-1b-7b'),
      customChips: [{ name: 'fast', basedOn: 'h100', figures: { hbmBandwidthTBs: 6.7 } }],
    };
    const [h100, fast] = layoutFrontiers(s, ['h100']);
    expect(fast.chipId).toBe('custom-1');
    expect(fast.chipName).toContain('(custom)');
    expect(fast.status).toBe('hypothetical');
    const fastest = (f: LayoutFrontier) => Math.max(...f.throughput.map((p) => p.tokensPerSecPerUser));
    expect(fastest(fast)).toBeGreaterThan(fastest(h100));
  });

  it('answers an unknown chip with a message, not an exception, through the worker entry point', () => {
    const [bad, good] = layoutFrontiers(decode('olmoe-1b-7b'), ['no-such-chip', 'h100']);
    expect(bad.throughput).toEqual([]);
    expect(bad.message).toMatch(/no-such-chip/);
    expect(good.throughput.length).toBeGreaterThan(0);
    const r = runSweep({ kind: 'layouts', scenario: decode('olmoe-1b-7b'), chips: ['h100'] });
    expect(r.kind === 'layouts' && r.frontiers[0].throughput.length).toBeGreaterThan(0);
  });
});
