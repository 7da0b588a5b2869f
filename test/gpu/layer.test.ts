import { afterAll, beforeAll, describe, it } from 'vitest';
import type { MoeEngine } from '../../src/gpu';
import { baseConfig, checkLayer, makeEngine, randomTensors } from './layerHelpers';

describe('MoE layer on the GPU vs the CPU reference', () => {
  let engine: MoeEngine;
  beforeAll(async () => {
    engine = await makeEngine();
  });
  afterAll(() => engine?.destroy());

  it('softmax top-2, dropless', async () => {
    const cfg = baseConfig();
    await checkLayer(engine, cfg, randomTensors(cfg));
  });
});
