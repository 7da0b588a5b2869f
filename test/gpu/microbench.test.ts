import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { efficiency, type MoeEngine, rooflineMs } from '../../src/gpu';
import { baseConfig, makeEngine, randomTensors } from './layerHelpers';

describe('device micro-benchmark and stage efficiency', () => {
  let engine: MoeEngine;
  beforeAll(async () => {
    engine = await makeEngine();
  });
  afterAll(() => engine?.destroy());

  it('measures copy bandwidth and matmul rate, and every stage gets an efficiency', async () => {
    const roof = await engine.microbench({ copyBytes: 4 * 2 ** 20, matmulSize: 128, trials: 3 });
    expect(roof.copyGBps).toBeGreaterThan(0);
    expect(roof.matmulGflops).toBeGreaterThan(0);
    expect(await engine.microbench()).toBe(roof); // cached per device
    const cfg = baseConfig({ tokens: 128 });
    const run = await engine.run(cfg, randomTensors(cfg), { trials: 2, warmup: 1, roofline: roof });
    for (const s of run.stages) {
      expect(s.source).toBe(engine.device.features.has('timestamp-query') ? 'timestamp' : 'wall');
      expect(s.bytes).toBeGreaterThan(0);
      if (s.medianMs > 0) expect(s.efficiency).toBeCloseTo(efficiency(s, s.medianMs, roof), 12);
    }
    expect(
      rooflineMs({ flops: 2e9, bytes: 0 }, { copyGBps: 1, matmulGflops: 2, source: 'wall' }),
    ).toBeCloseTo(1000);
    if (/swiftshader/i.test(run.adapter.architecture)) expect(run.adapter.isSoftware).toBe(true);
  });
});
