import { type LayerConfig, type LayerTensors, makeLayerConfig, Rng } from '../workload';

/** Test helpers shared by the reference tests (not part of the public face). */

export function layerConfig(over: Partial<LayerConfig> = {}): LayerConfig {
  return makeLayerConfig({
    tokens: 4,
    dModel: 8,
    ffnSize: 6,
    experts: 4,
    topK: 2,
    renormalize: false,
    ...over,
  });
}

/** Random tensors for a config: normal activations and router, uniform weights with variance 1/fan_in. */
export function randomTensors(cfg: LayerConfig, seed = 1): LayerTensors {
  const { tokens: T, dModel: d, ffnSize: f, experts: E, sharedExperts: S, sharedFfnSize: fs } = cfg;
  const rng = Rng.from(seed, 'test-tensors');
  const normal = (n: number, scale: number) => {
    const a = new Float32Array(n);
    rng.fillNormal(a, scale);
    return a;
  };
  const uniform = (n: number, fanIn: number) => {
    const a = new Float32Array(n);
    rng.fillUniform(a, Math.sqrt(3 / Math.max(1, fanIn)));
    return a;
  };
  return {
    x: normal(T * d, 1),
    router: normal(d * E, 1 / Math.sqrt(d)),
    bias: normal(E, 0.05),
    w1: uniform(E * d * f, d),
    w3: uniform(E * d * f, d),
    w2: uniform(E * f * d, f),
    sharedW1: uniform(S * d * fs, d),
    sharedW3: uniform(S * d * fs, d),
    sharedW2: uniform(S * fs * d, fs),
  };
}
