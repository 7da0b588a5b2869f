import {
  CartesianGrid,
  LabelList,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { OverlayPair, ProjectedCurve, StackLevel } from '../../costmodel';
import { fmt } from '../format';
import { isNum, logDomain, logTicks } from './scale';
import './charts.css';

export interface MeasuredOverlayChartProps {
  pairs: readonly OverlayPair[];
  /** The projection of each measured setup over concurrency (drawn as a dashed line in the setup's colour). */
  curves?: readonly ProjectedCurve[];
  stackLevel: StackLevel;
  testId?: string;
}

interface Dot {
  x: number;
  y: number;
  label: string;
  setup: string;
  kind: 'measured' | 'projected' | 'curve';
  /** An axis of a measured dot taken from the projection (the row did not measure it): drawn hollow. */
  borrowed: string;
  /** One colour per setup, so a measurement and its projection read as a pair; the shape tells them apart. */
  colour: string;
}

const PALETTE = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `var(--series-${i})`);

/** Hover card: whose point, measured or projected, the two numbers, and the whole setup. */
function DotTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const dot = payload?.[0]?.payload as Dot | undefined;
  if (!active || !dot) return null;
  return (
    <div className="overlay-tooltip" data-testid="measured-overlay-tooltip">
      <strong>{dot.label}</strong> ({dot.kind === 'curve' ? 'projected over concurrency' : dot.kind})
      <br />
      {fmt(dot.x)} tokens/s per user, {fmt(dot.y)} output tokens/s per chip
      {dot.borrowed && <br />}
      {dot.borrowed}
      <br />
      <span className="muted">{dot.setup}</span>
    </div>
  );
}

function DotShape(props: { cx?: number; cy?: number; payload?: Dot }) {
  const { cx, cy, payload } = props;
  if (!isNum(cx) || !isNum(cy) || !payload) return <g />;
  const colour = payload.colour;
  if (payload.kind === 'projected') {
    // A diamond: the projection, told apart from the measurement without colour.
    return (
      <path
        d={`M${cx} ${cy - 5}L${cx + 5} ${cy}L${cx} ${cy + 5}L${cx - 5} ${cy}Z`}
        fill={colour}
        stroke={colour}
      />
    );
  }
  return (
    <circle
      cx={cx}
      cy={cy}
      r={5}
      fill={payload.borrowed ? 'var(--panel)' : colour}
      stroke={colour}
      strokeWidth={2}
    />
  );
}

/** A curve's points: small and faint, there to be hovered (the concurrency and the setup). */
function CurveDot(props: { cx?: number; cy?: number; payload?: Dot }) {
  const { cx, cy, payload } = props;
  if (!isNum(cx) || !isNum(cy) || !payload) return <g />;
  return <circle cx={cx} cy={cy} r={2} fill={payload.colour} opacity={0.6} />;
}

/** A measured point's label, on one line above it (recharts' default wraps it to the symbol's width). */
function PointLabel(props: { x?: unknown; y?: unknown; value?: unknown }) {
  const { x, y, value } = props;
  if (!isNum(x) || !isNum(y) || value === undefined) return null;
  return (
    <text
      x={x}
      y={y - 9}
      textAnchor="middle"
      className="overlay-label"
      style={{ fontSize: 11, fill: 'var(--text)' }}
    >
      {String(value)}
    </text>
  );
}

/** Everything the chart draws, in plot units: the pairs it can draw, their dots, the curves' dots, the domains. */
export function overlayDots(pairs: readonly OverlayPair[], curves: readonly ProjectedCurve[]) {
  const drawn = pairs.filter((p) =>
    [p.measured.x, p.measured.y, p.projected.x, p.projected.y].every((v) => isNum(v) && v > 0),
  );
  // One colour per setup (rows of one concurrency sweep share it with their projected curve).
  const groups = [...new Set([...curves.map((c) => c.group), ...drawn.map((p) => p.group)])];
  const colourOf = (group: string) => PALETTE[groups.indexOf(group) % PALETTE.length];
  const dot = (p: OverlayPair, kind: 'measured' | 'projected'): Dot => ({
    ...p[kind],
    colour: colourOf(p.group),
    label: p.label,
    setup: p.setup,
    kind,
    borrowed:
      kind === 'measured' && (p.xFromProjection || p.yFromProjection)
        ? `(${p.xFromProjection ? 'speed per user' : 'throughput'} not measured: drawn at the projection's)`
        : '',
  });
  const curveDots = curves.map((c) =>
    c.points
      .filter((p) => isNum(p.x) && p.x > 0 && isNum(p.y) && p.y > 0)
      .map(
        (p): Dot => ({
          x: p.x,
          y: p.y,
          label: `concurrency ${p.concurrency}`,
          setup: c.name,
          kind: 'curve',
          borrowed: '',
          colour: colourOf(c.group),
        }),
      ),
  );
  const measured = drawn.map((p) => dot(p, 'measured'));
  const projected = drawn.map((p) => dot(p, 'projected'));
  const all = [...measured, ...projected, ...curveDots.flat()];
  const xDomain = logDomain(
    all.map((d) => d.x),
    1.2,
  );
  const yDomain = logDomain(
    all.map((d) => d.y),
    1.2,
  );
  return { drawn, colourOf, measured, projected, curveDots, xDomain, yDomain };
}

