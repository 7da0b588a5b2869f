import { expectedDistinctExperts } from '../../metrics';
import { fmt } from '../format';
import { Axis, ChartSvg, type PlotBox } from './Axis';
import { type ChartSource, isNum, linearScale, linearTicks, logScale, sourceText } from './scale';
import { useWidth } from './useWidth';
import './charts.css';

export interface SparsityPoint {
  /** Sequences decoding together (tokens per step). */
  batch: number;
  /** Distinct experts touched per step (mean or median over steps). */
  distinct: number;
  /** Optional spread over steps. */
  p5?: number;
  p95?: number;
  /** Steps measured at this batch. */
  steps?: number;
}

export interface SparsityChartProps {
  experts: number;
  topK: number;
  points: readonly SparsityPoint[];
  source: ChartSource;
  testId?: string;
}

/** Powers of two in [lo, hi], thinned to at most `max` ticks. */
export function pow2Ticks(lo: number, hi: number, max = 9): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const a = Math.ceil(Math.log2(lo) - 1e-9);
  const b = Math.floor(Math.log2(hi) + 1e-9);
  const step = Math.max(1, Math.ceil((b - a + 1) / max));
  const out: number[] = [];
  for (let p = a; p <= b; p += step) out.push(2 ** p);
  return out;
}

/** Distinct experts touched per step against batch size: measured points (p5–p95 band) and the uniform line. */
export function SparsityChart({
  experts,
  topK,
  points,
  source,
  testId = 'sparsity-chart',
}: SparsityChartProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const src = sourceText(source);
  const pts = points
    .filter((p) => isNum(p.batch) && p.batch > 0 && isNum(p.distinct))
    .slice()
    .sort((a, b) => a.batch - b.batch);
  const ok = isNum(experts) && experts > 0 && isNum(topK) && topK > 0;
  const uniform = (b: number) =>
    ok ? expectedDistinctExperts(experts, Math.min(topK, experts), b) : Number.NaN;
  const last = pts[pts.length - 1];
  const summary =
    `Distinct experts touched per step against batch size (E = ${fmt(experts)}, k = ${fmt(topK)}), ${src}; ` +
    `line: uniform routing expectation E·(1 − (1 − k/E)^B).` +
    (last
      ? ` At batch ${last.batch}: ${fmt(last.distinct)} measured against ${fmt(uniform(last.batch))} if routing were uniform.`
      : ' No measured points yet.');

  if (!ok) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-points={0}>
        <figcaption className="chart-caption">{summary}</figcaption>
        <p className="chart-empty">Needs at least one expert and k ≥ 1.</p>
      </figure>
    );
  }

  const lo = pts.length ? Math.min(1, pts[0].batch) : 1;
  const hi = pts.length ? Math.max(lo * 2, last.batch) : 256;
  const height = 300;
  const box: PlotBox = { left: 56, top: 10, right: width - 16, bottom: height - 44 };
  const x = logScale(lo, hi, box.left, box.right);
  const yMax = experts;
  const y = linearScale(0, yMax, box.bottom, box.top);
  const samples = Array.from({ length: 65 }, (_, i) => lo * (hi / lo) ** (i / 64));
  const line = (f: (b: number) => number) =>
    samples.map((b, i) => `${i ? 'L' : 'M'}${x(b).toFixed(1)} ${y(f(b)).toFixed(1)}`).join('');
  const band = pts.filter((p) => isNum(p.p5) && isNum(p.p95));
  const bandPath =
    band.length >= 2
      ? `${band.map((p, i) => `${i ? 'L' : 'M'}${x(p.batch).toFixed(1)} ${y(p.p95 as number).toFixed(1)}`).join('')}${band
          .slice()
          .reverse()
          .map((p) => `L${x(p.batch).toFixed(1)} ${y(p.p5 as number).toFixed(1)}`)
          .join('')}Z`
      : '';

  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-points={pts.length}
      data-experts={experts}
      data-top-k={topK}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <ul className="chart-legend" aria-hidden="true">
        <li>
          <span className="swatch" style={{ background: 'var(--series-1)' }} /> measured
          {band.length >= 2 ? ' (band: p5–p95 over steps)' : ''}
        </li>
        <li>
          <span className="swatch" style={{ background: 'var(--series-3)' }} /> uniform expectation
        </li>
        <li>
          <span className="swatch" style={{ background: 'var(--muted)' }} /> most possible, min(E, B·k)
        </li>
      </ul>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label="Sparsity chart: distinct experts per step against batch size on a log scale."
        >
          <Axis
            orient="bottom"
            box={box}
            ticks={pow2Ticks(lo, hi)}
            scale={x}
            label="batch size B (tokens per step)"
          />
          <Axis
            orient="left"
            box={box}
            ticks={linearTicks(0, yMax, 5)}
            scale={y}
            label="distinct experts per step"
          />
          <path
            d={line((b) => Math.min(experts, b * topK))}
            fill="none"
            stroke="var(--muted)"
            strokeDasharray="2 3"
          />
          <path d={line(uniform)} fill="none" stroke="var(--series-3)" strokeWidth={2}>
            <title>uniform routing: E·(1 − (1 − k/E)^B)</title>
          </path>
          {bandPath && (
            <path d={bandPath} style={{ fill: 'var(--series-1)' }} fillOpacity={0.18} stroke="none" />
          )}
          {pts.length > 1 && (
            <path
              d={pts
                .map((p, i) => `${i ? 'L' : 'M'}${x(p.batch).toFixed(1)} ${y(p.distinct).toFixed(1)}`)
                .join('')}
              fill="none"
              stroke="var(--series-1)"
              strokeWidth={1.5}
            />
          )}
          {pts.map((p) => (
            <circle
              key={p.batch}
              cx={x(p.batch)}
              cy={y(p.distinct)}
              r={4}
              style={{ fill: 'var(--series-1)' }}
              stroke="var(--panel)"
            >
              <title>{`batch ${p.batch}: ${fmt(p.distinct)} distinct experts measured${
                isNum(p.p5) && isNum(p.p95) ? ` (p5 ${fmt(p.p5)}, p95 ${fmt(p.p95)})` : ''
              }; uniform ${fmt(uniform(p.batch))}`}</title>
            </circle>
          ))}
        </ChartSvg>
      </div>
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>Distinct experts per step ({src})</caption>
        <thead>
          <tr>
            <th scope="col">batch</th>
            <th scope="col">measured</th>
            <th scope="col">p5</th>
            <th scope="col">p95</th>
            <th scope="col">uniform expectation</th>
          </tr>
        </thead>
        <tbody>
          {pts.map((p) => (
            <tr
              key={p.batch}
              data-batch={p.batch}
              data-distinct={p.distinct}
              data-uniform={uniform(p.batch)}
              data-p5={isNum(p.p5) ? p.p5 : undefined}
              data-p95={isNum(p.p95) ? p.p95 : undefined}
            >
              <th scope="row">{p.batch}</th>
              <td>{fmt(p.distinct)}</td>
              <td>{fmt(p.p5)}</td>
              <td>{fmt(p.p95)}</td>
              <td>{fmt(uniform(p.batch))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
