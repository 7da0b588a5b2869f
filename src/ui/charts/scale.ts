/**
 * Pure helpers for the plain-SVG charts: scales, ticks, matrix statistics and downsampling, provenance text.
 * No DOM, no React: unit-tested in Node.
 */

/** Where a chart's numbers come from. Every caption states it. */
export interface ChartSource {
  kind: 'measured' | 'projected' | 'imported';
  /**
   * measured: the adapter label ("google swiftshader (software adapter)") or "the CPU reference engine";
   * projected: what the projection rests on (e.g. "load measured here on …"); imported: the file or source name.
   */
  detail: string;
  /** A software adapter (or the CPU engine): times are CPU times. Named in the caption. */
  isSoftware?: boolean;
}

/** One sentence fragment naming where numbers come from, e.g. "measured here on X (software adapter)". */
export function sourceText(s: ChartSource): string {
  const detail = s.detail.trim();
  if (s.kind === 'measured') {
    const base = detail ? `measured here on ${detail.replace(/^measured here on /i, '')}` : 'measured here';
    return s.isSoftware && !/software adapter|cpu/i.test(base) ? `${base} (software adapter)` : base;
  }
  if (s.kind === 'projected') {
    const base = detail ? `projected by the cost model from ${detail}` : 'projected by the cost model';
    return s.isSoftware && !/software adapter|cpu/i.test(base) ? `${base} (software adapter)` : base;
  }
  return detail ? `imported from ${detail}` : 'imported';
}

/** A run-like object's source: the adapter it was measured on, or the CPU engine. */
export function sourceFromRun(run: {
  engine?: 'gpu' | 'cpu' | 'precomputed';
  adapter?: { label: string } | null;
  isSoftware: boolean;
  provenance?: string;
}): ChartSource {
  if (run.engine === 'precomputed') {
    return {
      kind: 'measured',
      detail: 'the CPU reference engine (precomputed, shipped with the app)',
      isSoftware: true,
    };
  }
  if (run.engine === 'cpu' || (!run.adapter && run.engine !== 'gpu')) {
    return { kind: 'measured', detail: 'the CPU reference engine (no WebGPU)', isSoftware: true };
  }
  const detail = run.adapter?.label ?? run.provenance ?? 'this device';
  return { kind: 'measured', detail, isSoftware: run.isSoftware };
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Map [d0, d1] → [r0, r1] linearly (a zero-width domain maps to the middle of the range). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  if (!(span !== 0) || !Number.isFinite(span)) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Map [d0, d1] (both > 0) → [r0, r1] on a log scale. */
export function logScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const s = linearScale(l0, l1, r0, r1);
  return (v) => s(Math.log10(v));
}

/** A log domain covering the positive finite values, padded by `pad` (a factor) and snapped to decades. */
export function logDomain(values: readonly number[], pad = 1): [number, number] {
  const pos = values.filter((v) => isNum(v) && v > 0);
  if (pos.length === 0) return [1, 10];
  let lo = Math.min(...pos) / pad;
  let hi = Math.max(...pos) * pad;
  lo = 10 ** Math.floor(Math.log10(lo) + 1e-9);
  hi = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/** Decade ticks (1, 10, 100 …), with 2 and 5 added when the domain spans at most two decades. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return [];
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const dense = b - a <= 2;
  const step = b - a > 8 ? Math.ceil((b - a) / 8) : 1;
  const out: number[] = [];
  for (let p = a; p <= b; p += step) {
    for (const m of dense ? [1, 2, 5] : [1]) {
      const v = m * 10 ** p;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

/** About `count` round ticks covering [lo, hi] (1, 2, 5 × 10^n steps). */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!isNum(lo) || !isNum(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

/** Upper end of a linear axis starting at 0: the max rounded up to a tick step. */
export function niceMax(max: number, count = 5): number {
  if (!isNum(max) || max <= 0) return 1;
  const ticks = linearTicks(0, max, count);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : max;
  return Math.ceil(max / step - 1e-9) * step;
}

/** Short tick text: 1k, 2.5M, 1e-3 … never NaN. */
export function tickText(v: number): string {
  if (!isNum(v)) return '—';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e15 || a < 1e-3) {
    const p = Math.floor(Math.log10(a) + 1e-9);
    const m = v / 10 ** p;
    return Math.abs(Math.abs(m) - 1) < 1e-9
      ? `${m < 0 ? '-' : ''}1e${p}`
      : `${Number(m.toPrecision(2))}e${p}`;
  }
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [u, s] of units) if (a >= u) return `${Number((v / u).toPrecision(3))}${s}`;
  return `${Number(v.toPrecision(3))}`;
}

