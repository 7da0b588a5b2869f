import { useId, useState } from 'react';
import type { Projection, StageTimes } from '../../costmodel';
import {
  fmtRate,
  fmtTax,
  projectionSourceText,
  STAGE_KEYS,
  STAGE_NAMES,
  speedLabel,
  taxCauses,
  taxCausesText,
} from '../export/projections';
import { fmt, fmtPct } from '../format';
import { Axis, ChartSvg, type PlotBox } from './Axis';
import { type ChartSource, isNum, linearScale, linearTicks, niceMax } from './scale';
import { useWidth } from './useWidth';
import './charts.css';

export interface ChipComparisonProps {
  projections: readonly Projection[];
  /** Where the load behind the projections comes from (measured here on …, imported, uniform). */
  loadSource: ChartSource;
  /** Bars in absolute time per step, or as each stage's share of the chip's step (default absolute). */
  initialMode?: 'absolute' | 'share';
  testId?: string;
}

const STAGE_COLOUR: Record<keyof StageTimes, string> = {
  attention: 'var(--stage-attention)',
  router: 'var(--stage-router)',
  dispatch: 'var(--stage-dispatch)',
  experts: 'var(--stage-experts)',
  combine: 'var(--stage-combine)',
  shared: 'var(--stage-shared)',
  dense: 'var(--stage-dense)',
  head: 'var(--stage-head)',
  pipeline: 'var(--stage-pipeline)',
  draft: 'var(--stage-draft)',
  host: 'var(--stage-host)',
};

/** A data-* attribute value: finite numbers only (React would print NaN). */
const num = (v: number | undefined) => (isNum(v) ? v : undefined);

/** Seconds in the unit that suits the largest value. */
function timeUnit(maxSeconds: number): { unit: string; factor: number } {
  if (!(maxSeconds > 0) || maxSeconds >= 1) return { unit: 's', factor: 1 };
  if (maxSeconds >= 1e-3) return { unit: 'ms', factor: 1e3 };
  if (maxSeconds >= 1e-6) return { unit: 'µs', factor: 1e6 };
  return { unit: 'ns', factor: 1e9 };
}

