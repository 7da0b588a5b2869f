import type { LayerConfig } from '../workload';

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

/** Rows of one expert computed together, so each weight read from memory serves several rows. */
const BLOCK = 4;

/**
 * SwiGLU for up to BLOCK rows sharing one expert: rows[outRows[b]] = (silu(x_b·W1) ⊙ (x_b·W3))·W2 where x_b starts
 * at x[xAt[b]]. Accumulators are interleaved [c·BLOCK + b] so the inner loops touch one weight per step.
 */
function swigluBlock(
  n: number,
  x: Float32Array,
  xAt: Int32Array,
  d: number,
  f: number,
  w1: Float32Array,
  w3: Float32Array,
  w13At: number,
  w2: Float32Array,
  w2At: number,
  h1: Float64Array,
  h3: Float64Array,
  acc: Float64Array,
  out: Float32Array,
  outAt: Int32Array,
): void {
  h1.fill(0, 0, f * BLOCK);
  h3.fill(0, 0, f * BLOCK);
  for (let i = 0; i < d; i++) {
    const x0 = x[xAt[0] + i];
    const x1 = n > 1 ? x[xAt[1] + i] : 0;
    const x2 = n > 2 ? x[xAt[2] + i] : 0;
    const x3 = n > 3 ? x[xAt[3] + i] : 0;
    const w = w13At + i * f;
    for (let c = 0, h = 0; c < f; c++, h += BLOCK) {
      const a = w1[w + c];
      const b = w3[w + c];
      h1[h] += x0 * a;
      h1[h + 1] += x1 * a;
      h1[h + 2] += x2 * a;
      h1[h + 3] += x3 * a;
      h3[h] += x0 * b;
      h3[h + 1] += x1 * b;
      h3[h + 2] += x2 * b;
      h3[h + 3] += x3 * b;
    }
  }
  for (let h = 0; h < f * BLOCK; h++) h1[h] = silu(h1[h]) * h3[h];
  acc.fill(0, 0, d * BLOCK);
  for (let c = 0; c < f; c++) {
    const a0 = h1[c * BLOCK];
    const a1 = h1[c * BLOCK + 1];
    const a2 = h1[c * BLOCK + 2];
    const a3 = h1[c * BLOCK + 3];
    const w = w2At + c * d;
    for (let o = 0, h = 0; o < d; o++, h += BLOCK) {
      const v = w2[w + o];
      acc[h] += a0 * v;
      acc[h + 1] += a1 * v;
      acc[h + 2] += a2 * v;
      acc[h + 3] += a3 * v;
    }
  }
  for (let b = 0; b < n; b++) for (let o = 0; o < d; o++) out[outAt[b] + o] = acc[o * BLOCK + b];
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
  const h1 = new Float64Array(f * BLOCK);
  const h3 = new Float64Array(f * BLOCK);
  const acc = new Float64Array(d * BLOCK);
  const xAt = new Int32Array(BLOCK);
  const outAt = new Int32Array(BLOCK);
  for (let e = 0; e < cfg.experts; e++) {
    let n = 0;
    for (let r = offsets[e]; r < offsets[e + 1]; r++) {
      const t = rowTokens[r];
      if (t < 0) continue;
      xAt[n] = t * d;
      outAt[n] = r * d;
      if (++n === BLOCK) {
        swigluBlock(n, x, xAt, d, f, w1, w3, e * d * f, w2, e * f * d, h1, h3, acc, rows, outAt);
        n = 0;
      }
    }
    if (n > 0) swigluBlock(n, x, xAt, d, f, w1, w3, e * d * f, w2, e * f * d, h1, h3, acc, rows, outAt);
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
