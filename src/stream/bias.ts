import type { LayerConfig } from '../workload';
import type { LayerRunner } from './runners';
import type { StepSource } from './sources';

/**
 * Auxiliary-loss-free load balancing (DeepSeek-V3; Wang et al. 2024, arXiv 2408.15664) as a what-if: between steps
 * each expert's selection bias moves by `rate` toward balance, b_e += rate · sign(mean load − c_e), and the next step
 * runs through the real gate (on the runner: GPU or CPU) with that bias. The bias only changes which experts are
 * chosen, never the combine weights (the layer contract's rule).
 */

export interface BiasLayerCurve {
  layerId: number;
  /** max/mean per step with the bias held at its start value (the plain stream). */
  baseline: Float64Array;
  /** max/mean per step with the bias updated between steps. */
  balanced: Float64Array;
  /** The bias after the last update. */
  finalBias: Float32Array;
}

export interface BiasBalancing {
  /** Bias step per update, in score units. */
  rate: number;
  /** How the rate was chosen. */
  rateNote: string;
  steps: number;
  layers: BiasLayerCurve[];
  /** Mean over layers, per step. */
  baseline: Float64Array;
  balanced: Float64Array;
  /** Mean max/mean over the last quarter of the steps (at least one), plain and balanced. */
  tailBaseline: number;
  tailBalanced: number;
  /** First step whose balanced max/mean is within half of step 0's excess over 1 (null: never). */
  stepsToHalve: number | null;
}

/** Default bias step, in logits (converted to score units by defaultBiasRate). */
export const DEFAULT_BIAS_LOGITS = 0.05;

/**
 * A default rate: DEFAULT_BIAS_LOGITS per step converted to score units (softmax: a score moves by about p(1 − p)
 * per unit of logit at p = k/E, the typical chosen score; sigmoid: 0.25 at p = ½). DeepSeek-V3 trains with 0.001 on
 * sigmoid scores over batches of millions of tokens; a what-if of tens of steps needs a larger step, and larger ones
 * than this oscillate (measured on skewed generated streams, E = 16, k = 2: sigmoid settles within a few steps,
 * softmax — whose per-token scores are uneven, so one additive bias moves some tokens and not others — over ~30).
 */
export function defaultBiasRate(cfg: Pick<LayerConfig, 'scoreFn' | 'experts' | 'topK'>): number {
  const p = cfg.scoreFn === 'softmax' ? Math.min(0.5, cfg.topK / cfg.experts) : 0.5;
  return DEFAULT_BIAS_LOGITS * p * (1 - p);
}

function maxOverMean(counts: Int32Array): number {
  let total = 0;
  let max = 0;
  for (const c of counts) {
    total += c;
    if (c > max) max = c;
  }
  return total > 0 ? (max * counts.length) / total : 1;
}

export interface BiasOptions {
  rate?: number;
  signal?: AbortSignal;
  /** Called after each run. */
  onRun?: () => void;
  /** max/mean per step of the plain stream for each measured layer, when already measured (skips those runs). */
  baseline?: Float64Array[];
}

/** Runs the what-if on every layer of a source (token-choice routing only). */
export async function biasBalancing(
  runner: LayerRunner,
  source: StepSource,
  opts: BiasOptions = {},
): Promise<BiasBalancing> {
  const cfg: LayerConfig = { ...source.cfg, useBias: true };
  if (cfg.routingMode !== 'token-choice') throw new Error('bias balancing needs token-choice routing');
  const rate = opts.rate ?? defaultBiasRate(cfg);
  const S = source.steps;
  const E = cfg.experts;
  const layers: BiasLayerCurve[] = [];
  for (let i = 0; i < source.layerIds.length; i++) {
    let baseline = opts.baseline?.[i];
    if (!baseline) {
      baseline = new Float64Array(S);
      for (let step = 0; step < S; step++) {
        opts.signal?.throwIfAborted();
        const r = await runner.run(source.cfg, source.tensors(i, step));
        baseline[step] = maxOverMean(r.counts);
        opts.onRun?.();
      }
    }
    const balanced = new Float64Array(S);
    let bias: Float32Array | null = null;
    for (let step = 0; step < S; step++) {
      opts.signal?.throwIfAborted();
      const t = source.tensors(i, step);
      // Start from the layer's own bias (zeros unless the scenario uses one): step 0 equals the plain stream.
      if (!bias) bias = source.cfg.useBias ? t.bias.slice() : new Float32Array(E);
      const r = await runner.run(cfg, { ...t, bias });
      balanced[step] = maxOverMean(r.counts);
      const mean = r.counts.reduce((a, c) => a + c, 0) / E;
      const next: Float32Array = bias.slice();
      for (let e = 0; e < E; e++) next[e] += rate * Math.sign(mean - r.counts[e]);
      bias = next;
      opts.onRun?.();
    }
    layers.push({ layerId: source.layerIds[i], baseline, balanced, finalBias: bias ?? new Float32Array(E) });
  }
  const meanCurve = (pick: (l: BiasLayerCurve) => Float64Array) => {
    const out = new Float64Array(S);
    for (const l of layers) for (let s = 0; s < S; s++) out[s] += pick(l)[s] / layers.length;
    return out;
  };
  const baseline = meanCurve((l) => l.baseline);
  const balanced = meanCurve((l) => l.balanced);
  const tail = Math.max(1, Math.floor(S / 4));
  const tailMean = (a: Float64Array) => a.subarray(S - tail).reduce((x, v) => x + v, 0) / tail;
  const excess0 = balanced[0] - 1;
  let stepsToHalve: number | null = null;
  for (let s = 1; s < S && excess0 > 0; s++) {
    if (balanced[s] - 1 <= excess0 / 2) {
      stepsToHalve = s;
      break;
    }
  }
  return {
    rate,
    rateNote:
      opts.rate !== undefined
        ? 'rate as given'
        : `default: ${DEFAULT_BIAS_LOGITS} logit per step in score units (${cfg.scoreFn}, k/E = ${cfg.topK}/${E})`,
    steps: S,
    layers,
    baseline,
    balanced,
    tailBaseline: tailMean(baseline),
    tailBalanced: tailMean(balanced),
    stepsToHalve,
  };
}
