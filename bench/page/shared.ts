/** Helpers the peer benchmark page's modules share: the log, timings, configs, tensors and comparisons. */
import { count, expertFfn, gate, offsets, routerLogits, scatter } from '../../src/reference';
import { combine } from '../../src/reference/ffn';
import { defaultScenario } from '../../src/scenario';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import { generateLayerTensors, makeLayerConfig } from '../../src/workload';
import type { PeerSize, Timing } from '../peerTypes';

const logEl = document.getElementById('log');
export function log(s: string): void {
  console.log(s);
  if (logEl) logEl.textContent += `\n${s}`;
}

export function timing(samples: number[]): Timing {
  const ok = samples.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (ok.length === 0) return { medianMs: Number.NaN, minMs: Number.NaN, samples: 0 };
  const mid = ok.length >> 1;
  return {
    medianMs: ok.length % 2 ? ok[mid] : (ok[mid - 1] + ok[mid]) / 2,
    minMs: ok[0],
    samples: ok.length,
  };
}

export function configOf(size: PeerSize): LayerConfig {
  const { tokens, dModel, ffnSize, experts, topK } = size;
  return makeLayerConfig({ tokens, dModel, ffnSize, experts, topK, renormalize: true });
}

export const shapeOf = (c: LayerConfig) =>
  `T=${c.tokens} d=${c.dModel} f=${c.ffnSize} E=${c.experts} k=${c.topK}`;

export function tensorsFor(cfg: LayerConfig): LayerTensors {
  const s = { ...defaultScenario(), ...cfg, seed: 7 };
  return generateLayerTensors(s, cfg);
}

/** max |got − want| / max |want| (∞ when the lengths differ). */
export function relErr(got: Float32Array, want: Float32Array): number {
  let scale = 1e-30;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return got.length === want.length ? worst / scale : Number.POSITIVE_INFINITY;
}

export function mismatches(a: Int32Array, b: Int32Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

/** The CPU reference layer (the same functions runReferenceLayer calls, without its checks and report). */
export function cpuLayer(cfg: LayerConfig, t: LayerTensors) {
  const logits = routerLogits(t.x, t.router, cfg.tokens, cfg.dModel, cfg.experts);
  const g = gate(cfg, logits, t.bias);
  const counts = count(g.topkIds, cfg.experts);
  const plan = offsets(cfg, counts);
  const sc = scatter(cfg, g.topkIds, g.scores, plan);
  const rows = expertFfn(cfg, t.x, sc.rowTokens, plan.offsets, t.w1, t.w3, t.w2);
  const y = combine(cfg, rows, sc.positions, g.topkWeights, null);
  return { ids: g.topkIds, counts, y };
}
