import type { ChipSpec } from '../../costmodel';
import { fmt, fmtPct } from '../format';
import { Axis, ChartSvg, type PlotBox, seriesStyle } from './Axis';
import { type ChartSource, isNum, logDomain, logScale, logTicks, sourceText } from './scale';
import { useWidth } from './useWidth';
import './charts.css';

/** One measured stage (the engine's StageReport fits). */
export interface RooflineStage {
  name: string;
  label: string;
  flops: number;
  bytes: number;
  medianMs: number;
  efficiency?: number;
}

/** A chip's roof (peak compute and memory bandwidth) and optionally where a projected step sits under it. */
export interface ChipRoof {
  id: string;
  name: string;
  status?: string;
  /** Peak dense GFLOP/s at the projected precision. */
  peakGflops: number;
  /** Memory bandwidth the weights stream from, GB/s. */
  memGBps: number;
  /** Projected operating point: arithmetic intensity (FLOP/byte) and achieved GFLOP/s. */
  point?: { intensity: number; gflops: number; label?: string };
}

export interface StageRooflineProps {
  stages: readonly RooflineStage[];
  /** This device's roof from the micro-benchmark; null when there is none (CPU engine). */
  roofline: { copyGBps: number; matmulGflops: number } | null;
  source: ChartSource;
  chips?: readonly ChipRoof[];
  testId?: string;
}

/** A chip's roof from its spec: peak FLOP/s at `precision`, off-chip bandwidth (SRAM on SRAM-only chips). */
export function chipRoof(spec: ChipSpec, precision: keyof ChipSpec['flops'] = 'bf16'): ChipRoof {
  const bw = spec.memBw > 0 ? spec.memBw : spec.sramBw;
  return {
    id: spec.id,
    name: spec.name,
    status: spec.status,
    peakGflops: spec.flops[precision] / 1e9,
    memGBps: bw / 1e9,
  };
}

interface StagePoint {
  stage: RooflineStage;
  intensity: number;
  gflops: number;
  gbps: number;
}

function stagePoints(stages: readonly RooflineStage[]) {
  const points: StagePoint[] = [];
  const memoryOnly: { stage: RooflineStage; gbps: number | undefined }[] = [];
  for (const st of stages) {
    const sec = st.medianMs / 1000;
    const ok = isNum(sec) && sec > 0;
    if (isNum(st.flops) && st.flops > 0 && isNum(st.bytes) && st.bytes > 0 && ok) {
      points.push({
        stage: st,
        intensity: st.flops / st.bytes,
        gflops: st.flops / sec / 1e9,
        gbps: st.bytes / sec / 1e9,
      });
    } else {
      memoryOnly.push({ stage: st, gbps: ok && st.bytes > 0 ? st.bytes / sec / 1e9 : undefined });
    }
  }
  return { points, memoryOnly };
}

const roofAt = (i: number, peak: number, bw: number) => Math.min(peak, bw * i);

