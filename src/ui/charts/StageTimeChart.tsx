import { fmt, fmtMs, fmtPct } from '../format';
import { Axis, ChartSvg, type PlotBox } from './Axis';
import { type ChartSource, isNum, linearScale, linearTicks, niceMax, sourceText } from './scale';
import { useWidth } from './useWidth';
import './charts.css';

/** One stage's time (the engine's StageReport fits). */
export interface StageTimeStage {
  name: string;
  label: string;
  medianMs: number;
  minMs?: number;
  /** Roofline time on this device ÷ measured median (0..1). */
  efficiency?: number;
}

export interface StageTimeChartProps {
  stages: readonly StageTimeStage[];
  /** Whole layer, wall time. */
  totalMs?: number | null;
  source: ChartSource;
  /** How times were taken (timestamps, quantised, wall time). */
  timingNote?: string;
  testId?: string;
}

/** Per-stage median time as bars (minimum marked), each labelled with its efficiency against the device roof. */
export function StageTimeChart({
  stages,
  totalMs,
  source,
  timingNote,
  testId = 'stage-time-chart',
}: StageTimeChartProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const src = sourceText(source);
  const timed = stages.filter((s) => isNum(s.medianMs) && s.medianMs >= 0);
  const slowest = timed.reduce<StageTimeStage | undefined>(
    (a, s) => (!a || s.medianMs > a.medianMs ? s : a),
    undefined,
  );
  const sum = timed.reduce((a, s) => a + s.medianMs, 0);
  const summary =
    `Time per stage (${src}): ${timed.length} stage${timed.length === 1 ? '' : 's'} timed` +
    (slowest
      ? `, slowest ${slowest.label} at ${fmtMs(slowest.medianMs)} (${fmtPct(slowest.medianMs / sum)} of the stages' time)`
      : '') +
    (isNum(totalMs ?? undefined) ? `; whole layer ${fmtMs(totalMs ?? undefined)}` : '') +
    '.' +
    (timingNote ? ` ${timingNote}` : '');

  if (timed.length === 0) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-stages={0}>
        <figcaption className="chart-caption">{summary}</figcaption>
        <p className="chart-empty">No per-stage times on this run.</p>
      </figure>
    );
  }

  const max = Math.max(...timed.map((s) => s.medianMs));
  const useUs = max < 1;
  const f = useUs ? 1000 : 1;
  const unit = useUs ? 'µs' : 'ms';
  const rowH = 24;
  const box: PlotBox = { left: 112, top: 6, right: width - 70, bottom: 6 + rowH * timed.length };
  const height = box.bottom + 40;
  const xMax = niceMax(max * f);
  const x = linearScale(0, xMax, box.left, box.right);

  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-stages={timed.length}
      data-total-ms={isNum(totalMs ?? undefined) ? (totalMs ?? undefined) : undefined}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label="Bar chart of median time per stage, with efficiency labels."
        >
          <Axis
            orient="bottom"
            box={box}
            ticks={linearTicks(0, xMax, Math.max(2, Math.floor((box.right - box.left) / 80)))}
            scale={x}
            label={`median time (${unit})`}
          />
          {timed.map((s, i) => {
            const y = box.top + i * rowH + 3;
            const w = Math.max(1, x(s.medianMs * f) - box.left);
            return (
              <g key={s.name} data-stage={s.name}>
                <text x={box.left - 6} y={y + rowH / 2} textAnchor="end">
                  {s.label}
                </text>
                <rect x={box.left} y={y} width={w} height={rowH - 8} style={{ fill: 'var(--series-1)' }}>
                  <title>{`${s.label}: median ${fmtMs(s.medianMs)}, min ${fmtMs(s.minMs)}, ${fmtPct(s.efficiency)} of this device's roofline`}</title>
                </rect>
                {isNum(s.minMs) && (
                  <line
                    x1={x(s.minMs * f)}
                    x2={x(s.minMs * f)}
                    y1={y - 2}
                    y2={y + rowH - 6}
                    stroke="var(--text)"
                    strokeWidth={1.5}
                  />
                )}
                <text x={box.left + w + 6} y={y + rowH / 2 - 1}>
                  {`${fmt(s.medianMs * f)} ${unit}`}
                  {isNum(s.efficiency) ? ` · ${fmtPct(s.efficiency)}` : ''}
                </text>
              </g>
            );
          })}
        </ChartSvg>
      </div>
      <p className="chart-note">
        Bar: median of the trials; tick: fastest trial; percentage: roofline time on this device ÷ median.
      </p>
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>Time per stage ({src})</caption>
        <thead>
          <tr>
            <th scope="col">stage</th>
            <th scope="col">median</th>
            <th scope="col">min</th>
            <th scope="col">efficiency</th>
          </tr>
        </thead>
        <tbody>
          {timed.map((s) => (
            <tr
              key={s.name}
              data-stage={s.name}
              data-median-ms={s.medianMs}
              data-min-ms={isNum(s.minMs) ? s.minMs : undefined}
              data-efficiency={isNum(s.efficiency) ? s.efficiency : undefined}
            >
              <th scope="row">{s.label}</th>
              <td>{fmtMs(s.medianMs)}</td>
              <td>{fmtMs(s.minMs)}</td>
              <td>{fmtPct(s.efficiency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
