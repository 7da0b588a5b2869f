import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fmt } from '../format';
import { type ChartSource, sourceText } from './scale';

export interface BiasCurveProps {
  baseline: ArrayLike<number>;
  balanced: ArrayLike<number>;
  rateNote: string;
  stepsToHalve: number | null;
  source: ChartSource;
}

/** max/mean per step with the selection bias fixed and with DeepSeek-V3-style updates between steps. */
export function BiasCurveChart({ baseline, balanced, rateNote, stepsToHalve, source }: BiasCurveProps) {
  const data = Array.from({ length: Math.min(baseline.length, balanced.length) }, (_, i) => ({
    step: i,
    baseline: baseline[i],
    balanced: balanced[i],
  }));
  const last = data[data.length - 1];
  const summary = `Bias balancing (${sourceText(source)}): max/mean ${fmt(data[0]?.balanced)} at step 0 → ${fmt(
    last?.balanced,
  )} at step ${last?.step ?? 0} with updates, ${fmt(last?.baseline)} without; ${
    stepsToHalve === null ? 'the excess never halved' : `excess halved by step ${stepsToHalve}`
  }. ${rateNote}`;
  return (
    <figure className="chart" aria-label={summary} data-testid="bias-curve" data-final={last?.balanced ?? ''}>
      <figcaption className="chart-caption">{summary}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="step" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} domain={[1, 'auto']} />
          <Tooltip formatter={(v) => fmt(Number(v))} />
          <Legend verticalAlign="top" height={24} />
          <Line
            dataKey="baseline"
            name="bias fixed"
            stroke="var(--series-bad)"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="balanced"
            name="bias updated"
            stroke="var(--series-2)"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
