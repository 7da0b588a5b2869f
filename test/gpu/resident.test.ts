/**
 * Resident weights and kept resources: a second call with the same weight arrays uploads no weights and creates no
 * buffer, bind group or query set; changed weights (new arrays, or refilled in place) are uploaded again and the
 * output still matches the CPU reference; engine.forward() gives run()'s y with weights resident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoeEngine } from '../../src/gpu';
import { runReferenceLayer } from '../../src/reference';
import { baseConfig, checkLayer, expectClose, makeEngine, randomTensors, Y_RTOL } from './layerHelpers';

/** Counts the device's create* calls from now on. */
function countCreations(device: GPUDevice) {
  const counts = { buffers: 0, bindGroups: 0, querySets: 0 };
  const d = device as unknown as Record<string, (...a: unknown[]) => unknown>;
  const wrap = (name: string, key: keyof typeof counts) => {
    const original = d[name].bind(device);
    d[name] = (...args: unknown[]) => {
      counts[key]++;
      return original(...args);
    };
    return () => {
      d[name] = original;
    };
  };
  const undo = [
    wrap('createBuffer', 'buffers'),
    wrap('createBindGroup', 'bindGroups'),
    wrap('createQuerySet', 'querySets'),
  ];
  return {
    counts,
    stop: () => {
      for (const u of undo) u();
    },
  };
}

describe('resident weights and kept resources', () => {
  let engine: MoeEngine;
  beforeAll(async () => {
    engine = await makeEngine();
  });
  afterAll(() => engine?.destroy());

  it('the second step of a stream uploads only x and re-creates nothing', async () => {
    const cfg = baseConfig({ tokens: 32, dModel: 128, ffnSize: 256, experts: 16 });
    const t = randomTensors(cfg, 21);
    const first = await engine.run(cfg, t, { trials: 2, warmup: 0 });
    expect(first.uploads.weights).toBe(
      (cfg.dModel * cfg.experts + 3 * cfg.experts * cfg.dModel * cfg.ffnSize) * 4,
    );
    const next = { ...t, x: randomTensors(cfg, 22).x };
    const spy = countCreations(engine.device);
    try {
      const second = await checkLayer(engine, cfg, next);
      expect(second.gpu.uploads.weights).toBe(0);
      expect(second.gpu.uploads.inputs).toBe((cfg.tokens * cfg.dModel + cfg.experts) * 4);
      await engine.run(cfg, next, { trials: 2, warmup: 1 });
      expect(spy.counts).toEqual({ buffers: 0, bindGroups: 0, querySets: 0 });
    } finally {
      spy.stop();
    }
  });

  it('new weight arrays, or an array refilled in place, are uploaded again', async () => {
    const cfg = baseConfig({ tokens: 40 });
    const t = randomTensors(cfg, 31);
    await checkLayer(engine, cfg, t);
    const fresh = { ...randomTensors(cfg, 32), x: t.x };
    const r = await checkLayer(engine, cfg, fresh);
    expect(r.gpu.uploads.weights).toBeGreaterThan(0);
    fresh.w2.set(randomTensors(cfg, 33).w2);
    const refilled = await checkLayer(engine, cfg, fresh);
    expect(refilled.gpu.uploads.weights).toBe(fresh.w2.byteLength);
  });

  it('a single value edited in place is seen after invalidateWeights()', async () => {
    const cfg = baseConfig({ tokens: 20 });
    const t = randomTensors(cfg, 41);
    await checkLayer(engine, cfg, t);
    t.w1[5] += 3;
    engine.invalidateWeights();
    const r = await checkLayer(engine, cfg, t);
    expect(r.gpu.uploads.weights).toBeGreaterThan(0);
  });

  it('two layers alternating keep their own results', async () => {
    const a = baseConfig({ tokens: 24 });
    const b = baseConfig({ tokens: 50, experts: 6, ffnSize: 16 });
    const ta = randomTensors(a, 51);
    const tb = randomTensors(b, 52);
    for (let i = 0; i < 2; i++) {
      await checkLayer(engine, a, ta);
      await checkLayer(engine, b, tb);
    }
  });

  it('forward() returns the same y as run(), weights resident, and reads nothing with readback none', async () => {
    const cfg = baseConfig({ tokens: 32, dModel: 64, ffnSize: 128, experts: 16 });
    const t = randomTensors(cfg, 61);
    const prep = await engine.prepare(cfg, t);
    expect(prep.weights).toBeGreaterThan(0);
    const f = await engine.forward(cfg, t);
    expect(f.uploads.weights).toBe(0);
    expectClose(f.y as Float32Array, runReferenceLayer(cfg, t).y, Y_RTOL, 'forward y');
    const run = await engine.run(cfg, t, { trials: 1, warmup: 0 });
    expect(Array.from(f.y as Float32Array)).toEqual(Array.from(run.result.y));
    const none = await engine.forward(cfg, t, { readback: 'none' });
    expect(none.y).toBeNull();
    const spy = countCreations(engine.device);
    try {
      await engine.forward(cfg, t);
      expect(spy.counts).toEqual({ buffers: 0, bindGroups: 0, querySets: 0 });
    } finally {
      spy.stop();
    }
  });

  it('a refused config leaves no error scope open (the next run still reports errors and succeeds)', async () => {
    const bad = baseConfig({ experts: 8, groups: 4, topGroups: 1, topK: 3 });
    await expect(engine.forward(bad, randomTensors(bad))).rejects.toThrow(/fewer than k = 3/);
    await expect(engine.run(bad, randomTensors(bad), { trials: 1, warmup: 0 })).rejects.toThrow(
      /fewer than k = 3/,
    );
    const cfg = baseConfig({ tokens: 10 });
    await checkLayer(engine, cfg, randomTensors(cfg, 71));
  });
});