/** Roofline (log-log): this device's roof from the micro-benchmark, each measured stage, and chips' roofs. */
export function StageRoofline({
  stages,
  roofline,
  source,
  chips = [],
  testId = 'stage-roofline',
}: StageRooflineProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const src = sourceText(source);
  const { points, memoryOnly } = stagePoints(stages);
  const roof =
    roofline &&
    isNum(roofline.copyGBps) &&
    roofline.copyGBps > 0 &&
    isNum(roofline.matmulGflops) &&
    roofline.matmulGflops > 0
      ? roofline
      : null;
  const goodChips = chips.filter(
    (c) => isNum(c.peakGflops) && c.peakGflops > 0 && isNum(c.memGBps) && c.memGBps > 0,
  );
  const ridge = roof ? roof.matmulGflops / roof.copyGBps : undefined;
  const summary =
    `Roofline (${src}): ` +
    (roof
      ? `this device's roof ${fmt(roof.copyGBps)} GB/s copy bandwidth and ${fmt(roof.matmulGflops)} GFLOP/s matmul (ridge at ${fmt(ridge)} FLOP/byte). `
      : 'no device micro-benchmark, so no device roof. ') +
    (points.length
      ? points
          .map((p) => `${p.stage.label}: ${fmt(p.intensity)} FLOP/byte, ${fmt(p.gflops)} GFLOP/s`)
          .join('; ') + '.'
      : 'No stage with arithmetic was timed.') +
    (goodChips.length ? ` Projected chip roofs: ${goodChips.map((c) => c.name).join(', ')}.` : '');

  if (points.length === 0 && !roof && goodChips.length === 0) {
    return (
      <figure className="chart" aria-label={summary} data-testid={testId} data-stages={0}>
        <figcaption className="chart-caption">{summary}</figcaption>
        <p className="chart-empty">Run the layer on the GPU to place its stages under this device's roof.</p>
      </figure>
    );
  }

  const xs: number[] = points.map((p) => p.intensity);
  const ys: number[] = points.map((p) => p.gflops);
  if (ridge) xs.push(ridge);
  if (roof) ys.push(roof.matmulGflops);
  for (const c of goodChips) {
    xs.push(c.peakGflops / c.memGBps);
    ys.push(c.peakGflops);
    if (c.point && isNum(c.point.intensity) && isNum(c.point.gflops)) {
      xs.push(c.point.intensity);
      ys.push(c.point.gflops);
    }
  }
  const [x0, x1] = logDomain(xs, 3);
  let [y0, y1] = logDomain(ys, 2);
  // Keep the memory slope visible at the left edge.
  if (roof) y0 = Math.min(y0, logDomain([roof.copyGBps * x0], 1)[0]);
  y1 = Math.max(y1, y0 * 10);
  const height = 320;
  const box: PlotBox = { left: 62, top: 10, right: width - 16, bottom: height - 44 };
  const x = logScale(x0, x1, box.left, box.right);
  const y = logScale(y0, y1, box.bottom, box.top);
  const clampY = (v: number) => Math.max(box.top, Math.min(box.bottom, y(Math.max(v, y0))));
  const roofPath = (peak: number, bw: number) => {
    const r = peak / bw;
    const pts: [number, number][] = [[x0, roofAt(x0, peak, bw)]];
    if (r > x0 && r < x1) pts.push([r, peak]);
    pts.push([x1, roofAt(x1, peak, bw)]);
    return pts.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)} ${clampY(b).toFixed(1)}`).join('');
  };

  return (
    <figure
      className="chart"
      aria-label={summary}
      data-testid={testId}
      data-stages={points.length}
      data-copy-gbps={roof?.copyGBps}
      data-matmul-gflops={roof?.matmulGflops}
    >
      <figcaption className="chart-caption">{summary}</figcaption>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label="Roofline chart: arithmetic intensity against achieved GFLOP/s, both on log scales."
        >
          <Axis
            orient="bottom"
            box={box}
            ticks={logTicks(x0, x1)}
            scale={x}
            label="arithmetic intensity (FLOP/byte)"
          />
          <Axis orient="left" box={box} ticks={logTicks(y0, y1)} scale={y} label="GFLOP/s" />
          {goodChips.map((c, i) => {
            const st = seriesStyle(i + 1);
            const labelY = clampY(c.peakGflops) - 4;
            return (
              <g key={c.id} data-chip={c.id}>
                <path
                  d={roofPath(c.peakGflops, c.memGBps)}
                  fill="none"
                  stroke={st.colour}
                  strokeWidth={1.5}
                  strokeDasharray={st.dash ?? '5 3'}
                >
                  <title>{`${c.name}: ${fmt(c.peakGflops)} GFLOP/s peak, ${fmt(c.memGBps)} GB/s (projected)`}</title>
                </path>
                <text x={box.right - 2} y={labelY} textAnchor="end" style={{ fill: st.colour }}>
                  {c.name}
                  {c.status && c.status !== 'datasheet' ? ` (${c.status})` : ''}
                </text>
                {c.point &&
                  isNum(c.point.intensity) &&
                  isNum(c.point.gflops) &&
                  c.point.intensity > 0 &&
                  c.point.gflops > 0 && (
                    <path
                      d={`M${x(c.point.intensity)} ${clampY(c.point.gflops) - 6}l6 6l-6 6l-6 -6z`}
                      style={{ fill: st.colour }}
                      stroke="var(--panel)"
                    >
                      <title>{`${c.name} operating point${c.point.label ? ` (${c.point.label})` : ''}: ${fmt(c.point.intensity)} FLOP/byte, ${fmt(c.point.gflops)} GFLOP/s (projected)`}</title>
                    </path>
                  )}
              </g>
            );
          })}
          {roof && (
            <g data-roof="device">
              <path
                d={roofPath(roof.matmulGflops, roof.copyGBps)}
                fill="none"
                stroke="var(--text)"
                strokeWidth={2.5}
              />
              <text x={box.left + 6} y={clampY(roof.copyGBps * x0) - 6} className="muted">
                {`this device: ${fmt(roof.copyGBps)} GB/s`}
              </text>
              {ridge && ridge < x1 && (
                <text
                  x={Math.min(x(ridge), box.right - 4)}
                  y={clampY(roof.matmulGflops) - 5}
                  textAnchor="middle"
                  className="muted"
                >
                  {`${fmt(roof.matmulGflops)} GFLOP/s`}
                </text>
              )}
            </g>
          )}
          {points.map((p) => (
            <g key={p.stage.name} data-stage={p.stage.name}>
              <circle
                cx={x(p.intensity)}
                cy={clampY(p.gflops)}
                r={5}
                style={{ fill: 'var(--series-1)' }}
                stroke="var(--panel)"
              >
                <title>{`${p.stage.label}: ${fmt(p.intensity)} FLOP/byte, ${fmt(p.gflops)} GFLOP/s, ${fmtPct(p.stage.efficiency)} of this device's roof (measured)`}</title>
              </circle>
              <text x={x(p.intensity) + 8} y={clampY(p.gflops) + 4}>
                {p.stage.label}
              </text>
            </g>
          ))}
        </ChartSvg>
      </div>
      {memoryOnly.length > 0 && (
        <p className="chart-note" data-testid={`${testId}-memory-only`}>
          Stages with no arithmetic (not on the chart):{' '}
          {memoryOnly
            .map(
              (m) =>
                `${m.stage.label} ${m.gbps !== undefined ? `${fmt(m.gbps)} GB/s` : '—'}` +
                (roof && m.gbps !== undefined
                  ? ` (${fmtPct(m.gbps / roof.copyGBps)} of copy bandwidth)`
                  : ''),
            )
            .join('; ')}
          .
        </p>
      )}
      <table className="visually-hidden" data-testid={`${testId}-table`}>
        <caption>Stages on this device's roofline ({src})</caption>
        <thead>
          <tr>
            <th scope="col">stage</th>
            <th scope="col">FLOP/byte</th>
            <th scope="col">GFLOP/s</th>
            <th scope="col">GB/s</th>
            <th scope="col">efficiency</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr
              key={p.stage.name}
              data-stage={p.stage.name}
              data-intensity={p.intensity}
              data-gflops={p.gflops}
              data-efficiency={isNum(p.stage.efficiency) ? p.stage.efficiency : undefined}
            >
              <th scope="row">{p.stage.label}</th>
              <td>{fmt(p.intensity)}</td>
              <td>{fmt(p.gflops)}</td>
              <td>{fmt(p.gbps)}</td>
              <td>{fmtPct(p.stage.efficiency)}</td>
            </tr>
          ))}
          {memoryOnly.map((m) => (
            <tr key={m.stage.name} data-stage={m.stage.name} data-gbps={m.gbps}>
              <th scope="row">{m.stage.label}</th>
              <td>0</td>
              <td>—</td>
              <td>{fmt(m.gbps)}</td>
              <td>{fmtPct(m.stage.efficiency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
