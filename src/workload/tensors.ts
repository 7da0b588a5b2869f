import type { Scenario } from '../scenario';
import type { LayerConfig, LayerTensors } from './layer';
import { portableExp, portableLog, Rng } from './rng';

/**
 * Seeded synthetic tensors for one MoE layer, with routing skew the scenario's workload knobs control.
 *
 * Geometry (d dims): a mean direction μ̂ every token shares (real residual streams have one), and one unit
 * direction ĉ_m per topic, orthogonal to μ̂ and (when d > M + 1) to each other. A token of topic m is
 *   x = √d·(a·μ̂ + b·ĉ_m) + c·n,  n ~ N(0, I),  a² + b² + c² = 1,
 * so its entries are O(1). The router column of expert e is built so that, for a token of topic m,
 *   logit_e ≈ (TOPIC_LOGIT·A[m,e] + P_e) / routerTemperature + TOKEN_LOGIT·ξ_t,e
 * where A[m,e] ~ N(0,1) is the topic's affinity for the expert (topics prefer certain experts), P_e is a
 * Zipf-like popularity (softmax weight ∝ (rank+1)^-popularitySkew, the hot experts chosen at random) and ξ is
 * the token's own N(0,1) noise through a random direction r̂_e orthogonal to μ̂ and the topics. The temperature divides only the structured
 * part: dividing every logit would leave each token's top-k, and so the load, unchanged; this way a low
 * temperature lets topics and popularity decide (peaked, skewed load) and a high one leaves token noise (near
 * uniform load), as the knob promises.
 *
 * Topics: token topics follow a Zipf mix π_m ∝ (m+1)^-s with s = c/(1−c) for topicConcentration c (0 = uniform,
 * 1 = one topic). Drift: from step to step the topics' log-ranks take a Gaussian random walk of size driftRate,
 * so the dominant topics change over a stream.
 * Layers: a layer's affinities, popularity and random directions are √ρ·shared + √(1−ρ)·own for
 * ρ = layerCorrelation (1 = the same router in every layer). X depends on the step, not the layer.
 * Expert weights are uniform with variance 1/fan_in (outputs stay O(1)); the bias, when used, leans against the
 * popular experts, the way a DeepSeek-V3 balancing bias learns to.
 *
 * Every value comes from Rng streams keyed by (seed, tensor, layer/step), so one tensor can be regenerated alone.
 */

/** Variance shares of a hidden state: mean direction, topic direction, token noise (sum to 1). */
const MEAN_SHARE = 0.25;
const TOPIC_SHARE = 0.5;
const NOISE_SHARE = 0.25;
/** Logit spread (std, at temperature 1) from topic affinity and from token noise. */
const TOPIC_LOGIT = 2;
const TOKEN_LOGIT = 1;
/** Fraction of the popularity that the generated selection bias cancels. */
const BIAS_BALANCE = 0.5;

export interface GenerateOptions {
  /** MoE layer index (router and expert weights differ per layer). Default 0. */
  layer?: number;
  /** Batch index in a stream (hidden states and topic mix differ per step). Default 0. */
  step?: number;
}

/** Zipf exponent of the topic mix for a topic concentration in [0, 1] (Infinity at 1). */
export function topicExponent(concentration: number): number {
  if (concentration >= 1) return Number.POSITIVE_INFINITY;
  return Math.max(0, concentration) / (1 - Math.max(0, concentration));
}

type TopicKnobs = Pick<Scenario, 'seed' | 'topics' | 'topicConcentration' | 'driftRate'>;

