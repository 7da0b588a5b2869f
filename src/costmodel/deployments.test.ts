/**
 * Each deployment feature of issue 11 moves a projection in the direction and by the size first principles give:
 * expert tensor parallelism, number formats, speculative decoding, served decode, max-throughput batches and the
 * serving-stack level.
 */
import { describe, expect, it } from 'vitest';
import { applyModelPreset, defaultScenario, FORMAT_BYTES, type Scenario } from '../scenario';
import { idealChip, singleChip } from './chips';
import { projectScenario } from './project';
import { modelShape } from './shape';
import type { ChipSpec } from './types';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

/** A roofline chip with no launches or ramps: 1 TB/s, 100 TFLOP/s, links 100 GB/s with 1 µs hops. */
const IDEAL: ChipSpec = idealChip({ id: 'ideal', memBytes: 1e13 });
const onIdeal = (s: Scenario, chip: ChipSpec = IDEAL) =>
  projectScenario(s, chip.id, undefined, { chip: singleChip(chip) });

function mixtral(over: Partial<Scenario> = {}): Scenario {
  return {
    ...applyModelPreset(defaultScenario(), 'mixtral-8x7b'),
    phase: 'decode',
    tokens: 1,
    contextLength: 1,
    chipCount: 8,
    fitPolicy: 'fixed',
    overlap: 'sum',
    stackLevel: 'ideal',
    ...over,
  };
}

describe('expert tensor parallelism (vLLM/SGLang "TP8")', () => {
  it('TP8 experts on 8 chips: 1/8 of each expert per chip, and one all-reduce per layer instead of an all-to-all', () => {
    const tp8 = onIdeal(mixtral({ tensorParallel: 8, expertParallel: 1, expertTensorParallel: 8 }));
    const one = onIdeal(mixtral({ chipCount: 1, tensorParallel: 1, expertParallel: 1 }));
    expect(tp8.system.expertShard).toBe(8);
    // Batch 1 is weight-bound: two experts' bytes, split 8 ways (activations are a rounding error here).
    const m = modelShape(mixtral());
    const layers = m.moeLayers;
    expect(rel(tp8.breakdown.experts / layers, (2 * m.expertBytes) / 8 / 1e12)).toBeLessThan(1e-3);
    expect(rel(one.breakdown.experts / tp8.breakdown.experts, 8)).toBeLessThan(1e-3);
    // Tokens are on every chip (attention TP 8): no dispatch; the combine is a ring all-reduce of d activations.
    expect(tp8.breakdown.dispatch).toBe(0);
    const bytes = m.d * m.actBytes;
    const ring = 2 * 7 * IDEAL.linkLatency + ((2 * 7) / 8) * (bytes / (IDEAL.linkBw * IDEAL.linkEfficiency));
    expect(rel(tp8.breakdown.combine / layers, ring)).toBeLessThan(1e-9);
  });

  it('with data-parallel attention the experts are reached by an all-to-all, sent to every shard (EP 2 × TP 4)', () => {
    const ep8 = onIdeal(
      mixtral({ tokens: 64, tensorParallel: 1, expertParallel: 8, expertTensorParallel: 1 }),
    );
    const mixed = onIdeal(
      mixtral({ tokens: 64, tensorParallel: 1, expertParallel: 2, expertTensorParallel: 4 }),
    );
    expect(ep8.breakdown.dispatch).toBeGreaterThan(0);
    expect([mixed.system.expertRanks, mixed.system.expertShard]).toEqual([2, 4]);
    // Each token goes to the 4 chips of each of its experts' shards: 4× the bytes sent per chip.
    expect(mixed.breakdown.dispatch).toBeGreaterThan(ep8.breakdown.dispatch);
  });

  it('expert TP splits the expert weights in the memory plan', () => {
    const base = mixtral({ chipCount: 8, tensorParallel: 8, expertParallel: 1 });
    const full = onIdeal({ ...base, expertTensorParallel: 1 }).system.bytesPerChip;
    const split = onIdeal({ ...base, expertTensorParallel: 8 }).system.bytesPerChip;
    const m = modelShape(base);
    expect(rel(full - split, (m.moeLayers * m.experts * m.expertBytes * 7) / 8)).toBeLessThan(1e-9);
  });
});

