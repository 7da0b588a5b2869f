import type { Scenario } from '../scenario';
import type { LayerConfig, LayerTensors } from '../workload';
import {
  createTokenStream,
  generateLayerWeights,
  Rng,
  type RouterLogits,
  replayConfig,
  replayLogits,
  type StreamPhase,
  type TokenChoices,
  type TokenStream,
} from '../workload';

/**
 * Where a stream's tensors come from, step by step and layer by layer: the scenario's generator, an imported
 * trace (choices replayed through logits, or recorded router logits), or uniform routing (i.i.d. logits).
 * A source is read layer by layer (all steps of one layer, then the next), so it keeps one layer's weights.
 */
export interface StepSource {
  kind: 'generated' | 'imported' | 'uniform';
  label: string;
  phase: StreamPhase;
  steps: number;
  /** The layer as it runs (tokens = tokens per step). */
  cfg: LayerConfig;
  /** Layers in the source: model MoE layer indices (generated) or the file's layer ids (imported). */
  totalLayers: number;
  /** The layers measured (ids as above), at most the cap. */
  layerIds: number[];
  /** Tensors for measured layer i (an index into layerIds) at a step. */
  tensors(i: number, step: number): LayerTensors;
  /** One line per limit applied (layers capped, tokens left over). */
  notes: string[];
  /** True when the logits fix every token's experts (replayed choices): a selection bias cannot move them. */
  fixedChoices: boolean;
}

/** Most layers a stream measures by default: each costs steps × one layer run. */
export const MAX_MEASURED_LAYERS = 8;

/** `count` layers spread evenly over 0 .. total−1 (all of them when total ≤ count), first and last included. */
export function spreadLayers(total: number, count: number): number[] {
  const n = Math.max(1, Math.min(total, Math.floor(count)));
  if (n >= total) return Array.from({ length: total }, (_, i) => i);
  if (n === 1) return [0];
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round((i * (total - 1)) / (n - 1)));
  return [...out];
}

function layerNote(measured: number, total: number): string[] {
  return measured < total
    ? [`${measured} of ${total} MoE layers measured (spread evenly; at most ${measured} per stream)`]
    : [];
}

/** Hidden states cached across layers while they stay below this many bytes. */
const X_CACHE_BYTES = 64 * 2 ** 20;

/** Caches one layer's weights and (when small) every step's hidden states. */
function weightCache(s: Scenario, cfg: LayerConfig) {
  let at = -1;
  let weights: Omit<LayerTensors, 'x'> | null = null;
  return (layer: number) => {
    if (layer !== at || !weights) {
      weights = generateLayerWeights(s, cfg, layer);
      at = layer;
    }
    return weights;
  };
}

function statesCache(stream: TokenStream) {
  const cacheable = stream.steps * stream.tokens * stream.dModel * 4 <= X_CACHE_BYTES;
  const cache = new Map<number, Float32Array>();
  return (step: number) => {
    const hit = cache.get(step);
    if (hit) return hit;
    const x = stream.hiddenStates(step);
    if (cacheable) cache.set(step, x);
    return x;
  };
}

export interface GeneratedOptions {
  /** Steps (default the scenario's). */
  steps?: number;
  /** Tokens per step (default cfg.tokens). Decode: concurrent sequences. */
  tokens?: number;
  phase?: StreamPhase;
  /** Most layers measured (default MAX_MEASURED_LAYERS). */
  maxLayers?: number;
  /** Measure exactly these model MoE layers instead. */
  layers?: number[];
}

/** The scenario's own stream: generated tensors, router and expert weights per MoE layer. */
export function generatedSource(s: Scenario, cfg: LayerConfig, opts: GeneratedOptions = {}): StepSource {
  const tokens = opts.tokens ?? cfg.tokens;
  const steps = opts.steps ?? s.steps;
  const phase = opts.phase ?? s.phase;
  const run = { ...cfg, tokens };
  const stream = createTokenStream(s, { tokens, dModel: cfg.dModel, steps, phase });
  const total = s.moeLayers;
  const layerIds = opts.layers ?? spreadLayers(total, opts.maxLayers ?? MAX_MEASURED_LAYERS);
  for (const l of layerIds) {
    if (!(Number.isInteger(l) && l >= 0 && l < total))
      throw new Error(`MoE layer ${l} is outside 0–${total - 1}`);
  }
  const weights = weightCache(s, run);
  const states = statesCache(stream);
  return {
    kind: 'generated',
    label:
      phase === 'decode'
        ? `decode: ${tokens} sequences, ${steps} steps (seed ${s.seed})`
        : `prefill: ${steps} batches of ${tokens} tokens (seed ${s.seed})`,
    phase,
    steps,
    cfg: run,
    totalLayers: total,
    layerIds,
    notes: layerNote(layerIds.length, total),
    fixedChoices: false,
    tensors: (i, step) => ({ x: states(step), ...weights(layerIds[i]) }),
  };
}

