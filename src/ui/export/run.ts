/** CSV and JSON of a measured (or imported) run. Pure: no DOM, no React. */
import type { LoadMetrics } from '../../metrics';
import { METRIC_FORMULAS } from '../../metrics';
import { type ChartSource, sourceFromRun, sourceText } from '../charts/scale';
import { type CsvCell, toCsv } from './csv';

/** One stage of a run as the exports need it (the engine's StageReport fits). */
export interface StageLike {
  name: string;
  label: string;
  flops: number;
  bytes: number;
  medianMs: number;
  minMs: number;
  efficiency?: number;
  samples?: number;
  source?: string;
}

/** What the run exports read: MeasuredRun fits, and so does an imported count table. */
export interface RunLike {
  provenance: string;
  isSoftware: boolean;
  engine?: 'gpu' | 'cpu' | 'precomputed';
  adapter?: { label: string; vendor?: string; architecture?: string; description?: string } | null;
  /** Overrides the measured-here source (e.g. an imported table). */
  source?: ChartSource;
  counts: ArrayLike<number>;
  kept?: ArrayLike<number>;
  /** 0 = no capacity limit. */
  capacity?: number;
  metrics?: Partial<LoadMetrics>;
  stages?: readonly StageLike[];
  totalMs?: number | null;
  timingNote?: string;
  roofline?: { copyGBps: number; matmulGflops: number; source?: string } | null;
  verification?: { status: string; detail: string };
  scenario?: unknown;
  cfg?: unknown;
  planNote?: string;
  /** Optional load matrices: steps × experts and layers × experts. */
  steps?: readonly ArrayLike<number>[];
  layers?: readonly ArrayLike<number>[];
}

export type RunTable = 'experts' | 'stages' | 'metrics' | 'steps' | 'layers';

/** The source sentence for a run: names the adapter, and says "software adapter" when it is one. */
export function runSourceText(run: RunLike): string {
  return sourceText(run.source ?? sourceFromRun(run));
}

const finite = (v: number | null | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * One table of a run as CSV. Every row carries a `source` column (measured here on …, software adapter named),
 * so the provenance survives any spreadsheet.
 */
export function runToCsv(run: RunLike, table: RunTable = 'experts'): string {
  const src = runSourceText(run);
  switch (table) {
    case 'experts': {
      const rows: CsvCell[][] = [];
      const cap = finite(run.capacity);
      for (let e = 0; e < run.counts.length; e++) {
        const count = finite(run.counts[e]);
        const kept = run.kept ? finite(run.kept[e]) : count;
        const dropped = count !== undefined && kept !== undefined ? count - kept : undefined;
        rows.push([e, count, kept, dropped, cap && cap > 0 ? cap : undefined, src]);
      }
      return toCsv(['expert', 'count', 'kept', 'dropped', 'capacity', 'source'], rows);
    }
    case 'stages': {
      const rows: CsvCell[][] = (run.stages ?? []).map((st) => {
        const ms = finite(st.medianMs);
        const seconds = ms !== undefined && ms > 0 ? ms / 1000 : undefined;
        return [
          st.name,
          st.label,
          ms,
          finite(st.minMs),
          finite(st.flops),
          finite(st.bytes),
          st.bytes > 0 ? finite(st.flops / st.bytes) : undefined,
          seconds ? finite(st.flops / seconds / 1e9) : undefined,
          seconds ? finite(st.bytes / seconds / 1e9) : undefined,
          finite(st.efficiency),
          src,
        ];
      });
      if (run.totalMs !== undefined && run.totalMs !== null) {
        rows.push(['total', 'whole layer', finite(run.totalMs), '', '', '', '', '', '', '', src]);
      }
      return toCsv(
        [
          'stage',
          'label',
          'median_ms',
          'min_ms',
          'flops',
          'bytes',
          'intensity_flop_per_byte',
          'achieved_gflop_per_s',
          'achieved_gb_per_s',
          'efficiency',
          'source',
        ],
        rows,
      );
    }
    case 'metrics': {
      const metrics = run.metrics ?? {};
      const rows: CsvCell[][] = [];
      for (const [key, value] of Object.entries(metrics)) {
        if (typeof value !== 'number') continue;
        const f = METRIC_FORMULAS[key];
        rows.push([key, f?.label ?? key, finite(value), f?.formula ?? '', src]);
      }
      return toCsv(['metric', 'label', 'value', 'formula', 'source'], rows);
    }
    case 'steps':
    case 'layers':
      return matrixToCsv(run[table] ?? [], table === 'steps' ? 'step' : 'layer', 'expert', src);
  }
}

/** A rows × columns load matrix as CSV: one row per step/layer, one column per expert, then the source. */
export function matrixToCsv(
  rows: readonly ArrayLike<number>[],
  rowLabel: string,
  colLabel: string,
  source: string,
): string {
  let cols = 0;
  for (const r of rows) cols = Math.max(cols, r.length);
  const header = [rowLabel, ...Array.from({ length: cols }, (_, c) => `${colLabel}_${c}`), 'source'];
  const body: CsvCell[][] = rows.map((r, i) => [
    i,
    ...Array.from({ length: cols }, (_, c) => (c < r.length ? finite(r[c]) : undefined)),
    source,
  ]);
  return toCsv(header, body);
}

/** Typed arrays → plain arrays; NaN and ±Infinity → null (JSON has no NaN). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : null));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** JSON text of anything the exports write (typed arrays as arrays, no NaN). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

/** The whole run as JSON, with its provenance first. `exportedAt` is an ISO time (omitted when not given). */
export function runToJson(run: RunLike, opts: { exportedAt?: string } = {}): string {
  const stages = (run.stages ?? []).map((st) => ({
    ...st,
    intensityFlopPerByte: st.bytes > 0 ? st.flops / st.bytes : null,
    achievedGflops: st.medianMs > 0 ? st.flops / (st.medianMs / 1000) / 1e9 : null,
  }));
  const out = {
    format: 'moe-lab/run',
    version: 1,
    ...(opts.exportedAt ? { exportedAt: opts.exportedAt } : {}),
    source: runSourceText(run),
    provenance: run.provenance,
    isSoftware: run.isSoftware,
    engine: run.engine ?? null,
    adapter: run.adapter ?? null,
    scenario: run.scenario ?? null,
    config: run.cfg ?? null,
    planNote: run.planNote ?? null,
    counts: run.counts,
    kept: run.kept ?? run.counts,
    capacity: run.capacity ?? 0,
    metrics: run.metrics ?? {},
    stages,
    totalMs: run.totalMs ?? null,
    timingNote: run.timingNote ?? null,
    roofline: run.roofline ?? null,
    verification: run.verification ?? null,
    ...(run.steps ? { steps: run.steps } : {}),
    ...(run.layers ? { layers: run.layers } : {}),
  };
  return toJson(out);
}
