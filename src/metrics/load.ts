/**
 * Load statistics from counts alone (formulas: ../shared/REFERENCES.md "Load metrics"), so a measured run, an
 * imported count table and a trace all get the same metrics.
 */

export interface LoadInput {
  /** c_e: (token, slot) pairs routed to each expert, before capacity. */
  counts: ArrayLike<number>;
  /** Tokens T in the batch. */
  tokens: number;
  /** Slots per token k. */
  topK: number;
  /** Pairs each expert kept after capacity (defaults to counts: dropless). */
  kept?: ArrayLike<number>;
  /** Padding block B (1 = none). */
  blockSize?: number;
  /** Tokens left with no expert at all after dropping (needs per-token data; omitted for count tables). */
  tokensLeftBehind?: number;
  /** P_e: mean router probability per expert, for the Switch aux loss. */
  meanRouterProb?: ArrayLike<number>;
  /** mean_t logsumexp(logits_t)², when logits are known. */
  zLoss?: number;
  /** Expert → rank placement for balancedness (defaults to none). */
  ranks?: number;
}

export interface LoadMetrics {
  experts: number;
  totalAssignments: number;
  meanLoad: number;
  maxLoad: number;
  minLoad: number;
  /** max c_e / mean c_e (1 = perfectly balanced). */
  maxOverMean: number;
  /** (max − mean) / mean. */
  maxVio: number;
  /** var(c) / mean(c)². */
  cv2: number;
  /** −Σ p log p / log E (1 = uniform). */
  normalizedEntropy: number;
  /** #{e : c_e > 0}. */
  distinctExperts: number;
  /** Experts with no tokens. */
  emptyExperts: number;
  /** (T·k − Σ kept) / (T·k). */
  droppedFraction: number;
  droppedAssignments: number;
  /** Σ ceil(kept/B)·B − Σ kept rows. */
  paddingRows: number;
  /** Padding rows / Σ padded rows. */
  paddingFraction: number;
  /** mean rank load / max rank load, experts placed round-robin over `ranks` (1 when ranks ≤ 1). */
  balancedness: number;
  switchAuxLoss?: number;
  zLoss?: number;
  tokensLeftBehindFraction?: number;
}

/** Per-rank load when experts are placed contiguously: rank r holds experts [r·E/R, (r+1)·E/R). */
export function rankLoads(counts: ArrayLike<number>, ranks: number): number[] {
  const E = counts.length;
  const loads = new Array<number>(Math.max(1, ranks)).fill(0);
  for (let e = 0; e < E; e++) loads[Math.min(ranks - 1, Math.floor((e * ranks) / E))] += counts[e];
  return loads;
}

export function loadMetrics(input: LoadInput): LoadMetrics {
  const { counts, tokens, topK } = input;
  const E = counts.length;
  const kept = input.kept ?? counts;
  const B = Math.max(1, input.blockSize ?? 1);
  let total = 0;
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  let distinct = 0;
  let keptTotal = 0;
  let padded = 0;
  for (let e = 0; e < E; e++) {
    const c = counts[e];
    total += c;
    max = Math.max(max, c);
    min = Math.min(min, c);
    if (c > 0) distinct++;
    keptTotal += kept[e];
    padded += Math.ceil(kept[e] / B) * B;
  }
  if (E === 0) min = 0;
  const mean = E > 0 ? total / E : 0;
  let variance = 0;
  let entropy = 0;
  for (let e = 0; e < E; e++) {
    variance += (counts[e] - mean) ** 2;
    if (counts[e] > 0 && total > 0) {
      const p = counts[e] / total;
      entropy -= p * Math.log(p);
    }
  }
  variance = E > 0 ? variance / E : 0;
  // With no load at all, every ratio is defined as the balanced value so charts never show NaN.
  const ratio = (a: number, b: number, empty: number) => (b > 0 ? a / b : empty);
  const slots = tokens * topK;
  const ranks = input.ranks ?? 1;
  const loads = rankLoads(counts, ranks);
  const maxRank = Math.max(...loads);
  const meanRank = loads.reduce((a, b) => a + b, 0) / loads.length;
  const out: LoadMetrics = {
    experts: E,
    totalAssignments: total,
    meanLoad: mean,
    maxLoad: max,
    minLoad: min,
    maxOverMean: ratio(max, mean, 1),
    maxVio: ratio(max - mean, mean, 0),
    cv2: ratio(variance, mean * mean, 0),
    normalizedEntropy: E > 1 && total > 0 ? entropy / Math.log(E) : 1,
    distinctExperts: distinct,
    emptyExperts: E - distinct,
    droppedAssignments: Math.max(0, slots - keptTotal),
    droppedFraction: slots > 0 ? Math.max(0, slots - keptTotal) / slots : 0,
    paddingRows: padded - keptTotal,
    paddingFraction: ratio(padded - keptTotal, padded, 0),
    balancedness: ratio(meanRank, maxRank, 1),
  };
  if (input.meanRouterProb) {
    let aux = 0;
    for (let e = 0; e < E; e++) aux += (slots > 0 ? counts[e] / slots : 0) * input.meanRouterProb[e];
    out.switchAuxLoss = E * aux;
  }
  if (input.zLoss !== undefined) out.zLoss = input.zLoss;
  if (input.tokensLeftBehind !== undefined && tokens > 0)
    out.tokensLeftBehindFraction = input.tokensLeftBehind / tokens;
  return out;
}

/** Uniform-routing expectation of distinct experts touched by B tokens: E·(1 − (1 − k/E)^B). */
export function expectedDistinctExperts(experts: number, topK: number, batch: number): number {
  return experts * (1 - (1 - topK / experts) ** batch);
}

/** Human descriptions of each metric, for tables and tooltips. */
export const METRIC_FORMULAS: Record<string, { label: string; formula: string }> = {
  maxOverMean: { label: 'max/mean', formula: 'max c_e / mean c_e' },
  maxVio: { label: 'MaxVio', formula: '(max c_e − mean c_e) / mean c_e' },
  balancedness: { label: 'Balancedness (EP ranks)', formula: 'mean rank load / max rank load' },
  cv2: { label: 'CV²', formula: 'var(c) / mean(c)²' },
  normalizedEntropy: { label: 'Normalised entropy', formula: '−Σ p_e log p_e / log E, p_e = c_e / Σ c' },
  switchAuxLoss: { label: 'Switch aux loss', formula: 'E · Σ_e f_e · P_e, f_e = c_e / (T·k)' },
  zLoss: { label: 'Router z-loss', formula: 'mean_t (logsumexp(logits_t))²' },
  droppedFraction: { label: 'Dropped fraction', formula: '(T·k − Σ kept_e) / (T·k)' },
  tokensLeftBehindFraction: {
    label: 'Tokens left behind',
    formula: 'tokens with no expert after dropping / T',
  },
  paddingRows: { label: 'Padding waste (rows)', formula: 'Σ ceil(kept_e / B)·B − Σ kept_e' },
  distinctExperts: { label: 'Distinct experts touched', formula: '#{e : c_e > 0}' },
};
