import {
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LayoutFrontier } from '../../costmodel';
import { projectionSourceText } from '../export/projections';
import { fmt } from '../format';
import {
  bestAtSpeed,
  type FrontierDot,
  type FrontierLine,
  type FrontierMetric,
  frontierLines,
  missingReasons,
} from './layoutFrontierData';
import { type ChartSource, isNum, logDomain, logTicks } from './scale';
import './charts.css';

export interface LayoutFrontierChartProps {
  frontiers: readonly LayoutFrontier[];
  /** y: output tokens/s per chip (the InferenceX / AIConfigurator frontier) or $ per million tokens. */
  metric: FrontierMetric;
  /** What the projections rest on (the load's source). */
  loadSource: ChartSource;
  /** Speed each user must get: a vertical line, and each chip's best point at or above it in the caption. */
  targetTokensPerSecPerUser?: number;
  /** Prefill counts prompt tokens, decode output tokens: the axes say which. */
  phase?: 'prefill' | 'decode';
  testId?: string;
}

const COLOURS = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `var(--series-${i}, var(--series-${((i - 1) % 5) + 1}))`);
const colourOf = (i: number) => COLOURS[i % COLOURS.length];

/** The axes' words: decode counts output tokens per user, prefill prompt tokens per request. */
interface Words {
  speed: string;
  perChip: string;
}
const wordsFor = (phase: 'prefill' | 'decode' | undefined): Words =>
  phase === 'prefill'
    ? { speed: 'prompt tokens/s per request', perChip: 'prompt tokens/s per chip' }
    : { speed: 'tokens/s per user', perChip: 'output tokens/s per chip' };

const yAxisText = (metric: FrontierMetric, w: Words) =>
  metric === 'cost' ? '$ per million tokens' : w.perChip;
const yText = (metric: FrontierMetric, y: number, w: Words) =>
  metric === 'cost' ? `$${fmt(y)}/M tokens` : `${fmt(y)} ${w.perChip}`;

/** Hover card: the chip, its speed and figure, and the layout the search chose for that speed. */
function LayoutTooltip({
  active,
  payload,
  metric,
  words,
}: {
  active?: boolean;
  payload?: readonly { payload?: unknown }[];
  metric: FrontierMetric;
  words: Words;
}) {
  const dot = payload?.[0]?.payload as FrontierDot | undefined;
  if (!active || !dot) return null;
  const other =
    metric === 'cost'
      ? `${fmt(dot.point.throughputPerChip)} ${words.perChip}`
      : `$${fmt(dot.point.usdPerMTokens)}/M tokens`;
  return (
    <div className="overlay-tooltip" data-testid="layout-frontier-tooltip">
      <strong>{dot.chip}</strong>
      <br />
      {fmt(dot.x)} {words.speed}, {yText(metric, dot.y, words)} ({other})
      <br />
      <span data-testid="layout-frontier-tooltip-layout">{dot.layout}</span>
    </div>
  );
}

/** A dot; hollow for chips that do not exist as sold. */
function DotShape(props: { cx?: number; cy?: number; fill?: string; hollow: boolean }) {
  const { cx, cy, fill, hollow } = props;
  if (!isNum(cx) || !isNum(cy)) return <g />;
  return <circle cx={cx} cy={cy} r={4} fill={hollow ? 'var(--panel)' : fill} stroke={fill} strokeWidth={2} />;
}

function summaryOf(
  lines: FrontierLine[],
  metric: FrontierMetric,
  w: Words,
  src: string,
  target?: number,
): string {
  const head =
    `${metric === 'cost' ? 'Cost' : 'Throughput per chip'} against speed per user for ${lines.length} chip` +
    `${lines.length === 1 ? '' : 's'}, each point the chip at the layout with the most tokens per chip at that speed (${src}).`;
  if (!target) return head;
  const picks = lines.map((l) => {
    const best = bestAtSpeed(l, target, metric);
    return best ? `${l.name} ${yText(metric, best.y, w)} (${best.layout})` : `${l.name} cannot reach it`;
  });
  return `${head} At ${fmt(target)} ${w.speed}: ${picks.join('; ')}.`;
}

interface PlotProps {
  lines: FrontierLine[];
  metric: FrontierMetric;
  words: Words;
  target?: number;
}

