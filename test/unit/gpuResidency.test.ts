/**
 * Pure host logic of the GPU engine, without a GPU: which layers take the GEMV decode FFN, and when a weight is
 * uploaded again (WeightResidency, with a fake queue that records writes).
 */
import { describe, expect, it } from 'vitest';
import { expectedRowsPerExpert, GEMV_MAX_ROWS, gemvFfnByDefault } from '../../src/gpu/kernels';
import { WeightResidency } from '../../src/gpu/layerSetup';
import { makeLayerConfig } from '../../src/workload';

describe('GEMV decode FFN rule', () => {
  const decode = makeLayerConfig({ tokens: 32, dModel: 128, ffnSize: 256, experts: 16, topK: 2 });

  it('the decode size takes it (4 rows per expert); a prefill does not', () => {
    expect(expectedRowsPerExpert(decode)).toBe(4);
    expect(gemvFfnByDefault(decode)).toBe(true);
    const prefill = { ...decode, tokens: 1024 };
    expect(expectedRowsPerExpert(prefill)).toBe(128);
    expect(gemvFfnByDefault(prefill)).toBe(false);
  });

  it('the boundary is GEMV_MAX_ROWS rows per expert', () => {
    const at = { ...decode, tokens: (GEMV_MAX_ROWS * decode.experts) / decode.topK };
    expect(gemvFfnByDefault(at)).toBe(true);
    expect(gemvFfnByDefault({ ...at, tokens: at.tokens + 8 })).toBe(false);
  });

  it('counts block padding, capacity and expert-choice rows', () => {
    expect(expectedRowsPerExpert({ ...decode, blockSize: 16 })).toBe(16);
    expect(gemvFfnByDefault({ ...decode, blockSize: 16 })).toBe(false);
    expect(expectedRowsPerExpert({ ...decode, tokens: 1024, capacityFactor: 0.05 })).toBe(7);
    expect(expectedRowsPerExpert({ ...decode, routingMode: 'expert-choice', capacityFactor: 1 })).toBe(4);
  });

  it('needs d and f multiples of 4 (vec4 reads)', () => {
    expect(gemvFfnByDefault({ ...decode, ffnSize: 258 })).toBe(false);
    expect(gemvFfnByDefault({ ...decode, dModel: 130 })).toBe(false);
  });
});

describe('WeightResidency', () => {
  const fakeQueue = () => {
    const writes: number[] = [];
    const queue = {
      writeBuffer: (_b: unknown, _o: number, _d: unknown, _off: number, bytes: number) => writes.push(bytes),
    } as unknown as GPUQueue;
    return { queue, writes };
  };
  const buffer = () => ({}) as GPUBuffer;

  it('uploads once while the same array comes back to the same buffer', () => {
    const { queue, writes } = fakeQueue();
    const r = new WeightResidency();
    const b = buffer();
    const w = new Float32Array(100).fill(1);
    expect(r.upload(queue, 'w1', b, w)).toBe(400);
    expect(r.upload(queue, 'w1', b, w)).toBe(0);
    expect(writes).toEqual([400]);
  });

  it('uploads again for another array, another buffer, a refilled array, or after forget()', () => {
    const { queue } = fakeQueue();
    const r = new WeightResidency();
    const b = buffer();
    const w = new Float32Array(1000).fill(1);
    r.upload(queue, 'w2', b, w);
    expect(r.upload(queue, 'w2', b, new Float32Array(1000).fill(1))).toBe(4000);
    const other = new Float32Array(10);
    r.upload(queue, 'w2', b, other);
    expect(r.upload(queue, 'w2', buffer(), other)).toBe(40);
    const refilled = new Float32Array(1000).fill(1);
    const b2 = buffer();
    r.upload(queue, 'w3', b2, refilled);
    refilled.fill(2);
    expect(r.upload(queue, 'w3', b2, refilled)).toBe(4000);
    expect(r.upload(queue, 'w3', b2, refilled)).toBe(0);
    r.forget();
    expect(r.upload(queue, 'w3', b2, refilled)).toBe(4000);
  });
});
