import { useMemo } from 'react';
import { type LoadMetrics, METRIC_FORMULAS } from '../metrics';
import { PARAM_KEYS, paramDef, type Scenario } from '../scenario';
import { computeProjections, type MeasuredRun, useAppStore } from '../state';
import { speedLabel } from './export/projections';
import { fmt, fmtMs } from './format';

function differences(a: Scenario, b: Scenario): string[] {
  return PARAM_KEYS.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map(
    (k) => `${paramDef(k).label}: ${String(a[k])} → ${String(b[k])}`,
  );
}

const METRIC_ROWS: (keyof LoadMetrics)[] = [
  'maxOverMean',
  'cv2',
  'droppedFraction',
  'distinctExperts',
  'paddingRows',
];

/** Stages timed in either run, in pipeline order (so a change of d or f can be read stage by stage). */
function stageNames(a: MeasuredRun | null, b: MeasuredRun | null): { name: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const run of [a, b])
    for (const st of run?.stages ?? []) if (!seen.has(st.name)) seen.set(st.name, st.label);
  return [...seen].map(([name, label]) => ({ name, label }));
}

function stageMs(run: MeasuredRun | null, name: string): number | undefined {
  const ms = run?.stages.find((st) => st.name === name)?.medianMs;
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** The pinned result beside the current one: what changed, the load, and every chip's projection. */
export function Compare() {
  const pinned = useAppStore((s) => s.pinned);
  const unpin = useAppStore((s) => s.unpin);
  const scenario = useAppStore((s) => s.scenario);
  const measured = useAppStore((s) => s.measured);
  const imported = useAppStore((s) => s.imported);
  const before = useMemo(
    () => (pinned ? computeProjections(pinned.scenario, pinned.measured, pinned.imported) : null),
    [pinned],
  );
  const after = useMemo(
    () => computeProjections(scenario, measured, imported),
    [scenario, measured, imported],
  );
  if (!pinned || !before) return null;
  const diff = differences(pinned.scenario, scenario);
  const chips = [...new Set([...before.projections, ...after.projections].map((p) => p.chipId))];
  const metric = (run: MeasuredRun | null, key: keyof LoadMetrics) =>
    run ? fmt(run.metrics[key] as number) : '—';
  return (
    <section className="panel compare" aria-labelledby="compare-title" data-testid="compare">
      <div className="lesson-head">
        <h2 id="compare-title">Pinned versus current</h2>
        <button type="button" onClick={unpin}>
          Unpin
        </button>
      </div>
      <p>{diff.length ? `Changed: ${diff.join('; ')}.` : 'The scenarios are the same.'}</p>
      <table className="metrics">
        <caption>
          Load: pinned {pinned.measured?.provenance ?? 'not measured'}; current{' '}
          {measured?.provenance ?? 'not measured'}.
        </caption>
        <thead>
          <tr>
            <th scope="col">measured load</th>
            <th scope="col">pinned</th>
            <th scope="col">current</th>
          </tr>
        </thead>
        <tbody>
          {METRIC_ROWS.map((k) => (
            <tr key={k} data-metric={k}>
              <th scope="row">{METRIC_FORMULAS[k]?.label ?? k}</th>
              <td>{metric(pinned.measured, k)}</td>
              <td>{metric(measured, k)}</td>
            </tr>
          ))}
          {stageNames(pinned.measured, measured).map(({ name, label }) => {
            const a = stageMs(pinned.measured, name);
            const b = stageMs(measured, name);
            return (
              <tr key={name} data-stage={name} data-pinned-ms={a} data-current-ms={b}>
                <th scope="row">{label} here</th>
                <td>{fmtMs(a)}</td>
                <td>{fmtMs(b)}</td>
              </tr>
            );
          })}
          <tr>
            <th scope="row">whole layer here</th>
            <td>{fmtMs(pinned.measured?.totalMs ?? undefined)}</td>
            <td>{fmtMs(measured?.totalMs ?? undefined)}</td>
          </tr>
        </tbody>
      </table>
      <table className="metrics">
        <caption>Projected by the cost model from each scenario's load.</caption>
        <thead>
          <tr>
            <th scope="col">projected chip</th>
            <th scope="col">{speedLabel([...before.projections, ...after.projections])}: pinned</th>
            <th scope="col">current</th>
            <th scope="col">$/M tokens: pinned</th>
            <th scope="col">current</th>
          </tr>
        </thead>
        <tbody>
          {chips.map((id) => {
            const a = before.projections.find((p) => p.chipId === id);
            const b = after.projections.find((p) => p.chipId === id);
            return (
              <tr key={id} data-chip={id}>
                <th scope="row">{(a ?? b)?.chipName}</th>
                <td>{fmt(a?.tokensPerSecPerUser)}</td>
                <td>{fmt(b?.tokensPerSecPerUser)}</td>
                <td>{fmt(a?.usdPerMTokens)}</td>
                <td>{fmt(b?.usdPerMTokens)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
