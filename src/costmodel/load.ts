/** LoadProfile builders: uniform routing, a count matrix (measured or imported), and checks. */

import type { Scenario } from '../scenario';
import type { LayerLoad, LoadProfile, Phase } from './types';

/** Uniform routing: every expert chosen with probability k/E per token (what GenZ-style models assume). */
const uniformCache = new Map<string, LoadProfile>();

export function uniformLoad(s: Pick<Scenario, 'experts' | 'topK' | 'blockSize' | 'phase'>): LoadProfile {
  // Shared per shape so the projection's resource cache (keyed by profile) is reused across calls.
  const key = `${s.experts}|${s.topK}|${s.blockSize}|${s.phase}`;
  const hit = uniformCache.get(key);
  if (hit) return hit;
  const load: LoadProfile = {
    source: 'uniform',
    label: 'uniform routing (k/E per expert)',
    experts: s.experts,
    topK: s.topK,
    blockSize: s.blockSize,
    phase: s.phase,
    layers: [],
    uniform: true,
  };
  if (uniformCache.size > 256) uniformCache.clear();
  uniformCache.set(key, load);
  return load;
}

export interface CountsInput {
  /** [L][E] counts (one row per MoE layer); a single row is one layer. */
  counts: readonly ArrayLike<number>[];
  topK: number;
  /** Tokens behind each row; defaults to Σ counts / k (every token routed k times). */
  tokens?: number | readonly number[];
  kept?: readonly ArrayLike<number>[];
  blockSize?: number;
  phase?: Phase;
  source?: LoadProfile['source'];
  label?: string;
}

/** A profile from a count matrix. Throws with one clear line on a malformed matrix. */
export function loadFromCounts(input: CountsInput): LoadProfile {
  const rows = input.counts;
  if (rows.length === 0) throw new Error('the counts have no layers');
  const E = rows[0].length;
  if (E === 0) throw new Error('the counts have no experts');
  if (!(input.topK >= 1)) throw new Error(`top-k must be at least 1 (got ${input.topK})`);
  const layers: LayerLoad[] = rows.map((counts, l) => {
    if (counts.length !== E) throw new Error(`layer ${l} has ${counts.length} experts, layer 0 has ${E}`);
    let sum = 0;
    for (let e = 0; e < E; e++) {
      const c = counts[e];
      if (!Number.isFinite(c) || c < 0)
        throw new Error(`layer ${l}, expert ${e}: count ${c} is not a non-negative number`);
      sum += c;
    }
    const t = input.tokens;
    const tokens = typeof t === 'number' ? t : t ? t[l] : sum / input.topK;
    const kept = input.kept?.[l];
    return kept ? { counts, tokens, kept } : { counts, tokens };
  });
  return {
    source: input.source ?? 'imported',
    label: input.label ?? `${rows.length} layer${rows.length > 1 ? 's' : ''} of counts`,
    experts: E,
    topK: input.topK,
    blockSize: input.blockSize ?? 1,
    phase: input.phase ?? 'prefill',
    layers,
  };
}

/** Check a profile against a scenario; returns the reason it cannot be used, or undefined. */
export function loadMismatch(s: Pick<Scenario, 'experts' | 'topK'>, load: LoadProfile): string | undefined {
  if (load.experts !== s.experts) {
    return `the load has ${load.experts} experts but the scenario has E = ${s.experts}`;
  }
  if (load.topK !== s.topK)
    return `the load was routed with k = ${load.topK} but the scenario has k = ${s.topK}`;
  if (!load.uniform && load.layers.length === 0) return 'the load has no layers';
  return undefined;
}

/** Which profile layer serves model MoE layer i (profiles with fewer layers are stretched). */
export function profileLayerFor(load: LoadProfile, i: number, moeLayers: number): number {
  const n = load.layers.length;
  if (n <= 1) return 0;
  return Math.min(n - 1, Math.floor((i * n) / Math.max(1, moeLayers)));
}

/** A recorded routing trace: ids[(t·layers + l)·topK + j] (src/workload/trace.ts RoutingTrace). */
export interface TraceInput {
  tokens: number;
  layers: number;
  topK: number;
  ids: ArrayLike<number>;
}

/**
 * A profile from a routing trace: per-layer counts over all tokens, plus the exact counts of every batch of
 * `stepTokens` consecutive tokens, so a projection at that batch size uses real per-batch imbalance.
 */
export function loadFromTrace(
  trace: TraceInput,
  experts: number,
  stepTokens: number,
  meta: { phase?: Phase; blockSize?: number; label?: string } = {},
): LoadProfile {
  const { tokens, layers, topK, ids } = trace;
  if (tokens < 1 || layers < 1 || topK < 1) throw new Error('the trace is empty');
  const step = Math.max(1, Math.floor(stepTokens));
  const nSteps = Math.floor(tokens / step);
  const out: LayerLoad[] = [];
  for (let l = 0; l < layers; l++) {
    const counts = new Int32Array(experts);
    const steps: Int32Array[] = [];
    for (let s = 0; s < nSteps; s++) steps.push(new Int32Array(experts));
    for (let t = 0; t < tokens; t++) {
      const at = (t * layers + l) * topK;
      const st = Math.floor(t / step);
      for (let j = 0; j < topK; j++) {
        const e = ids[at + j];
        if (!(e >= 0 && e < experts))
          throw new Error(`token ${t}, layer ${l}: expert id ${e} is outside 0–${experts - 1}`);
        counts[e]++;
        if (st < nSteps) steps[st][e]++;
      }
    }
    out.push(nSteps > 0 ? { counts, tokens, steps, stepTokens: step } : { counts, tokens });
  }
  return {
    source: 'measured',
    label: meta.label ?? `trace of ${tokens} tokens`,
    experts,
    topK,
    blockSize: meta.blockSize ?? 1,
    phase: meta.phase ?? 'prefill',
    layers: out,
  };
}