/**
 * Uniform routing: i.i.d. standard-normal router logits, so each token's top-k is a uniformly random set of k
 * experts (the logits are exchangeable), the model behind E·(1 − (1 − k/E)^B). Hidden states come from the
 * scenario's generator (only the FFN sees them). Used as the reference in the decode sparsity test, because the
 * generator's knobs cannot reach exactly uniform routing (topic affinities stay even at zero skew).
 */
export function uniformSource(
  s: Scenario,
  cfg: LayerConfig,
  opts: { steps: number; tokens: number },
): StepSource {
  const run: LayerConfig = { ...cfg, tokens: opts.tokens, useBias: false, groups: 1, topGroups: 1 };
  const stream = createTokenStream(s, {
    tokens: opts.tokens,
    dModel: cfg.dModel,
    steps: opts.steps,
    phase: 'decode',
  });
  const weights = weightCache(s, run);
  return {
    kind: 'uniform',
    label: `uniform routing: i.i.d. normal logits, ${opts.tokens} tokens × ${opts.steps} steps`,
    phase: 'decode',
    steps: opts.steps,
    cfg: run,
    totalLayers: 1,
    layerIds: [0],
    notes: [],
    fixedChoices: false,
    tensors(_i, step) {
      const logits = new Float32Array(opts.tokens * cfg.experts);
      Rng.from(s.seed, 'uniform-logits', step).fillNormal(logits);
      return { x: stream.hiddenStates(step), ...weights(0), logits };
    },
  };
}

export interface ImportedSourceOptions {
  /** Tokens per step (default cfg.tokens, or the whole trace when shorter). */
  tokens?: number;
  maxLayers?: number;
  phase?: StreamPhase;
}

/**
 * An imported trace as a stream: its tokens cut into steps of `tokens` (left-over tokens fewer than a step are
 * left out, and said so). Choices are replayed with replayLogits under replayConfig; recorded router logits go to
 * the scenario's own gate (bias, groups, capacity as the scenario sets). Hidden states and expert weights are
 * generated (the trace has none), so the FFN and combine run on the real dispatch.
 */
export function importedSource(
  s: Scenario,
  cfg: LayerConfig,
  data: TokenChoices | RouterLogits,
  opts: ImportedSourceOptions = {},
): StepSource {
  const T = data.tokens;
  const tokens = Math.max(1, Math.min(T, opts.tokens ?? cfg.tokens));
  const steps = Math.floor(T / tokens);
  const run: LayerConfig =
    data.format === 'token-choices'
      ? replayConfig(cfg, data, tokens)
      : { ...cfg, tokens, experts: data.experts };
  if (run.topK > run.experts)
    throw new Error(`top-k ${run.topK} is more than the ${run.experts} imported experts`);
  const indices = spreadLayers(data.layers, opts.maxLayers ?? MAX_MEASURED_LAYERS);
  const phase = opts.phase ?? 'prefill';
  const stream = createTokenStream(s, { tokens, dModel: cfg.dModel, steps, phase });
  const weights = weightCache(s, run);
  const states = statesCache(stream);
  const notes = layerNote(indices.length, data.layers);
  const left = T - steps * tokens;
  if (left > 0) notes.push(`the last ${left} of ${T} tokens (less than a step of ${tokens}) are left out`);
  if (data.format === 'token-choices') {
    notes.push('recorded choices replayed: logits that make the gate pick exactly the recorded experts');
  }
  return {
    kind: 'imported',
    label: `${data.name}: ${steps} steps of ${tokens} tokens`,
    phase,
    steps,
    cfg: run,
    totalLayers: data.layers,
    layerIds: indices.map((i) => data.layerIds[i]),
    notes,
    fixedChoices: data.format === 'token-choices',
    tensors(i, step) {
      const l = indices[i];
      const from = step * tokens;
      const logits =
        data.format === 'token-choices'
          ? replayLogits(data, l, from, from + tokens)
          : data.logits[l].slice(from * data.experts, (from + tokens) * data.experts);
      return { x: states(step), ...weights(l), logits };
    },
  };
}
