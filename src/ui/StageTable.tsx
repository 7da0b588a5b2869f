import { useMemo } from 'react';
import { calibrate } from '../costmodel';
import type { MeasuredRun } from '../state';
import { fmt, fmtMs, fmtPct } from './format';

/**
 * Per-stage time on this device, with efficiency against this device's own roofline, and the cost model's
 * prediction for "this device" (calibrated from the micro-benchmark) with its error per stage.
 */
export function StageTable({ run }: { run: MeasuredRun }) {
  const roof = run.roofline;
  const calibration = useMemo(() => {
    if (!roof || run.stages.length === 0) return null;
    return calibrate(
      {
        copyGBs: roof.copyGBps,
        matmulGflops: roof.matmulGflops,
        adapter: { ...run.adapter, isFallbackAdapter: run.isSoftware },
      },
      run.stages.map((st) => ({ stage: st.name, flops: st.flops, bytes: st.bytes, measuredMs: st.medianMs })),
    );
  }, [run, roof]);
  if (run.stages.length === 0) {
    return (
      <p data-testid="stage-table">
        Whole layer: {fmtMs(run.totalMs ?? undefined)} ({run.provenance}). {run.timingNote}
      </p>
    );
  }
  const predicted = new Map(calibration?.stages.map((p) => [p.stage, p]) ?? []);
  return (
    <table className="metrics" data-testid="stage-table">
      <caption>
        GPU time per stage ({run.provenance}); median of {run.scenario.trials} trials. {run.timingNote}
        {roof &&
          ` Device roofline: copy ${fmt(roof.copyGBps)} GB/s, matmul ${fmt(roof.matmulGflops)} GFLOP/s.`}
        {calibration &&
          ` Cost-model prediction for this device (roofline + a fitted ${fmt(calibration.overheadUs)} µs per kernel): median error ${fmt(calibration.medianAbsErrorPct)}%.`}
      </caption>
      <thead>
        <tr>
          <th scope="col">stage</th>
          <th scope="col">median</th>
          <th scope="col">min</th>
          <th scope="col">efficiency</th>
          <th scope="col">predicted</th>
        </tr>
      </thead>
      <tbody>
        {run.stages.map((st) => {
          const p = predicted.get(st.name);
          return (
            <tr key={st.name} data-stage={st.name}>
              <th scope="row">{st.label}</th>
              <td>{fmtMs(st.medianMs)}</td>
              <td>{fmtMs(st.minMs)}</td>
              <td title="roofline time on this device ÷ measured median">{fmtPct(st.efficiency)}</td>
              <td title="cost model's prediction for this device and its error">
                {p ? `${fmtMs(p.predictedMs)} (${p.errorPct > 0 ? '+' : ''}${fmt(p.errorPct)}%)` : '—'}
              </td>
            </tr>
          );
        })}
        <tr>
          <th scope="row">whole layer</th>
          <td>{fmtMs(run.totalMs ?? undefined)}</td>
          <td />
          <td />
          <td>{calibration ? fmtMs(calibration.totalPredictedMs) : ''}</td>
        </tr>
      </tbody>
    </table>
  );
}
