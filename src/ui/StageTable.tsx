import type { MeasuredRun } from '../state';
import { fmt, fmtMs, fmtPct } from './format';

/** Per-stage time on this device, with efficiency against this device's own roofline. */
export function StageTable({ run }: { run: MeasuredRun }) {
  if (run.stages.length === 0) {
    return (
      <p data-testid="stage-table">
        Whole layer: {fmtMs(run.totalMs ?? undefined)} ({run.provenance}). {run.timingNote}
      </p>
    );
  }
  const roof = run.roofline;
  return (
    <table className="metrics" data-testid="stage-table">
      <caption>
        GPU time per stage ({run.provenance}); median of {run.scenario.trials} trials. {run.timingNote}
        {roof &&
          ` Device roofline: copy ${fmt(roof.copyGBps)} GB/s, matmul ${fmt(roof.matmulGflops)} GFLOP/s.`}
      </caption>
      <thead>
        <tr>
          <th scope="col">stage</th>
          <th scope="col">median</th>
          <th scope="col">min</th>
          <th scope="col">efficiency</th>
        </tr>
      </thead>
      <tbody>
        {run.stages.map((st) => (
          <tr key={st.name} data-stage={st.name}>
            <th scope="row">{st.label}</th>
            <td>{fmtMs(st.medianMs)}</td>
            <td>{fmtMs(st.minMs)}</td>
            <td title="roofline time on this device ÷ measured median">{fmtPct(st.efficiency)}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">whole layer</th>
          <td>{fmtMs(run.totalMs ?? undefined)}</td>
          <td />
          <td />
        </tr>
      </tbody>
    </table>
  );
}
