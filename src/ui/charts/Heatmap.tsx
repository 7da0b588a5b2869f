import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { fmt, fmtPct } from '../format';
import { ChartSvg } from './Axis';
import {
  bucketOf,
  type ChartSource,
  downsample,
  heatFill,
  labelStride,
  type Matrix,
  matrixStats,
  rowShare,
  sourceText,
  toMatrix,
} from './scale';
import { useWidth } from './useWidth';
import './charts.css';

export interface HeatmapProps {
  /** One array per row (steps or layers), one value per column (experts). NaN or a short row = missing. */
  rows: readonly ArrayLike<number>[];
  /** Singular noun for a row, e.g. "step" or "layer". */
  rowLabel: string;
  /** Singular noun for a column (default "expert"). */
  colLabel?: string;
  /** What a cell counts (default "tokens"). */
  valueLabel?: string;
  rowNames?: readonly string[];
  colNames?: readonly string[];
  source: ChartSource;
  /** Caption title (default "<Rows> × <cols> load"). */
  title?: string;
  /** "row-share": each cell as a share of its row's total (rows with different token counts compare). */
  normalize?: 'none' | 'row-share';
  testId?: string;
  /** Cells drawn before block-mean downsampling (default 65 536). */
  maxCells?: number;
  /** Colour scale [min, max] shared with other heatmaps (default this matrix's own range). */
  scale?: { min: number; max: number };
  /** How a value is written (default fmt / fmtPct); e.g. bytes as KiB and MiB. */
  formatValue?: (v: number) => string;
  /** What a NaN cell stands for (default "no data"), e.g. "self (no link)". */
  missingLabel?: string;
}

const LEVELS = 24;
const MARGIN = { left: 58, right: 10, top: 8 };
const LEGEND_H = 40;

interface Cell {
  r: number;
  c: number;
}