/** Probability of each topic at a step: π_m ∝ exp(−s·(log(m+1) − drift_m(step))). */
export function topicMix(s: TopicKnobs, step = 0): Float64Array {
  const M = s.topics;
  const logRank = new Float64Array(M);
  for (let m = 0; m < M; m++) logRank[m] = portableLog(m + 1);
  if (step > 0 && s.driftRate > 0) {
    const walk = Rng.from(s.seed, 'topic-drift');
    for (let n = 0; n < step; n++) for (let m = 0; m < M; m++) logRank[m] -= s.driftRate * walk.normal();
  }
  const exponent = topicExponent(s.topicConcentration);
  const mix = new Float64Array(M);
  if (!Number.isFinite(exponent)) {
    let best = 0;
    for (let m = 1; m < M; m++) if (logRank[m] < logRank[best]) best = m;
    mix[best] = 1;
    return mix;
  }
  let min = Number.POSITIVE_INFINITY;
  for (let m = 0; m < M; m++) min = Math.min(min, logRank[m]);
  let sum = 0;
  for (let m = 0; m < M; m++) {
    mix[m] = portableExp(-exponent * (logRank[m] - min));
    sum += mix[m];
  }
  for (let m = 0; m < M; m++) mix[m] /= sum;
  return mix;
}

/** The topic of each of `tokens` tokens at a step, drawn from topicMix. */
export function tokenTopics(s: TopicKnobs, tokens: number, step = 0): Int32Array {
  return topicsFromMix(s.seed, topicMix(s, step), tokens, step);
}

/** Draw `tokens` topics from a given mix with the step's own random stream (the same draws as tokenTopics). */
export function topicsFromMix(seed: number, mix: Float64Array, tokens: number, step: number): Int32Array {
  const cumulative = new Float64Array(mix.length);
  let acc = 0;
  for (let m = 0; m < mix.length; m++) cumulative[m] = acc += mix[m];
  const rng = Rng.from(seed, 'token-topics', step);
  const topics = new Int32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const u = rng.next() * acc;
    let m = 0;
    while (m < mix.length - 1 && u >= cumulative[m]) m++;
    topics[t] = m;
  }
  return topics;
}

/**
 * Makes v[at .. at+d) a unit vector orthogonal to the first `count` rows of the orthonormal `basis` [*, d].
 * A degenerate draw (possible only when the basis nearly spans the space) falls back to the residual of an axis.
 */
function orthonormalize(v: Float64Array, at: number, d: number, basis: Float64Array, count: number): void {
  for (let b = 0; b < count; b++) {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += v[at + i] * basis[b * d + i];
    for (let i = 0; i < d; i++) v[at + i] -= dot * basis[b * d + i];
  }
  let norm = 0;
  for (let i = 0; i < d; i++) norm += v[at + i] * v[at + i];
  norm = Math.sqrt(norm);
  if (norm > 1e-9) for (let i = 0; i < d; i++) v[at + i] /= norm;
  else {
    v.fill(0, at, at + d);
    v[at + (count % d)] = 1;
  }
}

interface Directions {
  /** Orthonormal rows: the mean direction μ̂, then the first `basisTopics` topic directions. */
  basis: Float64Array;
  basisSize: number;
  mean: Float64Array;
  /** Unit topic directions ĉ_m [M, d], ⟂ μ̂; mutually orthogonal when d allows (M ≤ d − 2). */
  topicDirs: Float64Array;
}

/**
 * The shared mean direction and the topic directions; fixed for a seed. The basis leaves at least one dimension
 * free (for d ≥ 2) so the routers' token-noise directions can be orthogonal to all the structure.
 */
function directions(seed: number, d: number, topics: number): Directions {
  const basisTopics = Math.max(0, Math.min(topics, d - 2));
  const basis = new Float64Array((1 + basisTopics) * d);
  const mean = new Float64Array(d);
  Rng.from(seed, 'mean-direction').fillNormal(mean);
  orthonormalize(mean, 0, d, basis, 0);
  basis.set(mean, 0);
  const topicDirs = new Float64Array(topics * d);
  Rng.from(seed, 'topic-directions').fillNormal(topicDirs);
  for (let m = 0; m < topics; m++) {
    const inBasis = m < basisTopics;
    orthonormalize(topicDirs, m * d, d, basis, d > 1 ? (inBasis ? 1 + m : 1) : 0);
    if (inBasis) basis.set(topicDirs.subarray(m * d, (m + 1) * d), (1 + m) * d);
  }
  return { basis, basisSize: d > 1 ? 1 + basisTopics : 0, mean, topicDirs };
}

