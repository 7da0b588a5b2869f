import { capacityOf, type LayerConfig, type ScoreFn } from '../workload';

/**
 * Steps 1–2 of the layer (router GEMM and gate), exactly as ../workload/layer.ts states them.
 *
 * Precision: sums run in f64, but every value the next step compares or stores is rounded to f32
 * (stored in a Float32Array), because the GPU stores f32. In particular scores and selection scores are f32, so saturated
 * scores (sigmoid of ±100 is exactly 1 or ~0 in f32) tie the way they do on the GPU and the tie rule decides.
 */

/** L = X·W_r: logits [T, E] from hidden states [T, d] and router [d, E]. */
export function routerLogits(
  x: Float32Array,
  router: Float32Array,
  tokens: number,
  dModel: number,
  experts: number,
): Float32Array {
  const logits = new Float32Array(tokens * experts);
  const acc = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) {
    acc.fill(0);
    const xRow = t * dModel;
    for (let i = 0; i < dModel; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue;
      const wRow = i * experts;
      for (let e = 0; e < experts; e++) acc[e] += xi * router[wRow + e];
    }
    const out = t * experts;
    for (let e = 0; e < experts; e++) logits[out + e] = acc[e];
  }
  return logits;
}

/**
 * Scores [T, E] from logits: softmax over each row (row max subtracted, so ±100 or ±1e4 cannot overflow) or an
 * independent sigmoid per expert. Values are f32.
 */
export function scoresFromLogits(
  logits: Float32Array,
  tokens: number,
  experts: number,
  scoreFn: ScoreFn,
): Float32Array {
  const scores = new Float32Array(tokens * experts);
  if (scoreFn === 'sigmoid') {
    // exp(-l) may be +Infinity for l < -710; 1/Infinity is 0, never NaN.
    for (let i = 0; i < scores.length; i++) scores[i] = 1 / (1 + Math.exp(-logits[i]));
    return scores;
  }
  const exps = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) {
    const row = t * experts;
    let max = Number.NEGATIVE_INFINITY;
    for (let e = 0; e < experts; e++) if (logits[row + e] > max) max = logits[row + e];
    let sum = 0;
    for (let e = 0; e < experts; e++) {
      const v = Math.exp(logits[row + e] - max);
      exps[e] = v;
      sum += v;
    }
    for (let e = 0; e < experts; e++) scores[row + e] = exps[e] / sum;
  }
  return scores;
}

/**
 * Top-k of `values[base .. base+n)` restricted to `allowed` (null = all), ordered by value descending, ties
 * toward the lower index. Writes local indices into `outIdx` and returns how many were found (< k only when
 * fewer than k are allowed).
 */
function topK(
  values: Float32Array,
  base: number,
  n: number,
  k: number,
  allowed: Uint8Array | null,
  outIdx: Int32Array,
  outVal: Float64Array,
): number {
  let found = 0;
  for (let e = 0; e < n; e++) {
    if (allowed && !allowed[e]) continue;
    const v = values[base + e];
    // Scanning in ascending index, a later expert only displaces entries with a strictly lower value.
    if (found === k && !(v > outVal[k - 1])) continue;
    let p = found < k ? found : k - 1;
    while (p > 0 && v > outVal[p - 1]) {
      outVal[p] = outVal[p - 1];
      outIdx[p] = outIdx[p - 1];
      p--;
    }
    outVal[p] = v;
    outIdx[p] = e;
    if (found < k) found++;
  }
  return found;
}

/**
 * Which experts a token may choose under group-limited routing (DeepSeek-V2/V3): experts split into `groups`
 * contiguous groups; a group's score is the max selection score in it (no bias) or the sum of its top-2 selection
 * scores (with bias); the `topGroups` best groups (ties toward the lower group index) stay allowed.
 */
function allowedByGroup(
  sel: Float32Array,
  base: number,
  cfg: LayerConfig,
  groupScores: Float32Array,
  groupRank: Int32Array,
  groupVal: Float64Array,
  allowed: Uint8Array,
): void {
  const E = cfg.experts;
  const G = cfg.groups;
  const size = E / G;
  for (let g = 0; g < G; g++) {
    let first = Number.NEGATIVE_INFINITY;
    let second = Number.NEGATIVE_INFINITY;
    for (let e = g * size; e < (g + 1) * size; e++) {
      const v = sel[base + e];
      if (v > first) {
        second = first;
        first = v;
      } else if (v > second) second = v;
    }
    // A one-expert group has no second score: its top-2 sum is its only score.
    groupScores[g] = cfg.useBias && size > 1 ? first + second : first;
  }
  const keep = topK(groupScores, 0, G, Math.min(cfg.topGroups, G), null, groupRank, groupVal);
  allowed.fill(0);
  for (let r = 0; r < keep; r++) {
    const g = groupRank[r];
    allowed.fill(1, g * size, (g + 1) * size);
  }
}