/** Rows × columns matrix (steps × experts, layers × experts) as a colour grid, drawn as one path per colour. */
export function Heatmap({
  rows,
  rowLabel,
  colLabel = 'expert',
  valueLabel = 'tokens',
  rowNames,
  colNames,
  source,
  title,
  normalize = 'none',
  testId = 'heatmap',
  maxCells = 65536,
  scale,
  formatValue,
  missingLabel = 'no data',
}: HeatmapProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const [active, setActive] = useState<Cell | null>(null);

  const full = useMemo(() => {
    const m = toMatrix(rows);
    return normalize === 'row-share' ? rowShare(m) : m;
  }, [rows, normalize]);
  const stats = useMemo(() => matrixStats(full), [full]);
  // The colours' range: a shared scale when given and finite (widened to this matrix's own range), else its own.
  const scaleMin = scale?.min;
  const scaleMax = scale?.max;
  const colour = useMemo(
    () =>
      scaleMin !== undefined &&
      scaleMax !== undefined &&
      Number.isFinite(scaleMin) &&
      Number.isFinite(scaleMax)
        ? {
            min: Math.min(scaleMin, Number.isFinite(stats.min) ? stats.min : scaleMin),
            max: Math.max(scaleMax, Number.isFinite(stats.max) ? stats.max : scaleMax),
          }
        : { min: stats.min, max: stats.max },
    [scaleMin, scaleMax, stats.min, stats.max],
  );
  const shown = useMemo(() => downsample(full, Math.max(1, maxCells)), [full, maxCells]);
  const m: Matrix = shown.matrix;
  const rowsName = `${rowLabel}s`;
  const colsName = `${colLabel}s`;
  const heading = title ?? `${cap(rowsName)} × ${colsName} load`;
  const share = normalize === 'row-share';
  const fmtV = (v: number) =>
    !Number.isFinite(v) ? '—' : formatValue ? formatValue(v) : share ? fmtPct(v) : fmt(v);
  const unit = share ? `share of each ${rowLabel}'s ${valueLabel}` : `${valueLabel} per cell`;
  const src = sourceText(source);

  if (full.rows === 0 || full.cols === 0 || stats.finite === 0) {
    const msg = `${heading}: no data yet (${src}).`;
    return (
      <figure
        className="chart"
        aria-label={msg}
        data-testid={testId}
        data-rows={full.rows}
        data-cols={full.cols}
      >
        <figcaption className="chart-caption">{msg}</figcaption>
        <p className="chart-empty">Nothing to show.</p>
      </figure>
    );
  }

  const plotW = Math.max(40, width - MARGIN.left - MARGIN.right);
  const cellW = plotW / m.cols;
  const cellH = Math.max(1, Math.min(32, 360 / m.rows));
  const plotH = cellH * m.rows;
  const bottom = MARGIN.top + plotH;
  const height = bottom + 36 + LEGEND_H;
  const downsampled = shown.rowBlock > 1 || shown.colBlock > 1;
  const hotRows = rowSummaries(full);

  const summary =
    `${heading} (${src}): ${full.rows} ${full.rows === 1 ? rowLabel : rowsName} × ${full.cols} ${
      full.cols === 1 ? colLabel : colsName
    }, ${unit} from ${fmtV(stats.min)} to ${fmtV(stats.max)}` +
    (share ? '.' : `, total ${fmtV(stats.total)}.`) +
    (downsampled ? ` Drawn as block means of ${shown.rowBlock} × ${shown.colBlock} cells.` : '');

  const nameOf = (names: readonly string[] | undefined, i: number, block: number, n: number) => {
    const a = i * block;
    const b = Math.min(n, a + block) - 1;
    const one = (k: number) => names?.[k] ?? String(k);
    return block > 1 && b > a ? `${one(a)}–${one(b)}` : one(a);
  };
  const cellText = (cell: Cell) => {
    const v = m.data[cell.r * m.cols + cell.c];
    const rn = nameOf(rowNames, cell.r, shown.rowBlock, full.rows);
    const cn = nameOf(colNames, cell.c, shown.colBlock, full.cols);
    const unitWord = v === 1 && !downsampled ? valueLabel.replace(/s$/, '') : valueLabel;
    const val = Number.isFinite(v) ? `${fmtV(v)}${share || formatValue ? '' : ` ${unitWord}`}` : missingLabel;
    return `${rowLabel} ${rn}, ${colLabel} ${cn}: ${val}${downsampled ? ' (block mean)' : ''}`;
  };

  const onMove = (e: PointerEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left - MARGIN.left;
    const y = e.clientY - rect.top - MARGIN.top;
    const c = Math.floor(x / cellW);
    const r = Math.floor(y / cellH);
    if (c >= 0 && c < m.cols && r >= 0 && r < m.rows) {
      if (!active || active.r !== r || active.c !== c) setActive({ r, c });
    } else if (active) setActive(null);
  };
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const cur = active ?? { r: 0, c: 0 };
    const moves: Record<string, Cell> = {
      ArrowLeft: { r: cur.r, c: Math.max(0, cur.c - 1) },
      ArrowRight: { r: cur.r, c: Math.min(m.cols - 1, cur.c + 1) },
      ArrowUp: { r: Math.max(0, cur.r - 1), c: cur.c },
      ArrowDown: { r: Math.min(m.rows - 1, cur.r + 1), c: cur.c },
      Home: { r: cur.r, c: 0 },
      End: { r: cur.r, c: m.cols - 1 },
    };
    const next = moves[e.key];
    if (next) {
      e.preventDefault();
      setActive(next);
    } else if (e.key === 'Escape') setActive(null);
  };

  const rowStride = labelStride(m.rows, plotH, 13);
  const colStride = labelStride(m.cols, plotW, 26);
  const legendW = Math.min(220, plotW);
  const legendY = bottom + 36;

  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-rows={full.rows}
      data-cols={full.cols}
      data-min={stats.min}
      data-max={stats.max}
      data-total={stats.total}
      data-scale-min={colour.min}
      data-scale-max={colour.max}
      data-normalize={normalize}
      data-block={`${shown.rowBlock}x${shown.colBlock}`}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label={`${heading}: colour grid. Focus and use the arrow keys to read cells.`}
          tabIndex={0}
          onPointerMove={onMove}
          onPointerLeave={() => setActive(null)}
          onKeyDown={onKey}
        >
          <HeatCells m={m} x0={MARGIN.left} y0={MARGIN.top} cellW={cellW} cellH={cellH} stats={colour} />
          {active && (
            <rect
              x={MARGIN.left + active.c * cellW}
              y={MARGIN.top + active.r * cellH}
              width={Math.max(cellW, 2)}
              height={Math.max(cellH, 2)}
              fill="none"
              stroke="var(--text)"
              strokeWidth={1.5}
              pointerEvents="none"
            >
              <title>{cellText(active)}</title>
            </rect>
          )}
          <g aria-hidden="true">
            {everyNth(m.rows, rowStride).map((r) => (
              <text key={r} x={MARGIN.left - 5} y={MARGIN.top + (r + 0.5) * cellH + 4} textAnchor="end">
                {nameOf(rowNames, r, shown.rowBlock, full.rows)}
              </text>
            ))}
            {everyNth(m.cols, colStride).map((c) => (
              <text key={c} x={MARGIN.left + (c + 0.5) * cellW} y={bottom + 13} textAnchor="middle">
                {colNames?.[c * shown.colBlock] ?? String(c * shown.colBlock)}
              </text>
            ))}
            <text className="muted" x={MARGIN.left + plotW / 2} y={bottom + 28} textAnchor="middle">
              {colLabel}
            </text>
            <text
              className="muted"
              transform={`translate(12 ${MARGIN.top + plotH / 2}) rotate(-90)`}
              textAnchor="middle"
            >
              {rowLabel}
            </text>
            <g transform={`translate(${MARGIN.left} ${legendY})`}>
              {Array.from({ length: LEVELS }, (_, i) => (
                <rect
                  // biome-ignore lint/suspicious/noArrayIndexKey: fixed legend steps
                  key={i}
                  x={(i * legendW) / LEVELS}
                  y={0}
                  width={legendW / LEVELS + 0.5}
                  height={10}
                  style={{ fill: heatFill(i, LEVELS) }}
                />
              ))}
              <text x={0} y={24} textAnchor="start">
                {fmtV(colour.min)}
              </text>
              <text x={legendW} y={24} textAnchor="end">
                {fmtV(colour.max)}
              </text>
              <text className="muted" x={legendW + 8} y={9}>
                {unit}
              </text>
              {stats.finite < full.rows * full.cols && (
                <>
                  <rect
                    x={legendW + 8}
                    y={15}
                    width={10}
                    height={10}
                    style={{ fill: 'var(--heat-missing)' }}
                  />
                  <text className="muted" x={legendW + 22} y={24}>
                    {missingLabel}
                  </text>
                </>
              )}
            </g>
          </g>
        </ChartSvg>
      </div>
      <p className="chart-readout" aria-live="polite" data-testid={`${testId}-readout`} data-export-ignore="">
        {active ? cellText(active) : `Hover or focus the grid to read a cell.`}
      </p>
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>
          {heading}: per-{rowLabel} total and hottest {colLabel} ({src})
        </caption>
        <thead>
          <tr>
            <th scope="col">{rowLabel}</th>
            <th scope="col">total</th>
            <th scope="col">max</th>
            <th scope="col">hottest {colLabel}</th>
          </tr>
        </thead>
        <tbody>
          {hotRows.slice(0, 256).map((s) => (
            <tr key={s.row} data-row={s.row} data-total={s.total} data-max={s.max} data-argmax={s.argmax}>
              <th scope="row">{rowNames?.[s.row] ?? s.row}</th>
              <td>{fmtV(s.total)}</td>
              <td>{fmtV(s.max)}</td>
              <td>{s.argmax < 0 ? '—' : (colNames?.[s.argmax] ?? s.argmax)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** 0, n, 2n … below count. */
function everyNth(count: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i += n) out.push(i);
  return out;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function rowSummaries(m: Matrix): { row: number; total: number; max: number; argmax: number }[] {
  const out = [];
  for (let r = 0; r < m.rows; r++) {
    let total = 0;
    let max = Number.NaN;
    let argmax = -1;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c];
      if (!Number.isFinite(v)) continue;
      total += v;
      if (!(v <= max)) {
        max = v;
        argmax = c;
      }
    }
    out.push({ row: r, total, max, argmax });
  }
  return out;
}

interface CellsProps {
  m: Matrix;
  x0: number;
  y0: number;
  cellW: number;
  cellH: number;
  stats: { min: number; max: number };
}

/** One <path> per colour level: cheap for the DOM at 256 × 512 cells, themed through CSS variables. */
function HeatCells({ m, x0, y0, cellW, cellH, stats }: CellsProps) {
  const paths = useMemo(() => {
    const parts: string[][] = Array.from({ length: LEVELS + 1 }, () => []);
    const h = round2(cellH);
    for (let r = 0; r < m.rows; r++) {
      const y = round2(y0 + r * cellH);
      // Runs of equal colour along a row become one rectangle.
      let c = 0;
      while (c < m.cols) {
        const b = bucketOf(m.data[r * m.cols + c], stats.min, stats.max, LEVELS);
        let end = c + 1;
        while (end < m.cols && bucketOf(m.data[r * m.cols + end], stats.min, stats.max, LEVELS) === b) end++;
        const x = round2(x0 + c * cellW);
        const runW = round2((end - c) * cellW);
        parts[b < 0 ? LEVELS : b].push(`M${x} ${y}h${runW}v${h}h${-runW}z`);
        c = end;
      }
    }
    return parts.map((p) => p.join(''));
  }, [m, x0, y0, cellW, cellH, stats.min, stats.max]);
  return (
    <g shapeRendering="crispEdges" aria-hidden="true">
      {paths.map((d, i) =>
        d ? (
          <path
            // biome-ignore lint/suspicious/noArrayIndexKey: one path per fixed colour level
            key={i}
            d={d}
            data-level={i === LEVELS ? 'missing' : i}
            style={{ fill: i === LEVELS ? 'var(--heat-missing)' : heatFill(i, LEVELS) }}
          />
        ) : null,
      )}
    </g>
  );
}

const round2 = (v: number) => Math.round(v * 100) / 100;