/** √ρ·shared + √(1−ρ)·own normals: a tensor correlated ρ across layers. */
function layerCorrelated(seed: number, name: string, layer: number, rho: number, n: number): Float64Array {
  const out = new Float64Array(n);
  Rng.from(seed, name, 'shared').fillNormal(out, Math.sqrt(rho));
  if (rho < 1) {
    const own = Rng.from(seed, name, 'layer', layer);
    const w = Math.sqrt(1 - rho);
    for (let i = 0; i < n; i++) out[i] += w * own.normal();
  }
  return out;
}

/**
 * Popularity logit P_e for a layer: experts ranked by a layer-correlated random score; P = −skew·log(rank + 1),
 * centred to mean 0 (so sigmoid scores stay centred).
 */
export function expertPopularity(s: Scenario, experts: number, layer = 0): Float64Array {
  const z = layerCorrelated(s.seed, 'popularity', layer, s.layerCorrelation, experts);
  const order = Array.from({ length: experts }, (_, e) => e).sort((a, b) => z[b] - z[a] || a - b);
  const popularity = new Float64Array(experts);
  let mean = 0;
  order.forEach((e, rank) => {
    popularity[e] = -s.popularitySkew * portableLog(rank + 1);
    mean += popularity[e] / experts;
  });
  for (let e = 0; e < experts; e++) popularity[e] -= mean;
  return popularity;
}

/** Hidden states X [T, d] for a step. */
export function generateHiddenStates(s: Scenario, cfg: LayerConfig, step = 0): Float32Array {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const { mean, topicDirs } = directions(s.seed, d, s.topics);
  const topics = tokenTopics(s, T, step);
  const meanScale = Math.sqrt(d * MEAN_SHARE);
  const topicScale = Math.sqrt(d * TOPIC_SHARE);
  const noiseScale = Math.sqrt(NOISE_SHARE);
  const noise = Rng.from(s.seed, 'hidden-noise', step);
  const x = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    const c = topics[t] * d;
    for (let i = 0; i < d; i++) {
      x[t * d + i] = meanScale * mean[i] + topicScale * topicDirs[c + i] + noiseScale * noise.normal();
    }
  }
  return x;
}

/** Router W_r [d, E] for a layer. */
export function generateRouter(s: Scenario, cfg: LayerConfig, layer = 0): Float32Array {
  const d = cfg.dModel;
  const E = cfg.experts;
  const M = s.topics;
  const { basis, basisSize, mean, topicDirs } = directions(s.seed, d, M);
  const rho = s.layerCorrelation;
  const affinity = layerCorrelated(s.seed, 'topic-affinity', layer, rho, M * E);
  const popularity = expertPopularity(s, E, layer);
  const tokenDirs = layerCorrelated(s.seed, 'token-directions', layer, rho, E * d);
  for (let e = 0; e < E; e++) orthonormalize(tokenDirs, e * d, d, basis, basisSize);
  const invT = 1 / s.routerTemperature;
  // x·ĉ_m ≈ √(d·TOPIC_SHARE) and x·μ̂ ≈ √(d·MEAN_SHARE): divide so each part lands at its logit size.
  const topicGain = (invT * TOPIC_LOGIT) / Math.sqrt(d * TOPIC_SHARE);
  const meanGain = invT / Math.sqrt(d * MEAN_SHARE);
  // r̂_e ⟂ μ̂ and the topic directions, so x·r̂_e is the token's own noise, N(0, NOISE_SHARE).
  const tokenGain = TOKEN_LOGIT / Math.sqrt(NOISE_SHARE);
  const column = new Float64Array(d);
  const router = new Float32Array(d * E);
  for (let e = 0; e < E; e++) {
    for (let i = 0; i < d; i++)
      column[i] = meanGain * popularity[e] * mean[i] + tokenGain * tokenDirs[e * d + i];
    for (let m = 0; m < M; m++) {
      const g = topicGain * affinity[m * E + e];
      const c = m * d;
      for (let i = 0; i < d; i++) column[i] += g * topicDirs[c + i];
    }
    for (let i = 0; i < d; i++) router[i * E + e] = column[i];
  }
  return router;
}

