import { describe, expect, it } from 'vitest';
import { defaultScenario } from '../scenario';
import { layerConfigFromScenario } from './layer';
import { readNpy, writeNpy } from './npy';
import { TensorShapeError, tensorShapeProblems, validateLayerTensors, validateTensorShapes } from './shapes';
import { generateLayerTensors } from './tensors';

const cfg = layerConfigFromScenario({
  ...defaultScenario(),
  tokens: 32,
  dModel: 256,
  experts: 16,
  ffnSize: 64,
});

describe('validateTensorShapes', () => {
  it('names the file, its shape and the expected dimensions', () => {
    const router = readNpy(writeNpy(new Float32Array(64 * 8), [64, 8]));
    expect(() => validateTensorShapes(cfg, { router }, { router: 'router.npy' })).toThrow(
      'router.npy has shape [64, 8]; expected [d=256, E=16].',
    );
  });

  it('lists every problem, dtype included, and accepts matching tensors', () => {
    const problems = tensorShapeProblems(
      cfg,
      {
        x: { shape: [32, 256], dtype: 'float32' },
        bias: { shape: [16], dtype: 'int32' },
        w1: { shape: [16, 64, 256] },
        w2: new Float32Array(10),
      },
      { w1: 'a.npy' },
    );
    expect(problems).toEqual([
      'bias holds int32; expected float32.',
      'a.npy has shape [16, 64, 256]; expected [E=16, d=256, f=64].',
      'w2 has 10 values; expected [E=16, f=64, d=256] = 262144.',
    ]);
    expect(tensorShapeProblems(cfg, { logits: { shape: [32, 16] } })).toEqual([]);
  });

  it('throws a TensorShapeError carrying the list', () => {
    try {
      validateTensorShapes(cfg, { x: { shape: [1] }, bias: { shape: [15] } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TensorShapeError);
      expect((err as TensorShapeError).problems).toHaveLength(2);
    }
  });

  it('validates a whole LayerTensors; the router may be empty when logits are supplied', () => {
    const s = { ...defaultScenario(), tokens: 32, dModel: 256, experts: 16, ffnSize: 64 };
    const t = generateLayerTensors(s, cfg);
    expect(() => validateLayerTensors(cfg, t)).not.toThrow();
    const withLogits = { ...t, router: new Float32Array(0), logits: new Float32Array(32 * 16) };
    expect(() => validateLayerTensors(cfg, withLogits)).not.toThrow();
    expect(() => validateLayerTensors(cfg, { ...t, logits: new Float32Array(5) })).toThrow(
      /logits has 5 values/,
    );
  });
});
