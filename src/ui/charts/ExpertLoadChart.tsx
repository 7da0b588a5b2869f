import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { fmt } from '../format';

export interface ExpertLoadProps {
  counts: ArrayLike<number>;
  kept: ArrayLike<number>;
  /** 0 = no capacity limit. */
  capacity: number;
  /** Where the numbers come from, e.g. "measured on google swiftshader (software adapter)". */
  provenance: string;
}

/** Tokens per expert: kept rows, the dropped overflow stacked on top, the mean and the capacity line. */
export function ExpertLoadChart({ counts, kept, capacity, provenance }: ExpertLoadProps) {
  const data = Array.from({ length: counts.length }, (_, e) => ({
    expert: e,
    kept: kept[e],
    dropped: counts[e] - kept[e],
  }));
  let total = 0;
  let max = 0;
  for (let e = 0; e < counts.length; e++) {
    total += counts[e];
    max = Math.max(max, counts[e]);
  }
  const mean = counts.length ? total / counts.length : 0;
  const summary = `Tokens per expert (${provenance}): ${counts.length} experts, mean ${fmt(mean)}, max ${fmt(max)}${
    capacity > 0 ? `, capacity ${capacity}` : ', dropless'
  }.`;
  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid="expert-load-chart"
      data-max={max}
      data-mean={mean}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 64, bottom: 8, left: 0 }} barCategoryGap={1}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="expert"
            tick={{ fontSize: 11 }}
            label={{ value: 'expert', position: 'insideBottom', offset: -4 }}
          />
          <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
          <Tooltip />
          <Legend verticalAlign="top" height={24} />
          <Bar dataKey="kept" name="kept" stackId="load" fill="var(--series-1)" isAnimationActive={false} />
          <Bar
            dataKey="dropped"
            name="dropped (over capacity)"
            stackId="load"
            fill="var(--series-bad)"
            isAnimationActive={false}
          />
          <ReferenceLine
            y={mean}
            stroke="var(--text)"
            strokeDasharray="4 4"
            label={{ value: 'mean', position: 'right', fontSize: 11 }}
          />
          {capacity > 0 && (
            <ReferenceLine
              y={capacity}
              stroke="var(--series-bad)"
              label={{ value: 'capacity', position: 'right', fontSize: 11 }}
            />
          )}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