/**
 * Selection bias [E]: zeros unless cfg.useBias; then small values leaning against popular experts (about half of
 * the popularity, converted to score units: a score moves by about p(1−p) per unit of logit) plus slight noise.
 */
export function generateBias(s: Scenario, cfg: LayerConfig, layer = 0): Float32Array {
  const E = cfg.experts;
  const bias = new Float32Array(E);
  if (!cfg.useBias) return bias;
  const popularity = expertPopularity(s, E, layer);
  const p = cfg.scoreFn === 'softmax' ? 1 / E : 0.5;
  const perLogit = p * (1 - p) || 1 / 4;
  const noise = Rng.from(s.seed, 'bias', layer);
  for (let e = 0; e < E; e++) {
    bias[e] = perLogit * ((-BIAS_BALANCE * popularity[e]) / s.routerTemperature + 0.05 * noise.normal());
  }
  return bias;
}

/** Uniform weights with variance 1/fanIn: bound √(3/fanIn). */
function weights(seed: number, name: string, layer: number, n: number, fanIn: number): Float32Array {
  const w = new Float32Array(n);
  if (n > 0) Rng.from(seed, name, layer).fillUniform(w, Math.sqrt(3 / fanIn));
  return w;
}

/**
 * Hidden states [T, d] for tokens whose topics are given, with the token-noise part supplied (`noise` [T, d],
 * unit variance per entry): x = √d·(a·μ̂ + b·ĉ_topic) + c·noise, the same geometry as generateHiddenStates.
 * Streams use it for decode, where a token's topic is its sequence's and part of its noise persists.
 */
export function hiddenStatesFromTopics(
  s: Pick<Scenario, 'seed' | 'topics'>,
  d: number,
  topics: Int32Array,
  noise: Float32Array | Float64Array,
): Float32Array {
  const T = topics.length;
  if (noise.length !== T * d) throw new Error(`noise has ${noise.length} values, expected ${T}·${d}`);
  const { mean, topicDirs } = directions(s.seed, d, s.topics);
  const meanScale = Math.sqrt(d * MEAN_SHARE);
  const topicScale = Math.sqrt(d * TOPIC_SHARE);
  const noiseScale = Math.sqrt(NOISE_SHARE);
  const x = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    const topic = topics[t];
    if (!(topic >= 0 && topic < s.topics))
      throw new Error(`token ${t}: topic ${topic} is outside 0–${s.topics - 1}`);
    const c = topic * d;
    for (let i = 0; i < d; i++) {
      x[t * d + i] = meanScale * mean[i] + topicScale * topicDirs[c + i] + noiseScale * noise[t * d + i];
    }
  }
  return x;
}

/** Every tensor of one layer except the hidden states: router, bias and expert weights (steps share them). */
export function generateLayerWeights(s: Scenario, cfg: LayerConfig, layer = 0): Omit<LayerTensors, 'x'> {
  const { dModel: d, ffnSize: f, experts: E, sharedExperts: S, sharedFfnSize: fs } = cfg;
  return {
    router: generateRouter(s, cfg, layer),
    bias: generateBias(s, cfg, layer),
    w1: weights(s.seed, 'w1', layer, E * d * f, d),
    w3: weights(s.seed, 'w3', layer, E * d * f, d),
    w2: weights(s.seed, 'w2', layer, E * f * d, f),
    sharedW1: weights(s.seed, 'shared-w1', layer, S * d * fs, d),
    sharedW3: weights(s.seed, 'shared-w3', layer, S * d * fs, d),
    sharedW2: weights(s.seed, 'shared-w2', layer, S * fs * d, Math.max(1, fs)),
  };
}

/** Every tensor of one layer at one step. `logits` is left out (the router GEMM computes them). */
export function generateLayerTensors(
  s: Scenario,
  cfg: LayerConfig,
  opts: GenerateOptions = {},
): LayerTensors {
  return {
    x: generateHiddenStates(s, cfg, opts.step ?? 0),
    ...generateLayerWeights(s, cfg, opts.layer ?? 0),
  };
}
