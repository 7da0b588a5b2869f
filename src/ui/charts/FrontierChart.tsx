import { projectionSourceText } from '../export/projections';
import { fmt } from '../format';
import { Axis, ChartSvg, type PlotBox, seriesStyle } from './Axis';
import { type ChartSource, isNum, logDomain, logScale, logTicks } from './scale';
import { useWidth } from './useWidth';
import './charts.css';

export interface FrontierChartPoint {
  batch: number;
  tokensPerSecPerUser: number;
  usdPerMTokens: number;
  /** No other batch of this chip is both faster per user and cheaper (the cost model's sweep marks it). */
  pareto?: boolean;
  /** Chips the batch needs (shown on hover). */
  chips?: number;
}

/** One chip's cost-vs-speed curve over batch sizes (the cost model's FrontierSeries fits). */
export interface FrontierChartSeries {
  chipId: string;
  /** Display name (or chipName, as the cost model's sweep names it). */
  name?: string;
  chipName?: string;
  status?: string;
  points: readonly FrontierChartPoint[];
}

export interface FrontierChartProps {
  series: readonly FrontierChartSeries[];
  /** What the projections rest on (the load's source). */
  loadSource: ChartSource;
  /** Speed each user must get (tokens/s): a vertical line, and each chip's cheapest batch that reaches it. */
  targetTokensPerSecPerUser?: number;
  testId?: string;
}

const nameOf = (s: FrontierChartSeries) => s.name ?? s.chipName ?? s.chipId;
const valid = (p: FrontierChartPoint) =>
  isNum(p.tokensPerSecPerUser) && p.tokensPerSecPerUser > 0 && isNum(p.usdPerMTokens) && p.usdPerMTokens > 0;

/** The cheapest point of a series at or above a speed per user (undefined when none reaches it). */
export function cheapestAtSpeed(
  points: readonly FrontierChartPoint[],
  target: number,
): FrontierChartPoint | undefined {
  let best: FrontierChartPoint | undefined;
  for (const p of points) {
    if (!valid(p) || p.tokensPerSecPerUser < target) continue;
    if (!best || p.usdPerMTokens < best.usdPerMTokens) best = p;
  }
  return best;
}