describe('number formats per part', () => {
  it('block-scaled 4-bit formats carry their scales: MXFP4 4.25 bits, NVFP4 4.5 bits per weight', () => {
    const mx = modelShape(mixtral({ expertFormat: 'mxfp4' }));
    const nv = modelShape(mixtral({ expertFormat: 'nvfp4' }));
    const bf = modelShape(mixtral({ expertFormat: 'bf16' }));
    expect(mx.expertBytes / bf.expertBytes).toBeCloseTo(4.25 / 16, 12);
    expect(nv.expertBytes / bf.expertBytes).toBeCloseTo(4.5 / 16, 12);
    // The other parts keep their own formats (gpt-oss: MXFP4 experts, BF16 attention).
    expect(mx.attnBytes).toBe(bf.attnBytes);
    expect(FORMAT_BYTES.fp8).toBe(1);
  });

  it('4-bit experts compute at FP4 where the chip has FP4 units, else at BF16 (w4a16)', () => {
    const s = mixtral({ tokens: 4096, phase: 'prefill', contextLength: 1, expertFormat: 'nvfp4' });
    const noFp4 = { ...IDEAL, flops: { fp4: 1e14, fp8: 2e14, bf16: 1e14, fp32: 5e13 } };
    const fp4 = { ...IDEAL, flops: { fp4: 4e14, fp8: 2e14, bf16: 1e14, fp32: 5e13 } };
    const slow = onIdeal(s, noFp4).breakdown.experts;
    const fast = onIdeal(s, fp4).breakdown.experts;
    expect(rel(slow / fast, 4)).toBeLessThan(0.01);
  });
});

describe('speculative decoding', () => {
  it('acceptance length 2 gives close to 2× tokens/s per user, less the draft model’s cost', () => {
    // 64 sequences already touch all 8 experts and stay weight-bound: checking 2 tokens each costs about the same.
    const base = mixtral({ tensorParallel: 8, expertTensorParallel: 8, tokens: 64 });
    const plain = onIdeal(base);
    const spec = onIdeal({
      ...base,
      speculative: 'draft-model',
      draftTokens: 1,
      acceptLength: 2,
      draftParams: 0.5,
    });
    const draft = spec.breakdown.draft;
    expect(draft).toBeGreaterThan(0);
    const target = spec.stepTime - draft;
    // Only the second token's activations and attention are extra (about 5 % here).
    expect(target / plain.stepTime).toBeLessThan(1.1);
    expect(rel(spec.tokensPerSecPerUser, 2 / (target + draft))).toBeLessThan(1e-12);
    const speedup = spec.tokensPerSecPerUser / plain.tokensPerSecPerUser;
    expect(speedup).toBeGreaterThan(1.6);
    expect(speedup).toBeLessThan(2);
  });

  it('at batch 1 the second token touches more experts: the MoE layers read 1.75× the expert weights', () => {
    // Two tokens each pick 2 of 8 experts: E·(1 − (1 − k/E)^2) = 3.5 distinct experts against 2.
    const base = mixtral({ tensorParallel: 8, expertTensorParallel: 8 });
    const plain = onIdeal(base);
    const spec = onIdeal({ ...base, speculative: 'mtp', draftTokens: 1, acceptLength: 2 });
    expect(spec.load.distinctExperts / plain.load.distinctExperts).toBeCloseTo(1.75, 6);
    expect(spec.breakdown.experts / plain.breakdown.experts).toBeGreaterThan(1.7);
    // So speculative decoding of a sparse model gains less than its acceptance length.
    expect(spec.tokensPerSecPerUser / plain.tokensPerSecPerUser).toBeLessThan(1.5);
  });

  it('MTP heads cost one mean MoE layer and the LM head per draft token', () => {
    const base = mixtral({ tensorParallel: 8, expertTensorParallel: 8 });
    const mtp = onIdeal({ ...base, speculative: 'mtp', draftTokens: 2, acceptLength: 2.5 });
    const layers = mtp.layers.filter((l) => l.kind === 'moe');
    const meanLayer = layers.reduce((a, l) => a + l.total, 0) / layers.length;
    expect(rel(mtp.breakdown.draft, 2 * (meanLayer + mtp.breakdown.head))).toBeLessThan(1e-9);
    expect(rel(mtp.tpot, mtp.stepTime / 2.5)).toBeLessThan(1e-12);
  });
});