export interface GateResult {
  /** [T, E] f32 scores (softmax or sigmoid of the logits), before bias. */
  scores: Float32Array;
  /** [T, k] chosen experts, by selection score descending, ties toward the lower index. */
  topkIds: Int32Array;
  /** [T, k] combine weights: scores at the chosen experts, renormalised if asked, times the route scale. */
  topkWeights: Float32Array;
}

/**
 * Token-choice gate. `bias` [E] affects selection only. With `renormalize`, a token whose chosen scores sum to
 * exactly 0 (sigmoid of logits below about −104 underflows f32) keeps zero weights rather than NaN.
 */
export function gate(cfg: LayerConfig, logits: Float32Array, bias: Float32Array): GateResult {
  const T = cfg.tokens;
  const E = cfg.experts;
  const k = cfg.topK;
  if (k < 1 || k > E) throw new Error(`top-k ${k} must be between 1 and E = ${E}`);
  const grouped = cfg.groups > 1;
  if (grouped && E % cfg.groups !== 0) throw new Error(`${cfg.groups} groups do not divide E = ${E}`);
  if (grouped && Math.min(cfg.topGroups, cfg.groups) * (E / cfg.groups) < k) {
    throw new Error(
      `${cfg.topGroups} top groups of ${E / cfg.groups} experts hold fewer than k = ${k} experts`,
    );
  }
  const scores = scoresFromLogits(logits, T, E, cfg.scoreFn);
  let sel = scores;
  if (cfg.useBias) {
    sel = new Float32Array(T * E);
    for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) sel[t * E + e] = scores[t * E + e] + bias[e];
  }
  const topkIds = new Int32Array(T * k);
  const topkWeights = new Float32Array(T * k);
  const idx = new Int32Array(k);
  const val = new Float64Array(k);
  const allowed = grouped ? new Uint8Array(E) : null;
  const groupScores = new Float32Array(cfg.groups);
  const groupRank = new Int32Array(cfg.groups);
  const groupVal = new Float64Array(cfg.groups);
  for (let t = 0; t < T; t++) {
    const row = t * E;
    if (allowed) allowedByGroup(sel, row, cfg, groupScores, groupRank, groupVal, allowed);
    topK(sel, row, E, k, allowed, idx, val);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += scores[row + idx[j]];
    const norm = cfg.renormalize ? (sum > 0 ? 1 / sum : 0) : 1;
    for (let j = 0; j < k; j++) {
      topkIds[t * k + j] = idx[j];
      topkWeights[t * k + j] = scores[row + idx[j]] * norm * cfg.routeScale;
    }
  }
  return { scores, topkIds, topkWeights };
}

export interface ExpertChoiceResult {
  /** [E, C] the tokens each expert chose, by score descending, ties toward the lower token index; -1 past C'. */
  ecTokens: Int32Array;
  /** [E, C] the combine weight of each chosen pair: score · routeScale (0 past C'). */
  ecWeights: Float32Array;
  /** [E] tokens each expert took: C' = min(C, T). */
  counts: Int32Array;
  capacity: number;
}

/** Expert-choice routing: each expert takes the C tokens with the highest score for it. */
export function expertChoice(cfg: LayerConfig, scores: Float32Array): ExpertChoiceResult {
  const T = cfg.tokens;
  const E = cfg.experts;
  const C = capacityOf({ ...cfg, routingMode: 'expert-choice' });
  const taken = Math.min(C, T);
  const ecTokens = new Int32Array(E * C).fill(-1);
  const ecWeights = new Float32Array(E * C);
  const counts = new Int32Array(E).fill(taken);
  const order = new Int32Array(T);
  const column = new Float32Array(T);
  for (let e = 0; e < E; e++) {
    for (let t = 0; t < T; t++) {
      order[t] = t;
      column[t] = scores[t * E + e];
    }
    // Distinct f32 values never differ by exactly 0 in f64, so equal scores fall through to the token index.
    order.sort((a, b) => column[b] - column[a] || a - b);
    for (let j = 0; j < taken; j++) {
      const t = order[j];
      ecTokens[e * C + j] = t;
      ecWeights[e * C + j] = column[t] * cfg.routeScale;
    }
  }
  return { ecTokens, ecWeights, counts, capacity: C };
}
