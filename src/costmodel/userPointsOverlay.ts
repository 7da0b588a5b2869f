/**
 * A person's benchmark points against the projection: each point's metric projected from the same setup (signed
 * error), the median |error| over the set, and the pairs the overlay chart draws (speed per user against output
 * tokens/s per chip, measured and projected). Pure TS; the app's "Predicted vs measured" panel draws these.
 */
import { metricOf, type StackLevel, scenarioForPoint } from './benchmarkPoints';
import { projectScenario } from './project';
import type { Projection } from './types';
import type { UserPoint } from './userPoints';

export interface UserPointResult {
  point: UserPoint;
  stackLevel: StackLevel;
  /** Set when the point was projected: its metric, and the signed error (projected − measured) / measured. */
  projection?: Projection;
  projected?: number;
  error?: number;
  /** Why the point could not be projected (the model threw, or gave a number that is not finite). */
  problem?: string;
}

/** One row of the CSV on the overlay: x = output tokens/s per user, y = output tokens/s per chip. */
export interface OverlayPair {
  row: number;
  label: string;
  setup: string;
  /** The setup without its concurrency: rows of one sweep share it, and with it a colour and a projected curve. */
  group: string;
  measured: { x: number; y: number };
  projected: { x: number; y: number };
  /** The row measured only one axis; the other is the projection's (said on hover, drawn hollow). */
  xFromProjection: boolean;
  yFromProjection: boolean;
}

const finitePositive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/** "deepseek-v3 on 8× h200 (TP8 EP8), fp8/fp8, ISL 1024 / OSL 1024, concurrency 64". */
export function describeSetup(p: UserPoint): string {
  const replicas = p.replicas && p.replicas > 1 ? `, ${p.replicas} replicas` : '';
  const etp = p.etp ? ` ETP${p.etp}` : '';
  const formats = [p.weightFormat, p.expertFormat, p.kvFormat, p.actFormat].some((f) => f)
    ? `, weights ${p.weightFormat ?? 'model'}/experts ${p.expertFormat ?? 'model'}` +
      (p.kvFormat ? `/KV ${p.kvFormat}` : '') +
      (p.actFormat ? `/act ${p.actFormat}` : '')
    : '';
  const batch = p.concurrency === 'max' ? 'max concurrency' : `concurrency ${p.concurrency}`;
  return (
    `${p.model} on ${p.chips}× ${p.chip} (TP${p.tp} EP${p.ep}${etp}${replicas})${formats}, ` +
    `ISL ${p.inputLength} / OSL ${p.outputLength}, ${batch}`
  );
}

/** A projection, or why there is none; kept per setup and stack level. */
export type ProjectionCache = Map<string, Projection | string>;

/** What the projection of a point depends on: its setup and the stack level, not its metric, value or label. */
function setupKey(p: UserPoint, stackLevel: StackLevel): string {
  const { metric: _m, value: _v, label: _l, row: _r, source: _s, software: _w, id: _i, ...setup } = p;
  return `${stackLevel}|${JSON.stringify(setup, Object.keys(setup).sort())}`;
}

/** The setup a sweep over concurrency keeps fixed (model, chips, layout, formats, lengths). */
export function groupKey(p: UserPoint): string {
  const { concurrency: _c, maxBatch: _b, ...rest } = p;
  return setupKey(rest as UserPoint, 'ideal').slice('ideal|'.length);
}

/** "deepseek-v3 on 8× h200 (TP8 EP8), ISL 1024 / OSL 1024": a group's name, without the concurrency. */
export function describeGroup(p: UserPoint): string {
  return describeSetup(p).replace(/, (max concurrency|concurrency \d+)$/, '');
}

/** Concurrencies a projected curve is drawn over (whole system), 1 to 4096 in powers of two. */
export const CURVE_CONCURRENCIES: readonly number[] = Array.from({ length: 13 }, (_, i) => 2 ** i);
/** Most setups that get a projected curve: each is 13 projections, and more curves than this do not read. */
export const MAX_CURVES = 6;

export interface ProjectedCurve {
  group: string;
  name: string;
  points: { concurrency: number; x: number; y: number }[];
}

/**
 * The projected frontier of each setup the points measure (up to MAX_CURVES): the same model, chips, layout,
 * formats and lengths over CURVE_CONCURRENCIES, so a measured point can be read against the whole curve, not only
 * its own projection. Concurrencies the layout cannot hold (fewer requests than replicas) or that fail are skipped.
 */
