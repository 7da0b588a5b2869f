/** What the experiments share: a median and a random layer (no test or app path uses them). */
import { type LayerConfig, type LayerTensors, Rng } from '../../workload';

export function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Normal hidden states and weights scaled by 1/√fan-in, zero bias, no shared experts; seeded by (seed, label). */
export function randomLayerTensors(cfg: LayerConfig, seed: number, label: string): LayerTensors {
  const { tokens: T, dModel: d, experts: E, ffnSize: f } = cfg;
  const rng = Rng.from(seed, label);
  const normal = (n: number, scale: number) => {
    const a = new Float32Array(n);
    rng.fillNormal(a, scale);
    return a;
  };
  return {
    x: normal(T * d, 1),
    router: normal(d * E, 1 / Math.sqrt(d)),
    bias: new Float32Array(E),
    w1: normal(E * d * f, 1 / Math.sqrt(d)),
    w3: normal(E * d * f, 1 / Math.sqrt(d)),
    w2: normal(E * f * d, 1 / Math.sqrt(f)),
    sharedW1: new Float32Array(0),
    sharedW3: new Float32Array(0),
    sharedW2: new Float32Array(0),
  };
}