/** Cost-vs-speed frontier per chip: $/M tokens (log) against tokens/s per user (log), one point per batch. */
export function FrontierChart({
  series,
  loadSource,
  targetTokensPerSecPerUser,
  testId = 'frontier-chart',
}: FrontierChartProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const src = projectionSourceText(loadSource);
  const target =
    isNum(targetTokensPerSecPerUser) && targetTokensPerSecPerUser > 0 ? targetTokensPerSecPerUser : undefined;
  const drawn = series
    .map((s) => ({
      s,
      pts: s.points
        .filter(valid)
        .slice()
        .sort((a, b) => a.batch - b.batch),
    }))
    .filter((d) => d.pts.length > 0);
  const picks = drawn.map((d) => ({ d, best: target ? cheapestAtSpeed(d.pts, target) : undefined }));
  const summary =
    `Cost against speed per user for ${drawn.length} chip${drawn.length === 1 ? '' : 's'} over batch sizes (${src}).` +
    (target
      ? ` At ${fmt(target)} tokens/s per user: ` +
        picks
          .map(({ d, best }) =>
            best
              ? `${nameOf(d.s)} $${fmt(best.usdPerMTokens)}/M tokens at batch ${best.batch}`
              : `${nameOf(d.s)} cannot reach it`,
          )
          .join('; ') +
        '.'
      : '');

  if (drawn.length === 0) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-series={0}>
        <figcaption className="chart-caption">{summary}</figcaption>
        <p className="chart-empty">No frontier yet: choose chips to sweep batch sizes.</p>
      </figure>
    );
  }

  const xs = drawn.flatMap((d) => d.pts.map((p) => p.tokensPerSecPerUser));
  if (target) xs.push(target);
  const ys = drawn.flatMap((d) => d.pts.map((p) => p.usdPerMTokens));
  const [x0, x1] = logDomain(xs, 1.2);
  const [y0, y1] = logDomain(ys, 1.2);
  const height = 320;
  const box: PlotBox = { left: 62, top: 10, right: width - 16, bottom: height - 44 };
  const x = logScale(x0, x1, box.left, box.right);
  const y = logScale(y0, y1, box.bottom, box.top);
  const placed: [number, number][] = [];

  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-series={drawn.length}
      data-target={target}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <ul className="chart-legend" aria-label="Chips">
        {drawn.map(({ s }, i) => (
          <li key={s.chipId}>
            <span className="swatch" style={{ background: seriesStyle(i).colour }} aria-hidden="true" />
            {nameOf(s)}
            {s.status && s.status !== 'datasheet' ? ` (${s.status})` : ''}
          </li>
        ))}
      </ul>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label="Frontier chart: dollars per million tokens against tokens per second per user, both on log scales; labels are batch sizes."
        >
          <Axis orient="bottom" box={box} ticks={logTicks(x0, x1)} scale={x} label="tokens/s per user" />
          <Axis orient="left" box={box} ticks={logTicks(y0, y1)} scale={y} label="$ per million tokens" />
          {target && (
            <g data-target={target}>
              <line
                x1={x(target)}
                x2={x(target)}
                y1={box.top}
                y2={box.bottom}
                stroke="var(--series-bad)"
                strokeDasharray="4 3"
              />
              <text x={x(target) + 4} y={box.top + 12} style={{ fill: 'var(--series-bad)' }}>
                {`target ${fmt(target)}/s`}
              </text>
            </g>
          )}
          {drawn.map(({ s, pts }, i) => {
            const st = seriesStyle(i);
            const d = pts
              .map(
                (p, j) =>
                  `${j ? 'L' : 'M'}${x(p.tokensPerSecPerUser).toFixed(1)} ${y(p.usdPerMTokens).toFixed(1)}`,
              )
              .join('');
            const first = pts[0];
            const last = pts[pts.length - 1];
            return (
              <g key={s.chipId} data-chip={s.chipId}>
                <path d={d} fill="none" stroke={st.colour} strokeWidth={2} strokeDasharray={st.dash} />
                {pts.map((p) => (
                  <circle
                    key={p.batch}
                    cx={x(p.tokensPerSecPerUser)}
                    cy={y(p.usdPerMTokens)}
                    r={p.pareto === false ? 2.5 : 3.5}
                    style={{ fill: p.pareto === false ? 'var(--panel)' : st.colour }}
                    stroke={st.colour}
                  >
                    <title>{`${nameOf(s)}, batch ${p.batch}: ${fmt(p.tokensPerSecPerUser)} tokens/s per user, $${fmt(
                      p.usdPerMTokens,
                    )}/M tokens${isNum(p.chips) ? `, ${p.chips} chips` : ''}${p.pareto === false ? ' (dominated by another batch)' : ''}`}</title>
                  </circle>
                ))}
                {[first, last].map((p, j) => {
                  if (j === 1 && pts.length === 1) return null;
                  const px = x(p.tokensPerSecPerUser);
                  const py = y(p.usdPerMTokens) - 6;
                  // Labels point away from the plot edge and skip spots another label already took.
                  const right = j === 1 && px < box.right - 48;
                  const anchor = right ? 'start' : j === 0 && px > box.left + 48 ? 'end' : 'start';
                  const lx = anchor === 'end' ? px - 6 : right ? px + 6 : Math.min(px + 6, box.right - 44);
                  if (placed.some(([ax, ay]) => Math.abs(ax - lx) < 40 && Math.abs(ay - py) < 12))
                    return null;
                  placed.push([lx, py]);
                  return (
                    <text key={p.batch} x={lx} y={py} textAnchor={anchor} className="muted">
                      {`B=${p.batch}`}
                    </text>
                  );
                })}
              </g>
            );
          })}
        </ChartSvg>
      </div>
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>Frontier points per chip ({src})</caption>
        <thead>
          <tr>
            <th scope="col">chip</th>
            <th scope="col">batch</th>
            <th scope="col">tokens/s per user</th>
            <th scope="col">$/M tokens</th>
          </tr>
        </thead>
        <tbody>
          {drawn.flatMap(({ s, pts }) =>
            pts.map((p) => (
              <tr
                key={`${s.chipId}-${p.batch}`}
                data-chip={s.chipId}
                data-batch={p.batch}
                data-tokens-per-sec-per-user={p.tokensPerSecPerUser}
                data-usd-per-m-tokens={p.usdPerMTokens}
                data-cheapest-at-target={picks.find((k) => k.d.s === s)?.best === p ? 'true' : undefined}
              >
                <th scope="row">{nameOf(s)}</th>
                <td>{p.batch}</td>
                <td>{fmt(p.tokensPerSecPerUser)}</td>
                <td>{fmt(p.usdPerMTokens)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </figure>
  );
}