/** A log axis over [lo, hi] with decade ticks, numbers as people read them. */
const logAxis = ([lo, hi]: [number, number]) => ({
  type: 'number' as const,
  scale: 'log' as const,
  domain: [lo, hi],
  ticks: logTicks(lo, hi),
  allowDataOverflow: true,
  tick: { fontSize: 11 },
  tickFormatter: (v: unknown) => fmt(Number(v)),
});

function OverlayTable({
  drawn,
  stackLevel,
  testId,
}: {
  drawn: readonly OverlayPair[];
  stackLevel: StackLevel;
  testId: string;
}) {
  return (
    <table className="visually-hidden" data-testid={`${testId}-table`}>
      <caption>Measured and projected points ({stackLevel} stack)</caption>
      <thead>
        <tr>
          <th scope="col">point</th>
          <th scope="col">measured tokens/s per user</th>
          <th scope="col">measured output tokens/s per chip</th>
          <th scope="col">projected tokens/s per user</th>
          <th scope="col">projected output tokens/s per chip</th>
        </tr>
      </thead>
      <tbody>
        {drawn.map((p) => (
          <tr
            key={p.row}
            data-label={p.label}
            data-measured-x={p.measured.x}
            data-projected-x={p.projected.x}
          >
            <th scope="row">{p.label}</th>
            <td>{fmt(p.measured.x)}</td>
            <td>{fmt(p.measured.y)}</td>
            <td>{fmt(p.projected.x)}</td>
            <td>{fmt(p.projected.y)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A person's measured points beside the projection of the same setups: output tokens/s per chip against tokens/s
 * per user (log, log), the usual serving frontier axes; a line joins each measurement to its projection.
 */
export function MeasuredOverlayChart({
  pairs,
  curves = [],
  stackLevel,
  testId = 'measured-overlay-chart',
}: MeasuredOverlayChartProps) {
  const { drawn, colourOf, measured, projected, curveDots, xDomain, yDomain } = overlayDots(pairs, curves);
  const summary =
    drawn.length === 0
      ? 'Measured against projected: no point to draw.'
      : `Measured against projected (stack level ${stackLevel}) for ${drawn.length} point${drawn.length === 1 ? '' : 's'}: ` +
        'output tokens/s per chip against tokens/s per user; circles are measured, diamonds projected' +
        (curves.length ? ', dashed lines the projection of each setup over concurrency 1–4096.' : '.');
  if (drawn.length === 0) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-points={0}>
        <figcaption className="chart-caption">{summary}</figcaption>
      </figure>
    );
  }
  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-points={drawn.length}
      data-curves={curves.length}
      data-stack-level={stackLevel}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <ResponsiveContainer width="100%" height={340}>
        <ScatterChart margin={{ top: 16, right: 24, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="x"
            {...logAxis(xDomain)}
            label={{ value: 'tokens/s per user', position: 'insideBottom', offset: -12, fontSize: 11 }}
          />
          <YAxis
            dataKey="y"
            {...logAxis(yDomain)}
            width={64}
            label={{ value: 'output tokens/s per chip', angle: -90, position: 'insideLeft', fontSize: 11 }}
          />
          <Tooltip content={DotTooltip} cursor={{ strokeDasharray: '3 3' }} />
          <Legend verticalAlign="top" height={24} />
          {curves.map((c, i) => (
            <Scatter
              key={`curve-${c.group}`}
              name={`projected curve ${i + 1}`}
              data={curveDots[i]}
              line={{ stroke: colourOf(c.group), strokeDasharray: '2 4', strokeWidth: 1.5 }}
              shape={CurveDot}
              legendType="none"
              isAnimationActive={false}
            />
          ))}
          {drawn.map((p) => (
            <ReferenceLine
              key={`link-${p.row}`}
              segment={[p.measured, p.projected]}
              stroke={colourOf(p.group)}
              strokeWidth={1.5}
            />
          ))}
          <Scatter
            name="measured (yours)"
            data={measured}
            fill="var(--text)"
            shape={DotShape}
            isAnimationActive={false}
          >
            <LabelList dataKey="label" content={PointLabel} />
          </Scatter>
          <Scatter
            name={`projected (${stackLevel})`}
            data={projected}
            fill="var(--muted)"
            shape={DotShape}
            legendType="diamond"
            isAnimationActive={false}
          />
        </ScatterChart>
      </ResponsiveContainer>
      <OverlayTable drawn={drawn} stackLevel={stackLevel} testId={testId} />
    </figure>
  );
}