export function StatusBadge({ status }: { status: string }) {
  if (status === 'datasheet') return null;
  return (
    <span
      className={`status-badge status-${status}`}
      title={
        status === 'hypothetical'
          ? 'A chip that does not exist: figures are design assumptions.'
          : 'Some figures are estimates, not vendor datasheet values.'
      }
    >
      {status}
    </span>
  );
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Chips side by side: stacked latency breakdown per step, and the headline numbers in a table. */
export function ChipComparison({
  projections,
  loadSource,
  initialMode = 'absolute',
  testId = 'chip-comparison',
}: ChipComparisonProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const [mode, setMode] = useState(initialMode);
  const radioName = useId();
  const src = projectionSourceText(loadSource);

  if (projections.length === 0) {
    const msg = `Chip comparison: no chips chosen (${src}).`;
    return (
      <figure className="chart" aria-label={msg} data-testid={testId} data-chips={0}>
        <figcaption className="chart-caption">{msg}</figcaption>
        <p className="chart-empty">Pick chips in the hardware panel to compare them.</p>
      </figure>
    );
  }

  const best = (key: 'tokensPerSecPerUser' | 'usdPerMTokens', better: (a: number, b: number) => boolean) => {
    let pick: Projection | undefined;
    for (const p of projections) if (isNum(p[key]) && (!pick || better(p[key], pick[key]))) pick = p;
    return pick;
  };
  const speed = speedLabel(projections);
  const prefill = speed === 'prompt tokens/s';
  const fastest = best('tokensPerSecPerUser', (a, b) => a > b);
  const cheapest = best('usdPerMTokens', (a, b) => a < b);
  const summary =
    `Chip comparison of ${projections.length} chip${projections.length === 1 ? '' : 's'}, ${src}.` +
    (fastest
      ? ` Fastest ${prefill ? 'prompt reading' : 'per user'}: ${fastest.chipName} (${fmt(fastest.tokensPerSecPerUser)} ${speed}).`
      : '') +
    (cheapest ? ` Cheapest: ${cheapest.chipName} ($${fmt(cheapest.usdPerMTokens)} per million tokens).` : '');

  const used = STAGE_KEYS.filter((k) => projections.some((p) => isNum(p.breakdown[k]) && p.breakdown[k] > 0));
  const stackSum = (p: Projection) =>
    used.reduce((s, k) => s + (isNum(p.breakdown[k]) ? p.breakdown[k] : 0), 0);
  const maxSum = Math.max(
    0,
    ...projections.map((p) => Math.max(stackSum(p), isNum(p.stepTime) ? p.stepTime : 0)),
  );
  const { unit, factor } = timeUnit(maxSum);
  const share = mode === 'share';

  const rowH = 26;
  const box: PlotBox = {
    left: Math.min(170, Math.max(90, width * 0.28)),
    top: 6,
    right: width - 14,
    bottom: 6 + rowH * projections.length,
  };
  const height = box.bottom + 40;
  const xMax = share ? 1 : niceMax(maxSum * factor);
  const x = linearScale(0, xMax, box.left, box.right);
  const ticks = linearTicks(0, xMax, Math.max(2, Math.floor((box.right - box.left) / 80)));
  const labelChars = Math.floor(box.left / 6.5);

  return (
    <figure className="chart" aria-label={summary} data-testid={testId} data-chips={projections.length}>
      <figcaption className="chart-caption">{summary}</figcaption>
      <fieldset className="chart-toggle" data-export-ignore="">
        <legend className="visually-hidden">Bar scale</legend>
        <label>
          <input type="radio" name={radioName} checked={!share} onChange={() => setMode('absolute')} /> time
          per step
        </label>
        <label>
          <input type="radio" name={radioName} checked={share} onChange={() => setMode('share')} /> share of
          each chip's step
        </label>
      </fieldset>
      <ul className="chart-legend" aria-label="Stages">
        {used.map((k) => (
          <li key={k}>
            <span className="swatch" style={{ background: STAGE_COLOUR[k] }} aria-hidden="true" />
            {STAGE_NAMES[k]}
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: 'var(--text)', width: 3 }} aria-hidden="true" />
          step time after overlap
        </li>
      </ul>
      <div ref={wrapRef}>
        <ChartSvg
          width={width}
          height={height}
          label={`Latency breakdown per step for ${projections.map((p) => p.chipName).join(', ')}.`}
        >
          <Axis
            orient="bottom"
            box={box}
            ticks={ticks}
            scale={x}
            label={share ? "share of the chip's summed stage time" : `time per step (${unit}), busiest chip`}
            format={share ? (v) => fmtPct(v) : undefined}
          />
          {projections.map((p, i) => {
            const total = stackSum(p);
            const y = box.top + i * rowH + 4;
            let acc = 0;
            const step = isNum(p.stepTime) ? p.stepTime : undefined;
            return (
              <g key={p.chipId} data-chip={p.chipId}>
                <text x={box.left - 6} y={y + rowH / 2} textAnchor="end">
                  {short(p.chipName, labelChars)}
                  {p.status !== 'datasheet' ? ' *' : ''}
                </text>
                {used.map((k) => {
                  const v = isNum(p.breakdown[k]) ? p.breakdown[k] : 0;
                  if (v <= 0) return null;
                  const a = share ? (total > 0 ? acc / total : 0) : acc * factor;
                  const b = share ? (total > 0 ? (acc + v) / total : 0) : (acc + v) * factor;
                  acc += v;
                  return (
                    <rect
                      key={k}
                      x={x(a)}
                      y={y}
                      width={Math.max(0.5, x(b) - x(a))}
                      height={rowH - 8}
                      style={{ fill: STAGE_COLOUR[k] }}
                    >
                      <title>{`${p.chipName}: ${STAGE_NAMES[k]} ${fmt(v * factor)} ${unit} per step`}</title>
                    </rect>
                  );
                })}
                {step !== undefined && (
                  <line
                    x1={x(share ? (total > 0 ? Math.min(1, step / total) : 0) : step * factor)}
                    x2={x(share ? (total > 0 ? Math.min(1, step / total) : 0) : step * factor)}
                    y1={y - 3}
                    y2={y + rowH - 5}
                    stroke="var(--text)"
                    strokeWidth={2}
                  >
                    <title>{`${p.chipName}: step time ${fmt(step * factor)} ${unit} (overlap hid ${fmt(
                      (p.hiddenByOverlap ?? 0) * factor,
                    )} ${unit})`}</title>
                  </line>
                )}
              </g>
            );
          })}
        </ChartSvg>
      </div>
      {projections.some((p) => p.status !== 'datasheet') && (
        <p className="chart-note">* estimate or hypothetical chip: see the badge in the table.</p>
      )}
      <div className="chart-table-wrap" role="region" aria-label="Headline numbers per chip" tabIndex={0}>
        <table className="chart-table" data-testid={`${testId}-table`}>
          <caption className="visually-hidden">Headline numbers per chip ({src})</caption>
          <thead>
            <tr>
              <th scope="col">chip</th>
              <th scope="col">{speed}</th>
              <th scope="col">throughput (tokens/s)</th>
              <th scope="col">J/token</th>
              <th scope="col">$/M tokens</th>
              <th scope="col">imbalance tax (extra time)</th>
              <th scope="col">chips (needed)</th>
              <th scope="col">bottleneck</th>
            </tr>
          </thead>
          <tbody>
            {projections.map((p) => {
              const causes = taxCauses(p.imbalanceTax);
              return (
                <tr
                  key={p.chipId}
                  data-chip={p.chipId}
                  data-status={p.status}
                  data-tokens-per-sec-per-user={num(p.tokensPerSecPerUser)}
                  data-throughput={num(p.throughput)}
                  data-j-per-token={num(p.jPerToken)}
                  data-usd-per-m-tokens={num(p.usdPerMTokens)}
                  data-imbalance-tax={num(p.imbalanceTax.ratio)}
                  data-step-time={num(p.stepTime)}
                  data-experts-time={num(p.breakdown.experts)}
                  data-dropped-share={num(p.load.droppedFraction)}
                  data-chips={num(p.system.totalChips)}
                  data-chips-needed={num(p.system.chipsNeeded)}
                  data-fits={p.system.fits}
                >
                  <th scope="row">
                    {p.chipName}
                    <StatusBadge status={p.status} />
                  </th>
                  <td>{fmtRate(p.tokensPerSecPerUser)}</td>
                  <td>{fmtRate(p.throughput)}</td>
                  <td>{fmt(p.jPerToken)}</td>
                  <td title={`${p.cost.basis} basis`}>{fmt(p.usdPerMTokens)}</td>
                  <td
                    title={
                      `ratio ×${fmt(p.imbalanceTax.ratio, 5)}; ` +
                      (causes.length
                        ? causes.map((c) => `${c.label}: +${fmt(c.seconds * factor)} ${unit}/step`).join('; ')
                        : 'no extra time from imbalance')
                    }
                  >
                    {fmtTax(p.imbalanceTax.ratio)}
                    <div className="why">{taxCausesText(p.imbalanceTax)}</div>
                  </td>
                  <td>
                    {fmt(p.system.totalChips)} ({fmt(p.system.chipsNeeded)})
                    {!p.system.fits && (
                      <div className="why">
                        <strong>does not fit</strong>
                      </div>
                    )}
                  </td>
                  <td>{STAGE_NAMES[p.bottleneck] ?? p.bottleneck}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
