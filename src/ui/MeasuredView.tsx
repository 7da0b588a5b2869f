import { useMemo } from 'react';
import { hardwareSpec } from '../costmodel';
import type { MeasuredRun } from '../state';
import { ExpertLoadChart } from './charts/ExpertLoadChart';
import { chipRoof, StageRoofline } from './charts/StageRoofline';
import { StageTimeChart } from './charts/StageTimeChart';
import { sourceFromRun } from './charts/scale';
import { ChartFrame } from './export/ChartFrame';
import { runToCsv, runToJson } from './export/run';
import { MetricsTable } from './MetricsTable';
import { StageTable } from './StageTable';

export function MeasuredView({ run }: { run: MeasuredRun }) {
  const v = run.verification;
  const source = sourceFromRun(run);
  const roofs = useMemo(
    () =>
      run.scenario.chips.flatMap((id) => {
        try {
          return [chipRoof(hardwareSpec(id).experts)];
        } catch {
          return [];
        }
      }),
    [run.scenario.chips],
  );
  return (
    <section
      className="panel"
      aria-labelledby="measured-title"
      data-testid="measured"
      data-engine={run.engine}
      data-counts={Array.from(run.counts).join(',')}
    >
      <h2 id="measured-title">Expert load</h2>
      <p className={`provenance ${run.isSoftware ? 'software' : ''}`} data-testid="provenance">
        {run.engine === 'gpu'
          ? `Measured here on ${run.adapter?.label}`
          : run.engine === 'precomputed'
            ? 'Precomputed on the CPU reference engine and shipped with the app, until this device finishes its run'
            : 'Computed on the CPU reference engine (no WebGPU)'}
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
      <ChartFrame
        fileName="expert-load"
        label="tokens per expert"
        downloads={[
          { kind: 'csv', make: () => runToCsv(run, 'experts') },
          { kind: 'json', make: () => runToJson(run) },
        ]}
      >
        <ExpertLoadChart
          counts={run.counts}
          kept={run.kept}
          capacity={run.capacity}
          provenance={run.provenance}
        />
      </ChartFrame>
      <div className="two-col">
        <MetricsTable metrics={run.metrics} provenance={run.provenance} />
        <StageTable run={run} />
      </div>
      {run.stages.length > 0 && (
        <div className="two-col">
          <ChartFrame fileName="stage-times" label="GPU time per stage">
            <StageTimeChart
              stages={run.stages}
              totalMs={run.totalMs ?? undefined}
              source={source}
              timingNote={run.timingNote}
            />
          </ChartFrame>
          <ChartFrame fileName="roofline" label="roofline">
            <StageRoofline stages={run.stages} roofline={run.roofline} source={source} chips={roofs} />
          </ChartFrame>
        </div>
      )}
    </section>
  );
}
