import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmt, fmtPct } from '../format';
import { type ChartSource, sourceText } from './scale';
import './charts.css';

export interface DriftChartPoint {
  /** Steps from the end of the placement's window to the start of the judged one. */
  lag: number;
  /** Mean balancedness (mean chip load / busiest chip) of each placement on the judged windows. */
  roundRobin: number;
  fresh: number;
  stale: number;
  /** Share of fresh EPLB's gain that stale EPLB keeps; null where fresh gains nothing. */
  keptGain: number | null;
  windows?: number;
}

export interface DriftChartProps {
  points: readonly DriftChartPoint[];
  /** The smallest lag at which stale EPLB keeps less than half of fresh EPLB's gain; null: never (or no gain). */
  halfGainLag: number | null;
  /** Steps per window. */
  window: number;
  note: string;
  layerId: number;
  source: ChartSource;
  testId?: string;
}

const finite = (v: number) => Number.isFinite(v);

/** The sentence a reader takes away: how old a placement can get before it loses half its gain. */
export function halfGainText(halfGainLag: number | null, points: readonly DriftChartPoint[]): string {
  const gains = points.some((p) => p.keptGain !== null && Number.isFinite(p.keptGain));
  if (!gains)
    return 'Fresh EPLB gains nothing over round-robin here, so there is no gain for an old placement to lose.';
  if (halfGainLag !== null && Number.isFinite(halfGainLag))
    return `A placement computed ${fmt(halfGainLag)} step(s) ago keeps less than half of its gain: rebalance more often than every ${fmt(halfGainLag)} steps.`;
  const last = points[points.length - 1];
  return `A placement computed up to ${fmt(last?.lag ?? 0)} step(s) ago still keeps at least half of its gain.`;
}

/** Balancedness of round-robin, fresh EPLB and EPLB placed from an older window, against the lag in steps. */
export function DriftChart({
  points,
  halfGainLag,
  window,
  note,
  layerId,
  source,
  testId = 'drift-chart',
}: DriftChartProps) {
  const data = points
    .filter((p) => finite(p.lag) && finite(p.roundRobin) && finite(p.fresh) && finite(p.stale))
    .map((p) => ({
      lag: p.lag,
      roundRobin: p.roundRobin,
      fresh: p.fresh,
      stale: p.stale,
      keptGain: p.keptGain,
    }));
  const callout = halfGainText(halfGainLag, data);
  const first = data[0];
  const last = data[data.length - 1];
  const summary =
    data.length === 0
      ? `Placement drift, layer ${layerId} (${sourceText(source)}): nothing to show. ${note}`
      : `Placement drift, layer ${layerId} (${sourceText(source)}), windows of ${fmt(window)} step(s): balancedness ` +
        `round-robin ${fmt(first.roundRobin)}, fresh EPLB ${fmt(first.fresh)}, stale EPLB ${fmt(first.stale)} at lag ` +
        `${fmt(first.lag)} → ${fmt(last.stale)} at lag ${fmt(last.lag)}.`;
  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-points={data.length}
      data-half-gain-lag={halfGainLag ?? ''}
      data-window={window}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      {data.length > 0 ? (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis
              dataKey="lag"
              type="number"
              domain={['dataMin', 'dataMax']}
              tick={{ fontSize: 11 }}
              label={{ value: 'lag (steps)', position: 'insideBottom', offset: -8, fontSize: 11 }}
            />
            <YAxis
              tick={{ fontSize: 11 }}
              domain={['auto', 1]}
              tickFormatter={(v) => fmt(Number(v))}
              label={{ value: 'balancedness', angle: -90, position: 'insideLeft', fontSize: 11 }}
            />
            <Tooltip
              formatter={(v) => fmt(Number(v))}
              labelFormatter={(l) => `lag ${fmt(Number(l))} steps`}
            />
            <Legend verticalAlign="top" height={24} />
            <Line
              dataKey="roundRobin"
              name="round-robin"
              stroke="var(--series-bad)"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="fresh"
              name="fresh EPLB"
              stroke="var(--series-2)"
              dot={false}
              isAnimationActive={false}
            />
            <Line dataKey="stale" name="stale EPLB" stroke="var(--series-1)" isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      ) : (
        <p className="chart-empty">Nothing to show.</p>
      )}
      <p className="chart-readout" data-testid={`${testId}-callout`}>
        {callout} {note ? `${note.charAt(0).toUpperCase()}${note.slice(1)}.` : ''}
      </p>
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>Placement drift, layer {layerId}: balancedness by lag</caption>
        <thead>
          <tr>
            <th scope="col">lag (steps)</th>
            <th scope="col">round-robin</th>
            <th scope="col">fresh EPLB</th>
            <th scope="col">stale EPLB</th>
            <th scope="col">gain kept</th>
          </tr>
        </thead>
        <tbody>
          {data.map((p) => (
            <tr key={p.lag} data-lag={p.lag} data-stale={p.stale}>
              <th scope="row">{fmt(p.lag)}</th>
              <td>{fmt(p.roundRobin)}</td>
              <td>{fmt(p.fresh)}</td>
              <td>{fmt(p.stale)}</td>
              <td>{p.keptGain === null ? '—' : fmtPct(p.keptGain)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
