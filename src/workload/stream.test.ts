import { describe, expect, it } from 'vitest';
import { defaultScenario, type Scenario } from '../scenario';
import { layerConfigFromScenario } from './layer';
import { createTokenStream, decodeSchedule, topicMixes } from './stream';
import { generateHiddenStates, topicMix } from './tensors';

const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  dModel: 32,
  tokens: 48,
  topics: 6,
  driftRate: 0.2,
  ...over,
});

/** FNV-1a over the bytes of a typed array. */
function fingerprint(a: Float32Array | Int32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16);
}

const streamPrint = (s: Scenario, phase: 'prefill' | 'decode', steps = 6) => {
  const st = createTokenStream(s, { tokens: s.tokens, dModel: s.dModel, steps, phase });
  return Array.from({ length: steps }, (_, n) => fingerprint(st.hiddenStates(n))).join(',');
};

describe('token streams', () => {
  it('topicMixes is topicMix computed incrementally (identical values)', () => {
    const s = scenario({ topicConcentration: 0.6 });
    const mixes = topicMixes(s, 7);
    for (let n = 0; n < 7; n++) expect(Array.from(mixes[n])).toEqual(Array.from(topicMix(s, n)));
  });

  it('prefill step n is exactly generateHiddenStates(s, cfg, n)', () => {
    const s = scenario();
    const cfg = layerConfigFromScenario(s);
    const st = createTokenStream(s, { tokens: cfg.tokens, dModel: cfg.dModel, steps: 4, phase: 'prefill' });
    for (let n = 0; n < 4; n++)
      expect(fingerprint(st.hiddenStates(n))).toBe(fingerprint(generateHiddenStates(s, cfg, n)));
  });

  it('is deterministic by seed, in prefill and decode', () => {
    for (const phase of ['prefill', 'decode'] as const) {
      const a = streamPrint(scenario({ seed: 7 }), phase);
      expect(streamPrint(scenario({ seed: 7 }), phase)).toBe(a);
      expect(streamPrint(scenario({ seed: 8 }), phase)).not.toBe(a);
      // Every step differs from the previous one.
      const steps = a.split(',');
      expect(new Set(steps).size).toBe(steps.length);
    }
  });

  it('decode: each slot keeps its sequence and topic until it finishes, at rate driftRate', () => {
    const s = scenario({ driftRate: 0.1 });
    const B = 64;
    const steps = 60;
    const sch = decodeSchedule(s, B, steps);
    let ends = 0;
    for (let n = 1; n < steps; n++) {
      for (let b = 0; b < B; b++) {
        const prev = sch.slots[(n - 1) * B + b];
        const cur = sch.slots[n * B + b];
        if (cur !== prev) {
          ends++;
          expect(sch.starts[cur]).toBe(n);
        }
      }
    }
    // Turnover is Binomial(B·(steps−1), 0.1): 377.6 ± 4σ (σ = 14.6).
    const trials = B * (steps - 1);
    const sd = Math.sqrt(trials * 0.1 * 0.9);
    expect(Math.abs(ends - trials * 0.1)).toBeLessThan(4 * sd);
    expect(sch.sequences).toBe(B + ends);
    // No drift: the same sequences all the way.
    const still = decodeSchedule(scenario({ driftRate: 0 }), B, steps);
    expect(still.sequences).toBe(B);
    const st = createTokenStream(s, { tokens: B, dModel: 32, steps, phase: 'decode' });
    const seqs = st.sequencesAt(5) as Int32Array;
    expect(Array.from(st.topicsAt(5))).toEqual(Array.from(seqs, (id) => sch.topics[id]));
  });

  it('decode: successive tokens of one sequence are more alike than tokens of two sequences of one topic', () => {
    const s = scenario({ driftRate: 0, topics: 1, dModel: 64 });
    const B = 16;
    const st = createTokenStream(s, { tokens: B, dModel: 64, steps: 2, phase: 'decode' });
    const x0 = st.hiddenStates(0);
    const x1 = st.hiddenStates(1);
    const d = 64;
    // Squared distance between rows: the shared mean and topic parts cancel, leaving the noise difference.
    const dist = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += (a[i * d + k] - b[j * d + k]) ** 2;
      return sum;
    };
    let same = 0;
    let other = 0;
    for (let b = 0; b < B; b++) {
      same += dist(x0, b, x1, b) / B;
      other += dist(x0, b, x1, (b + 1) % B) / B;
    }
    // Expected: same sequence 2·(1−ρ)·c²·d = 0.25·d, different sequences 2·c²·d = 0.5·d (ρ = ½, c² = ¼), so a
    // ratio of 0.5; each sum is χ² with B·d = 1024 terms (4.4% relative sd), the ratio ±3% sd: ±0.1 is > 3 sd.
    expect(same / other).toBeGreaterThan(0.4);
    expect(same / other).toBeLessThan(0.6);
  });

  it('rejects steps outside the stream', () => {
    const st = createTokenStream(scenario(), { tokens: 4, dModel: 8, steps: 2, phase: 'decode' });
    expect(() => st.hiddenStates(2)).toThrow(/outside the stream's 2 steps/);
    expect(() => createTokenStream(scenario(), { tokens: 4, dModel: 8, steps: 0 })).toThrow(
      /at least one step/,
    );
  });
});
