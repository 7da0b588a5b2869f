/**
 * A seeded, portable random number generator: xoshiro128** (Blackman & Vigna) seeded through SplitMix32.
 *
 * Portability: the integer core uses only Math.imul, shifts, xor and `>>> 0`, which every engine defines exactly,
 * so the same seed gives the same 32-bit stream in every browser and Node. Uniform floats are u32 · 2^-32, exact in
 * f64. Normals (Box–Muller) would usually call Math.log and Math.cos, which ECMAScript lets engines approximate
 * (results may differ in the last ulp between V8, SpiderMonkey and JavaScriptCore); so this file computes log and
 * cos/sin itself with +, −, ×, ÷ only (IEEE-exact everywhere) and uses Math.sqrt, which IEEE 754 requires to be
 * correctly rounded. The tensors store f32, which would also hide most last-ulp differences, but not all:
 * the arithmetic here makes the guarantee exact rather than nearly always true.
 */

const TWO_POW_32 = 4294967296;

/** SplitMix32 finaliser: a 32-bit avalanche hash (every input bit affects every output bit). */
function mix32(a: number): number {
  let z = a | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Folds a key (a number, or a string's UTF-16 code units) into a 32-bit hash. */
function foldKey(h: number, key: number | string): number {
  if (typeof key === 'number') {
    // Integers up to 2^53 fold in as two 32-bit halves; the high half of a small integer is 0.
    const hi = Math.floor(key / TWO_POW_32);
    h = mix32(h ^ mix32((key >>> 0) + 0x9e3779b9));
    return mix32(h ^ mix32((hi >>> 0) + 0x7f4a7c15));
  }
  for (let i = 0; i < key.length; i++) h = mix32(h ^ Math.imul(key.charCodeAt(i) + 1, 0x9e3779b9));
  return mix32(h ^ key.length);
}

const LN2 = Math.LN2;
/** ln 2 split so k·LN2_HI is exact for |k| < 2^11 (fdlibm's constants). */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const HALF_PI = 1.5707963267948966;
/** 2/(2n+1): the atanh series for log. 13 terms reach f64 precision for |z| ≤ 0.1716. */
const LOG_TERMS = Array.from({ length: 13 }, (_, n) => 2 / (2 * n + 1));

/**
 * Natural log with +, −, ×, ÷ only (identical in every engine), for finite x > 0. Within 2 ulp of Math.log.
 * x = m·2^e with m in [√½, √2]; log m = 2·atanh(z), z = (m − 1)/(m + 1).
 */
export function portableLog(x: number): number {
  let e = 0;
  let m = x;
  while (m >= 65536) {
    m /= 65536;
    e += 16;
  }
  while (m < 1 / 65536) {
    m *= 65536;
    e -= 16;
  }
  while (m >= 2) {
    m /= 2;
    e++;
  }
  while (m < 1) {
    m *= 2;
    e--;
  }
  if (m > Math.SQRT2) {
    m /= 2;
    e++;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let s = LOG_TERMS[LOG_TERMS.length - 1];
  for (let n = LOG_TERMS.length - 2; n >= 0; n--) s = s * z2 + LOG_TERMS[n];
  return e * LN2 + z * s;
}

/** 1/n!: the Taylor series for exp. 17 terms reach f64 precision for |r| ≤ ln2/2. */
const EXP_TERMS = Array.from({ length: 17 }, (_, n) => {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return 1 / f;
});

/**
 * e^x with +, −, ×, ÷ only (identical in every engine): x = k·ln2 + r, e^r by Taylor series, times 2^k by exact
 * doubling or halving. Within a few ulp of Math.exp; 0 below −745, Infinity above 709.8.
 */
export function portableExp(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < -745.2) return 0;
  if (x > 709.79) return Number.POSITIVE_INFINITY;
  let k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let s = EXP_TERMS[EXP_TERMS.length - 1];
  for (let n = EXP_TERMS.length - 2; n >= 0; n--) s = s * r + EXP_TERMS[n];
  // Scale in steps that stay exact: halving a subnormal would round, so the last halving step is a single one.
  while (k > 0) {
    const step = Math.min(k, 30);
    s *= 2 ** step;
    k -= step;
  }
  while (k < -1000) {
    s *= 2 ** -30;
    k += 30;
  }
  return k < 0 ? s * 2 ** k : s;
}

/** sin(a) and cos(a) for a in [0, π/4] by Taylor series (10 terms reach f64 precision there). */
function sinCosSmall(a: number, out: Float64Array): void {
  const a2 = a * a;
  let s = 1;
  let c = 1;
  for (let n = 10; n >= 1; n--) {
    s = 1 - (s * a2) / (2 * n * (2 * n + 1));
    c = 1 - (c * a2) / ((2 * n - 1) * (2 * n));
  }
  out[0] = a * s;
  out[1] = c;
}

/**
 * cos(2π·turn) and sin(2π·turn) for turn in [0, 1), with +, −, ×, ÷ only. The turn is split into a quadrant and
 * an eighth exactly (turn is a multiple of 2^-32), so no π-sized argument reduction error arises.
 */
export function portableCosSinTurn(turn: number, out: Float64Array): void {
  const quarter = turn * 4;
  const q = Math.floor(quarter);
  let r = quarter - q; // in [0, 1): the angle within the quadrant, as a fraction of π/2
  const swap = r > 0.5;
  if (swap) r = 1 - r;
  sinCosSmall(r * HALF_PI, out);
  // Within the quadrant: cos θ' and sin θ' of θ' = r·π/2 (undo the reflection about π/4).
  const c = swap ? out[0] : out[1];
  const s = swap ? out[1] : out[0];
  // Rotate by q quadrants.
  if (q === 0) {
    out[0] = c;
    out[1] = s;
  } else if (q === 1) {
    out[0] = -s;
    out[1] = c;
  } else if (q === 2) {
    out[0] = -c;
    out[1] = -s;
  } else {
    out[0] = s;
    out[1] = -c;
  }
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second normal of the last Box–Muller pair, not yet returned. */
  private spareNormal = 0;
  private hasSpare = false;
  private readonly trig = new Float64Array(2);

  /** A generator with the exact xoshiro128** state given (for known-answer tests); not all zero. */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    if ((s0 | s1 | s2 | s3) === 0) throw new Error('xoshiro128** state must not be all zero');
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /**
   * An independent stream for a seed and any keys (tensor name, layer, step...): the same arguments give the
   * same stream everywhere, and different keys give unrelated streams.
   */
  static from(seed: number, ...keys: (number | string)[]): Rng {
    let h = foldKey(0x6a09e667, seed);
    for (const key of keys) h = foldKey(h, key);
    // SplitMix32 sequence from the hash fills the state; mix32 never maps four successive inputs to all zeros.
    let a = h;
    const next = () => {
      a = (a + 0x9e3779b9) | 0;
      return mix32(a);
    };
    const s0 = next();
    const s1 = next();
    const s2 = next();
    const s3 = next();
    return (s0 | s1 | s2 | s3) === 0 ? new Rng(1, 2, 3, 4) : new Rng(s0, s1, s2, s3);
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), a multiple of 2^-32. */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n) (n ≤ 2^32; bias below 2^-32·n, negligible here). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal by Box–Muller, with the portable log and cos/sin above. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    const u = (this.nextU32() + 1) / TWO_POW_32; // in (0, 1]: log is finite
    const turn = this.next();
    const radius = Math.sqrt(-2 * portableLog(u));
    portableCosSinTurn(turn, this.trig);
    this.spareNormal = radius * this.trig[1];
    this.hasSpare = true;
    return radius * this.trig[0];
  }

  /** Fills out[from..to) with normals times `scale`. */
  fillNormal(out: Float32Array | Float64Array, scale = 1, from = 0, to = out.length): void {
    for (let i = from; i < to; i++) out[i] = this.normal() * scale;
  }

  /**
   * Fills out[from..to) with uniforms in [-bound, bound): the same values as nextU32() would give, with the state
   * held in locals so the loop runs several times faster (expert weights are millions of values).
   */
  fillUniform(out: Float32Array, bound: number, from = 0, to = out.length): void {
    const step = (2 * bound) / TWO_POW_32;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = from; i < to; i++) {
      const m = Math.imul(s1, 5);
      const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = result * step - bound;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