describe('served decode', () => {
  it('mean KV length is input + output/2, and each step computes seqs · input/output prompt tokens', () => {
    const served = onIdeal(
      mixtral({ tokens: 64, servingMode: 'served', inputLength: 1000, outputLength: 500 }),
    );
    expect(served.assumptions.batch.kvLength).toBe(1250);
    expect(served.assumptions.batch.promptTokensPerStep).toBe(128);
    // The prompt tokens make the step slower than decode alone at the same KV length.
    const fixed = onIdeal(mixtral({ tokens: 64, contextLength: 1250 }));
    expect(served.stepTime).toBeGreaterThan(fixed.stepTime);
    // Throughput counts output tokens only.
    expect(rel(served.throughput, 64 / served.stepTime)).toBeLessThan(1e-12);
  });

  it('max throughput: the batch is what the KV cache holds beside the weights, up to T', () => {
    const chip = { ...IDEAL, memBytes: 80e9 };
    const s = mixtral({
      chipCount: 1,
      tensorParallel: 1,
      expertParallel: 1,
      servingMode: 'max-throughput',
      tokens: 100000,
      inputLength: 1000,
      outputLength: 1000,
      expertFormat: 'fp8',
      weightFormat: 'fp8',
      kvFormat: 'bf16',
    });
    const m = modelShape(s);
    const weights = onIdeal({ ...s, tokens: 1, servingMode: 'fixed', contextLength: 1 }, chip).system;
    const room = weights.capacityPerChip - weights.bytesPerChip + m.kvBytesPerToken * m.layers;
    const want = Math.floor((room - m.kvBytesPerToken * m.layers) / (1500 * m.kvBytesPerToken * m.layers));
    const p = onIdeal(s, chip);
    expect(p.assumptions.batch.sequences).toBe(want);
    // An FP8 KV cache holds twice the sequences.
    const fp8 = onIdeal({ ...s, kvFormat: 'fp8' }, chip);
    expect(fp8.assumptions.batch.sequences / want).toBeGreaterThan(1.99);
    // Capped by T.
    expect(onIdeal({ ...s, tokens: 7 }, chip).assumptions.batch.sequences).toBe(7);
  });
});

describe('serving-stack level', () => {
  it('ideal < tuned < untuned step time on a real chip, and every projection says which it assumes', () => {
    const s = mixtral({ tensorParallel: 8, expertTensorParallel: 8, tokens: 32 });
    const t = (stackLevel: Scenario['stackLevel']) => projectScenario({ ...s, stackLevel }, 'h100');
    const [ideal, tuned, untuned] = [t('ideal'), t('tuned'), t('untuned')];
    expect(ideal.stepTime).toBeLessThan(tuned.stepTime);
    expect(tuned.stepTime).toBeLessThan(untuned.stepTime);
    expect(tuned.assumptions.stack.level).toBe('tuned');
    expect(tuned.assumptions.text).toMatch(/tuned stack/);
    expect(tuned.assumptions.text).toMatch(/experts BF16/);
    expect(tuned.breakdown.host).toBeGreaterThan(0);
    expect(ideal.breakdown.host).toBe(0);
  });
});
