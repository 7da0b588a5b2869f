import type { LayerConfig } from '../workload/layer';

/** Steps 6–7 of the layer (expert FFN and combine). Sums run in f64; stored results are f32. */

/** Reusable f64 scratch for one SwiGLU row, sized for the widest FFN. */
interface Scratch {
  h1: Float64Array;
  h3: Float64Array;
  out: Float64Array;
}

const scratchFor = (d: number, f: number): Scratch => ({
  h1: new Float64Array(f),
  h3: new Float64Array(f),
  out: new Float64Array(d),
});

const silu = (v: number) => v / (1 + Math.exp(-v));

/**
 * One SwiGLU row: s.out = (silu(x·W1) ⊙ (x·W3))·W2 for x = x[xAt .. xAt+d), W1/W3 [d, f] starting at w13At and
 * W2 [f, d] starting at w2At. Loops run along contiguous weight rows so typed-array reads stay sequential.
 */
function swigluRow(
  x: Float32Array,
  xAt: number,
  d: number,
  f: number,
  w1: Float32Array,
  w3: Float32Array,
  w13At: number,
  w2: Float32Array,
  w2At: number,
  s: Scratch,
): void {
  const { h1, h3, out } = s;
  h1.fill(0, 0, f);
  h3.fill(0, 0, f);
  for (let i = 0; i < d; i++) {
    const xi = x[xAt + i];
    if (xi === 0) continue;
    const w = w13At + i * f;
    for (let c = 0; c < f; c++) {
      h1[c] += xi * w1[w + c];
      h3[c] += xi * w3[w + c];
    }
  }
  out.fill(0, 0, d);
  for (let c = 0; c < f; c++) {
    const a = silu(h1[c]) * h3[c];
    if (a === 0) continue;
    const w = w2At + c * d;
    for (let o = 0; o < d; o++) out[o] += a * w2[w + o];
  }
}

/**
 * Step 6: the grouped expert GEMM. Row r of the result [offsets[E], d] is expert e's SwiGLU of x[rowTokens[r]],
 * where offsets[e] ≤ r < offsets[e+1]; padding rows (rowTokens = -1) are zero.
 */
export function expertFfn(
  cfg: LayerConfig,
  x: Float32Array,
  rowTokens: Int32Array,
  offsets: Int32Array,
  w1: Float32Array,
  w3: Float32Array,
  w2: Float32Array,
): Float32Array {
  const d = cfg.dModel;
  const f = cfg.ffnSize;
  const rows = new Float32Array(offsets[cfg.experts] * d);
  const s = scratchFor(d, f);
  for (let e = 0; e < cfg.experts; e++) {
    for (let r = offsets[e]; r < offsets[e + 1]; r++) {
      const t = rowTokens[r];
      if (t < 0) continue;
      swigluRow(x, t * d, d, f, w1, w3, e * d * f, w2, e * f * d, s);
      rows.set(s.out.subarray(0, d), r * d);
    }
  }
  return rows;
}

/** Σ_s shared_s(x[t]) for every token, shared experts in index order: [T, d] (zeros when S = 0). */
export function sharedExpertFfn(
  cfg: LayerConfig,
  x: Float32Array,
  sharedW1: Float32Array,
  sharedW3: Float32Array,
  sharedW2: Float32Array,
): Float32Array {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const fs = cfg.sharedFfnSize;
  const out = new Float32Array(T * d);
  if (cfg.sharedExperts === 0 || fs === 0) return out;
  const s = scratchFor(d, fs);
  const acc = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    acc.fill(0);
    for (let e = 0; e < cfg.sharedExperts; e++) {
      swigluRow(x, t * d, d, fs, sharedW1, sharedW3, e * d * fs, sharedW2, e * fs * d, s);
      for (let o = 0; o < d; o++) acc[o] += s.out[o];
    }
    out.set(acc, t * d);
  }
  return out;
}

/**
 * Step 7, token-choice: out[t] = Σ_j weight[t,j]·rows[positions[t,j]] over j ascending (dropped slots add
 * nothing), plus shared[t] when given.
 */
export function combine(
  cfg: LayerConfig,
  rows: Float32Array,
  positions: Int32Array,
  topkWeights: Float32Array,
  shared: Float32Array | null,
): Float32Array {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const k = cfg.topK;
  const out = new Float32Array(T * d);
  const acc = new Float64Array(d);
  for (let t = 0; t < T; t++) {
    acc.fill(0);
    for (let j = 0; j < k; j++) {
      const p = positions[t * k + j];
      if (p < 0) continue;
      const w = topkWeights[t * k + j];
      for (let o = 0; o < d; o++) acc[o] += w * rows[p * d + o];
    }
    if (shared) for (let o = 0; o < d; o++) acc[o] += shared[t * d + o];
    out.set(acc, t * d);
  }
  return out;
}

/**
 * Step 7, expert-choice: out[t] = Σ over experts ascending of weight·rows[offsets[e] + j] for each j with
 * ecTokens[e, j] = t, plus shared[t] when given.
 */
export function combineExpertChoice(
  cfg: LayerConfig,
  rows: Float32Array,
  ecTokens: Int32Array,
  ecWeights: Float32Array,
  capacity: number,
  offsets: Int32Array,
  shared: Float32Array | null,
): Float32Array {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const acc = new Float64Array(T * d);
  for (let e = 0; e < cfg.experts; e++) {
    for (let j = 0; j < capacity; j++) {
      const t = ecTokens[e * capacity + j];
      if (t < 0) continue;
      const w = ecWeights[e * capacity + j];
      const row = (offsets[e] + j) * d;
      for (let o = 0; o < d; o++) acc[t * d + o] += w * rows[row + o];
    }
  }
  if (shared) for (let i = 0; i < acc.length; i++) acc[i] += shared[i];
  return Float32Array.from(acc);
}
