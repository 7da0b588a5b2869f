/**
 * Metrics over a stream of steps: per-step load statistics from a steps × experts count matrix, and their
 * percentiles. Formulas as ./load.ts (../shared/REFERENCES.md "Load metrics").
 */

export interface Percentiles {
  /** Median (linear interpolation between closest ranks, NumPy's default). */
  p50: number;
  p95: number;
  max: number;
  min: number;
  mean: number;
  /** How many values. */
  n: number;
}

/**
 * The p-th percentile (0..100) of values already sorted ascending: linear interpolation at rank p/100·(n−1), as
 * NumPy's `percentile(..., method='linear')`. NaN for no values.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** p50, p95, max, min and mean of a list (all NaN when it is empty). */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    max: n ? sorted[n - 1] : Number.NaN,
    min: n ? sorted[0] : Number.NaN,
    mean: n ? sum / n : Number.NaN,
    n,
  };
}

/** Per-step series of a layer (one value per step). */
export interface StepSeries {
  /** max c_e / mean c_e of the step (1 when the step routed nothing). */
  maxOverMean: Float64Array;
  /** (T·k − Σ kept) / (T·k). */
  droppedFraction: Float64Array;
  /** #{e : c_e > 0}. */
  distinctExperts: Float64Array;
  /** var(c) / mean(c)². */
  cv2: Float64Array;
  /** Padding rows / padded rows with block size B. */
  paddingFraction: Float64Array;
}

export const STEP_SERIES_KEYS = [
  'maxOverMean',
  'droppedFraction',
  'distinctExperts',
  'cv2',
  'paddingFraction',
] as const satisfies readonly (keyof StepSeries)[];

export type StepSeriesKey = (typeof STEP_SERIES_KEYS)[number];

export interface StepSeriesInput {
  /** [steps, E] c_e per step, before capacity. */
  counts: ArrayLike<number>;
  /** [steps, E] kept per step (defaults to counts: dropless). */
  kept?: ArrayLike<number>;
  experts: number;
  /** Tokens per step. */
  tokens: number;
  topK: number;
  blockSize?: number;
}

/** The per-step series of a steps × experts count matrix. */
export function stepSeries(input: StepSeriesInput): StepSeries {
  const { counts, experts: E, tokens, topK } = input;
  if (E < 1) throw new Error('a count matrix needs at least one expert');
  if (counts.length % E !== 0)
    throw new Error(`${counts.length} counts are not a whole number of rows of ${E}`);
  const kept = input.kept ?? counts;
  if (kept.length !== counts.length) throw new Error('kept and counts differ in size');
  const S = counts.length / E;
  const B = Math.max(1, input.blockSize ?? 1);
  const out: StepSeries = {
    maxOverMean: new Float64Array(S),
    droppedFraction: new Float64Array(S),
    distinctExperts: new Float64Array(S),
    cv2: new Float64Array(S),
    paddingFraction: new Float64Array(S),
  };
  const slots = tokens * topK;
  for (let s = 0; s < S; s++) {
    let total = 0;
    let max = 0;
    let distinct = 0;
    let keptSum = 0;
    let padded = 0;
    for (let e = 0; e < E; e++) {
      const c = counts[s * E + e];
      total += c;
      if (c > max) max = c;
      if (c > 0) distinct++;
      const k = kept[s * E + e];
      keptSum += k;
      padded += Math.ceil(k / B) * B;
    }
    const mean = total / E;
    let variance = 0;
    for (let e = 0; e < E; e++) variance += (counts[s * E + e] - mean) ** 2;
    variance /= E;
    out.maxOverMean[s] = mean > 0 ? max / mean : 1;
    out.cv2[s] = mean > 0 ? variance / (mean * mean) : 0;
    out.distinctExperts[s] = distinct;
    out.droppedFraction[s] = slots > 0 ? Math.max(0, slots - keptSum) / slots : 0;
    out.paddingFraction[s] = padded > 0 ? (padded - keptSum) / padded : 0;
  }
  return out;
}

export type SeriesSummary = Record<StepSeriesKey, Percentiles>;

/** Percentiles of every series. */
export function summarizeSeries(series: StepSeries): SeriesSummary {
  const out = {} as SeriesSummary;
  for (const key of STEP_SERIES_KEYS) out[key] = percentiles(series[key]);
  return out;
}

/** Concatenates several layers' series (pooled percentiles over every layer and step). */
export function concatSeries(list: readonly StepSeries[]): StepSeries {
  const cat = (key: StepSeriesKey) => {
    const n = list.reduce((a, s) => a + s[key].length, 0);
    const out = new Float64Array(n);
    let at = 0;
    for (const s of list) {
      out.set(s[key], at);
      at += s[key].length;
    }
    return out;
  };
  return {
    maxOverMean: cat('maxOverMean'),
    droppedFraction: cat('droppedFraction'),
    distinctExperts: cat('distinctExperts'),
    cv2: cat('cv2'),
    paddingFraction: cat('paddingFraction'),
  };
}

/**
 * Variance of the distinct experts touched by B tokens under uniform top-k routing (each token an independent,
 * uniformly random set of k of the E experts). With u = (1 − k/E)^B the chance one expert is untouched and
 * w = ((E−k)(E−k−1) / (E(E−1)))^B the chance two given experts both are:
 *   Var = E·u·(1−u) + E·(E−1)·(w − u²).
 * The second term is ≤ 0 (experts compete for a token's k slots), so this is at most the binomial E·u·(1−u).
 */
export function distinctExpertsVariance(experts: number, topK: number, batch: number): number {
  const E = experts;
  const u = (1 - topK / E) ** batch;
  const w = E > 1 ? (((E - topK) * (E - topK - 1)) / (E * (E - 1))) ** batch : 0;
  return Math.max(0, E * u * (1 - u) + E * (E - 1) * (w - u * u));
}
