import type { MeasuredRun } from '../state';
import { ExpertLoadChart } from './charts/ExpertLoadChart';
import { MetricsTable } from './MetricsTable';
import { StageTable } from './StageTable';

export function MeasuredView({ run }: { run: MeasuredRun }) {
  const v = run.verification;
  return (
    <div
      className="panel"
      data-testid="measured"
      data-engine={run.engine}
      data-counts={Array.from(run.counts).join(',')}
    >
      <h2>Expert load</h2>
      <p className={`provenance ${run.isSoftware ? 'software' : ''}`} data-testid="provenance">
        {run.engine === 'gpu' ? 'Measured here' : 'Computed'} on{' '}
        {run.engine === 'gpu' ? run.adapter?.label : 'the CPU reference engine'}
        {run.isSoftware && run.engine === 'gpu' && ': a software adapter, so times are CPU times'}. T ={' '}
        {run.cfg.tokens}, d = {run.cfg.dModel}, f = {run.cfg.ffnSize} as run ({run.planNote}).
      </p>
      <p
        className={`verification verification-${v.status}`}
        data-testid="verification"
        data-status={v.status}
      >
        {v.detail}
      </p>
      <ExpertLoadChart
        counts={run.counts}
        kept={run.kept}
        capacity={run.capacity}
        provenance={run.provenance}
      />
      <div className="two-col">
        <MetricsTable metrics={run.metrics} provenance={run.provenance} />
        <StageTable run={run} />
      </div>
    </div>
  );
}
