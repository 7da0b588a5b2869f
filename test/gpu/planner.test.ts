/** Memory planner (pure: no device needed, but it is part of the GPU engine so it lives with its tests). */
import { describe, expect, it } from 'vitest';
import { planMemory, planScenario } from '../../src/gpu';
import { defaultScenario } from '../../src/scenario';
import { layerConfigFromScenario } from '../../src/workload';

const big = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };

describe('memory planner', () => {
  it('sizes every buffer before allocating and fits a small layer', () => {
    const cfg = layerConfigFromScenario(defaultScenario());
    const plan = planMemory(cfg, big);
    expect(plan.fits).toBe(true);
    expect(plan.buffers.w1).toBe(cfg.experts * cfg.dModel * cfg.ffnSize * 4);
    expect(plan.rowsMax).toBe(cfg.tokens * cfg.topK);
    expect(plan.sortSize).toBeGreaterThanOrEqual(cfg.tokens * cfg.topK);
    expect(plan.totalBytes).toBeGreaterThan(plan.largest.bytes);
  });

  it('worst-case rows include block padding and respect capacity', () => {
    const cfg = { ...layerConfigFromScenario(defaultScenario()), blockSize: 16, capacityFactor: 0.5 };
    const C = Math.ceil((0.5 * cfg.tokens * cfg.topK) / cfg.experts);
    expect(planMemory(cfg, big).rowsMax).toBe(
      Math.min(cfg.tokens * cfg.topK, cfg.experts * C) + cfg.experts * 15,
    );
  });

  it('auto scale shrinks the expert FFN only as far as needed, and says so', () => {
    const s = { ...defaultScenario(), dModel: 1024, ffnSize: 4096, experts: 64 };
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    const p = planScenario(s, limits);
    expect(p.auto).toBe(true);
    // w1 is E·d·f·4 bytes: at most 128 MiB means f ≤ 512, one eighth of 4096 — and no smaller than needed.
    expect(p.memory.fits).toBe(true);
    expect(p.memory.largest.bytes).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(p.cfg.ffnSize).toBeLessThanOrEqual(512);
    expect(p.cfg.ffnSize).toBeGreaterThan(500);
    expect(p.note).toMatch(
      /^expert FFN shrunk to \S+% of its size \(f 4096 → \d+\) to fit this device: buffer "w1" needs 1024\.0 MiB, more than this device binds \(128\.0 MiB\)$/,
    );
    expect(planScenario({ ...s, ffnSize: 64 }, limits).scale).toBe(1);
  });

  it('uses the scenario measurement scale when set, and refuses with a clear message when nothing fits', () => {
    const s = { ...defaultScenario(), measureScale: 0.25 };
    const p = planScenario(s, big);
    expect(p.scale).toBe(0.25);
    expect(p.cfg.ffnSize).toBe(Math.round(s.ffnSize * 0.25));
    const tiny = { maxStorageBufferBindingSize: 4096, maxBufferSize: 4096 };
    expect(() => planScenario(defaultScenario(), tiny)).toThrow(
      /^the scenario does not fit this device even with the smallest expert FFN: buffer "\w+" needs/,
    );
    expect(() => planScenario({ ...defaultScenario(), measureScale: 1 }, tiny)).toThrow(
      /^the scenario does not fit this device at measurement scale 1: buffer "\w+" needs/,
    );
    expect(p.note).toBe(
      `expert FFN measured at 25.0% of its size (f ${s.ffnSize} → ${p.cfg.ffnSize}), as the scenario asks`,
    );
  });
});