export function projectedCurves(
  points: readonly UserPoint[],
  stackLevel: StackLevel,
  cache: ProjectionCache = new Map(),
): ProjectedCurve[] {
  const seen = new Map<string, UserPoint>();
  for (const p of points) if (!seen.has(groupKey(p)) && seen.size < MAX_CURVES) seen.set(groupKey(p), p);
  const curves: ProjectedCurve[] = [];
  for (const [group, p] of seen) {
    const replicas = p.replicas ?? 1;
    const curve: ProjectedCurve = { group, name: describeGroup(p), points: [] };
    for (const concurrency of CURVE_CONCURRENCIES) {
      if (concurrency < replicas) continue;
      const at: UserPoint = { ...p, concurrency, metric: 'tok-s-per-user', value: 1 };
      const [r] = projectUserPoints([at], stackLevel, cache);
      const proj = r.projection;
      if (!proj || r.problem) continue;
      const x = proj.tokensPerSecPerUser;
      const y = (proj.throughput * replicas) / p.chips;
      if (finitePositive(x) && finitePositive(y)) curve.points.push({ concurrency, x, y });
    }
    if (curve.points.length) curves.push(curve);
  }
  return curves;
}

/**
 * Project every point at one serving-stack level. Never throws: a point the model cannot project says why. Points
 * with the same setup (a row that gave two metrics, or an unchanged row while a person edits the CSV) are projected
 * once; pass the same `cache` across calls to keep projections between edits.
 */
export function projectUserPoints(
  points: readonly UserPoint[],
  stackLevel: StackLevel,
  cache: ProjectionCache = new Map(),
): UserPointResult[] {
  return points.map((point) => {
    const key = setupKey(point, stackLevel);
    let projection = cache.get(key);
    if (projection === undefined) {
      try {
        projection = projectScenario(scenarioForPoint(point, stackLevel), point.chip);
      } catch (err) {
        projection = `the cost model could not project it (${String((err as Error)?.message ?? err).slice(0, 120)})`;
      }
      cache.set(key, projection);
    }
    if (typeof projection === 'string') return { point, stackLevel, problem: projection };
    const projected = metricOf(point, projection);
    if (!finitePositive(projected)) {
      return { point, stackLevel, projection, problem: 'the projection is not a finite positive number' };
    }
    return { point, stackLevel, projection, projected, error: (projected - point.value) / point.value };
  });
}

/** Median of |error| over the projected points, or undefined when none was projected. */
export function medianAbsError(results: readonly UserPointResult[]): number | undefined {
  const errs = results
    .map((r) => r.error)
    .filter((e): e is number => e !== undefined && Number.isFinite(e))
    .map(Math.abs)
    .sort((a, b) => a - b);
  if (errs.length === 0) return undefined;
  const mid = errs.length >> 1;
  return errs.length % 2 ? errs[mid] : (errs[mid - 1] + errs[mid]) / 2;
}

/**
 * Where each row sits on the overlay, measured and projected. A row's metrics give its measured coordinates:
 * speed per user from TPOT or tokens/s per user, else throughput / concurrency; throughput per chip from the output
 * tokens/s, else speed × concurrency. An axis the row cannot give (concurrency "max") takes the projection's.
 */
export function overlayPairs(results: readonly UserPointResult[]): OverlayPair[] {
  const rows = new Map<number, UserPointResult[]>();
  for (const r of results) {
    if (!r.projection) continue;
    const list = rows.get(r.point.row) ?? [];
    list.push(r);
    rows.set(r.point.row, list);
  }
  const pairs: OverlayPair[] = [];
  for (const [row, list] of rows) {
    const p = list[0].point;
    const proj = list[0].projection as Projection;
    const replicas = p.replicas ?? 1;
    const projected = { x: proj.tokensPerSecPerUser, y: (proj.throughput * replicas) / p.chips };
    const value = (metric: UserPoint['metric']) => list.find((r) => r.point.metric === metric)?.point.value;
    const users = p.concurrency === 'max' ? undefined : p.concurrency;
    const tpot = value('tpot-ms');
    const total = value('output-tok-s');
    let x = value('tok-s-per-user') ?? (tpot !== undefined ? 1000 / tpot : undefined);
    if (x === undefined && total !== undefined && users !== undefined) x = total / users;
    let y = total !== undefined ? total / p.chips : undefined;
    if (y === undefined && x !== undefined && users !== undefined) y = (x * users) / p.chips;
    if (!finitePositive(projected.x) || !finitePositive(projected.y)) continue;
    pairs.push({
      row,
      label: p.label,
      setup: describeSetup(p),
      group: groupKey(p),
      measured: { x: finitePositive(x) ? x : projected.x, y: finitePositive(y) ? y : projected.y },
      projected,
      xFromProjection: !finitePositive(x),
      yFromProjection: !finitePositive(y),
    });
  }
  return pairs;
}