/** Show every n-th label so that labels at least `minGap` px apart fit in `length` px. */
export function labelStride(count: number, length: number, minGap: number): number {
  if (count <= 0) return 1;
  const per = length / count;
  return Math.max(1, Math.ceil(minGap / Math.max(per, 1e-9)));
}

/** A dense row-major matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  /** rows × cols values, row-major; NaN marks a missing cell. */
  data: Float64Array;
}

/** Rows of possibly different lengths → a dense matrix (short rows padded with NaN = missing). */
export function toMatrix(rows: readonly ArrayLike<number>[]): Matrix {
  const r = rows.length;
  let c = 0;
  for (const row of rows) c = Math.max(c, row.length);
  const data = new Float64Array(r * c).fill(Number.NaN);
  for (let i = 0; i < r; i++) {
    const row = rows[i];
    for (let j = 0; j < row.length; j++) {
      const v = Number(row[j]);
      data[i * c + j] = Number.isFinite(v) ? v : Number.NaN;
    }
  }
  return { rows: r, cols: c, data };
}

/** Divide each row by its sum (share of the row); rows summing to 0 stay 0. */
export function rowShare(m: Matrix): Matrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let sum = 0;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (Number.isFinite(v)) sum += v;
    }
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      data[i * m.cols + j] = Number.isFinite(v) ? (sum > 0 ? v / sum : 0) : Number.NaN;
    }
  }
  return { rows: m.rows, cols: m.cols, data };
}

export interface MatrixStats {
  min: number;
  max: number;
  total: number;
  finite: number;
}

export function matrixStats(m: Matrix): MatrixStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let total = 0;
  let finite = 0;
  for (const v of m.data) {
    if (!Number.isFinite(v)) continue;
    finite++;
    total += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return finite ? { min, max, total, finite } : { min: Number.NaN, max: Number.NaN, total: 0, finite: 0 };
}

/**
 * Block-mean downsampling so at most `maxCells` cells remain. Returns the block size in rows and columns
 * (1 × 1 when nothing was merged). Missing cells are ignored in a block's mean; an all-missing block is missing.
 */
export function downsample(
  m: Matrix,
  maxCells: number,
): { matrix: Matrix; rowBlock: number; colBlock: number } {
  if (m.rows * m.cols <= maxCells) return { matrix: m, rowBlock: 1, colBlock: 1 };
  let rb = 1;
  let cb = 1;
  // Merge along the longer side first, keeping blocks as square as possible.
  while (Math.ceil(m.rows / rb) * Math.ceil(m.cols / cb) > maxCells) {
    if (Math.ceil(m.cols / cb) >= Math.ceil(m.rows / rb)) cb++;
    else rb++;
  }
  const rows = Math.ceil(m.rows / rb);
  const cols = Math.ceil(m.cols / cb);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      let n = 0;
      for (let a = i * rb; a < Math.min(m.rows, (i + 1) * rb); a++) {
        for (let b = j * cb; b < Math.min(m.cols, (j + 1) * cb); b++) {
          const v = m.data[a * m.cols + b];
          if (Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
      }
      data[i * cols + j] = n ? sum / n : Number.NaN;
    }
  }
  return { matrix: { rows, cols, data }, rowBlock: rb, colBlock: cb };
}

/** Colour bucket 0..levels-1 of a value in [min, max] (NaN → -1). */
export function bucketOf(v: number, min: number, max: number, levels: number): number {
  if (!Number.isFinite(v)) return -1;
  if (!(max > min)) return max > 0 ? levels - 1 : 0;
  const t = (v - min) / (max - min);
  return Math.min(levels - 1, Math.max(0, Math.floor(t * levels)));
}

/**
 * The fill of bucket `i` of `levels`: a CSS color-mix along --heat-0 → --heat-1 → --heat-2, so both
 * themes work without JavaScript knowing the colours.
 */
export function heatFill(i: number, levels: number): string {
  const t = levels <= 1 ? 1 : i / (levels - 1);
  if (t <= 0.5) {
    const p = Math.round(t * 2 * 1000) / 10;
    return `color-mix(in oklab, var(--heat-1) ${p}%, var(--heat-0))`;
  }
  const p = Math.round((t - 0.5) * 2 * 1000) / 10;
  return `color-mix(in oklab, var(--heat-2) ${p}%, var(--heat-1))`;
}

/** Sorted copy of finite values, for quantiles. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
