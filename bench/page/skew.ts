/**
 * The expert FFN under skewed routing: the same tokens routed evenly and with one hot expert (supplied logits force
 * the routing), moe-lab's FFN pass by GPU timestamps, interleaved balanced/skewed; and tfjs's dense matMuls on
 * the same FLOPs (a different clock: wall time to a queue drain, labelled so in the report).
 */
import type { MoeEngine } from '../../src/gpu';
import type { LayerConfig } from '../../src/workload';
import type { PeerSize, PeerSpec, SkewResult } from '../peerTypes';
import { configOf, log, shapeOf, tensorsFor, timing } from './shared';
import { tfjsDenseFfnMs } from './tfjsLayer';

/** Logits that route token t's slots to chosen experts (supplied logits skip the router GEMM). */
function routedLogits(cfg: LayerConfig, pick: (t: number, j: number) => number): Float32Array {
  const { tokens: T, experts: E, topK: k } = cfg;
  const l = new Float32Array(T * E);
  for (let t = 0; t < T; t++) for (let j = 0; j < k; j++) l[t * E + pick(t, j)] = 8 - j;
  return l;
}

export async function runSkew(engine: MoeEngine, size: PeerSize, spec: PeerSpec): Promise<SkewResult> {
  const cfg = configOf(size);
  const { tokens: T, experts: E, topK: k, dModel: d, ffnSize: f } = cfg;
  const t = tensorsFor(cfg);
  // Balanced: slot j of token t → expert (t·k + j) mod E. Skewed: expert 0 takes every token's first slot, the
  // others share the remaining slots evenly: max/mean = E/k.
  const balanced = routedLogits(cfg, (tok, j) => (tok * k + j) % E);
  const skewed = routedLogits(cfg, (tok, j) => (j === 0 ? 0 : 1 + ((tok * (k - 1) + j - 1) % (E - 1))));
  // Interleaved single-trial runs (balanced, skewed, balanced, ...) so load drift on a shared machine hits both.
  const once = async (logits: Float32Array, warmup: number) => {
    const r = await engine.run(cfg, { ...t, logits }, { trials: 1, warmup });
    const counts = Array.from(r.result.counts);
    const mean = counts.reduce((a, x) => a + x, 0) / E;
    return { ms: r.timing.ffn?.medianMs ?? Number.NaN, maxOverMean: Math.max(...counts) / mean };
  };
  await once(balanced, spec.warmup);
  await once(skewed, spec.warmup);
  const bt: number[] = [];
  const st: number[] = [];
  let maxOverMean = 0;
  for (let i = 0; i < Math.max(3, spec.trials); i++) {
    bt.push((await once(balanced, 0)).ms);
    const sk = await once(skewed, 0);
    st.push(sk.ms);
    maxOverMean = sk.maxOverMean;
  }
  const b = { ms: timing(bt).medianMs };
  const s = { ms: timing(st).medianMs, maxOverMean };
  const flops = 6 * T * k * d * f;
  const dense = await tfjsDenseFfnMs(T * k, d, f, spec.trials, spec.warmup);
  const r: SkewResult = {
    shape: shapeOf(cfg),
    maxOverMean: s.maxOverMean,
    balancedFfnMs: b.ms,
    skewedFfnMs: s.ms,
    skewedGflops: flops / (s.ms * 1e6),
    balancedGflops: flops / (b.ms * 1e6),
    tfjsDenseMs: dense,
    tfjsDenseGflops: flops / (dense * 1e6),
  };
  log(`skew: ${JSON.stringify(r)}`);
  return r;
}