/** The recharts scatter: one line of dots per chip on log axes, the target speed as a dashed line. */
function FrontierPlot({ lines, metric, words, target }: PlotProps) {
  const dots = lines.flatMap((l) => l.dots);
  const [x0, x1] = logDomain([...dots.map((d) => d.x), ...(target ? [target] : [])], 1.2);
  const [y0, y1] = logDomain(
    dots.map((d) => d.y),
    1.3,
  );
  const axis = { type: 'number', scale: 'log', allowDataOverflow: true, tick: { fontSize: 11 } } as const;
  return (
    <ResponsiveContainer width="100%" height={340}>
      <ScatterChart margin={{ top: 16, right: 24, bottom: 24, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          {...axis}
          dataKey="x"
          domain={[x0, x1]}
          ticks={logTicks(x0, x1)}
          tickFormatter={(v) => fmt(Number(v))}
          label={{ value: words.speed, position: 'insideBottom', offset: -12, fontSize: 11 }}
        />
        <YAxis
          {...axis}
          dataKey="y"
          domain={[y0, y1]}
          ticks={logTicks(y0, y1)}
          width={64}
          tickFormatter={(v) => fmt(Number(v))}
          label={{ value: yAxisText(metric, words), angle: -90, position: 'insideLeft', fontSize: 11 }}
        />
        <Tooltip
          content={<LayoutTooltip metric={metric} words={words} />}
          cursor={{ strokeDasharray: '3 3' }}
        />
        <Legend verticalAlign="top" wrapperStyle={{ paddingBottom: 8 }} />
        {target && (
          <ReferenceLine
            x={target}
            stroke="var(--series-bad)"
            strokeDasharray="4 3"
            label={{ value: `target ${fmt(target)}/s`, position: 'insideTopRight', fontSize: 11 }}
          />
        )}
        {lines.map((l, i) => (
          <Scatter
            key={l.chipId}
            name={l.name}
            data={l.dots}
            fill={colourOf(i)}
            line={{
              stroke: colourOf(i),
              strokeWidth: 2,
              strokeDasharray: l.hypothetical ? '6 4' : undefined,
            }}
            shape={<DotShape hollow={l.hypothetical} />}
            isAnimationActive={false}
          />
        ))}
      </ScatterChart>
    </ResponsiveContainer>
  );
}

/** Every point as a row (screen readers and tests read the numbers and layouts here). */
function FrontierTable({ lines, metric, words, src, testId }: PlotProps & { src: string; testId: string }) {
  return (
    <table className="visually-hidden" data-testid={`${testId}-table`}>
      <caption>
        Frontier points per chip: {yAxisText(metric, words)} against {words.speed} ({src})
      </caption>
      <thead>
        <tr>
          <th scope="col">chip</th>
          <th scope="col">{words.speed}</th>
          <th scope="col">{yAxisText(metric, words)}</th>
          <th scope="col">layout</th>
        </tr>
      </thead>
      <tbody>
        {lines.flatMap((l) =>
          l.dots.map((d) => (
            <tr key={`${l.chipId}-${d.x}`} data-chip={l.chipId} data-x={d.x} data-y={d.y}>
              <th scope="row">{l.name}</th>
              <td>{fmt(d.x)}</td>
              <td>{fmt(d.y)}</td>
              <td>{d.layout}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}

/**
 * The serving frontier hardware people read (InferenceX, NVIDIA AIConfigurator): per chip, output tokens/s per chip
 * (or $/M tokens) against tokens/s per user on log axes, every point at the layout the search found best. Drawn
 * with recharts; a chip with no point is named with the reason, and an empty search says so.
 */
export function LayoutFrontierChart({
  frontiers,
  metric,
  loadSource,
  targetTokensPerSecPerUser,
  phase,
  testId = `layout-frontier-${metric}`,
}: LayoutFrontierChartProps) {
  const words = wordsFor(phase);
  const src = projectionSourceText(loadSource);
  const target =
    isNum(targetTokensPerSecPerUser) && targetTokensPerSecPerUser > 0 ? targetTokensPerSecPerUser : undefined;
  const lines = frontierLines(frontiers, metric);
  const missing = missingReasons(frontiers, metric);
  const summary = summaryOf(lines, metric, words, src, target);
  const notes = missing.length > 0 && (
    <ul className="chart-empty" data-testid={`${testId}-missing`}>
      {missing.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
  if (lines.length === 0) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-series={0} data-points={0}>
        <figcaption className="chart-caption">No frontier to draw.</figcaption>
        {notes || <p className="chart-empty">No chip to search: choose chips to compare.</p>}
      </figure>
    );
  }
  const points = lines.reduce((n, l) => n + l.dots.length, 0);
  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-series={lines.length}
      data-points={points}
      data-target={target}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <FrontierPlot lines={lines} metric={metric} words={words} target={target} />
      {notes}
      <FrontierTable lines={lines} metric={metric} words={words} src={src} testId={testId} />
    </figure>
  );
}
