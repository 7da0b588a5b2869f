import { useEffect, useMemo } from 'react';
import { scenarioToJson } from '../scenario';
import { computeProjections, currentLink, markProjectionShown, useAppStore } from '../state';
import { ChipComparison } from './charts/ChipComparison';
import { ChartFrame } from './export/ChartFrame';
import { assumptionLines, projectionsToCsv, projectionsToMarkdown } from './export/projections';
import { projectionSource } from './loadSource';

/** Projections onto every chosen chip; recomputed synchronously on every edit (the model takes milliseconds). */
export function ProjectionsView() {
  const scenario = useAppStore((s) => s.scenario);
  const measured = useAppStore((s) => s.measured);
  const imported = useAppStore((s) => s.imported);
  const set = useMemo(() => computeProjections(scenario, measured, imported), [scenario, measured, imported]);
  const loadSource = projectionSource(set, measured?.isSoftware ?? false);
  const shown = set.projections.length > 0;
  useEffect(() => {
    if (shown) markProjectionShown();
  }, [shown]);
  return (
    <section className="panel" data-testid="projections" aria-labelledby="projections-title">
      <h2 id="projections-title">Chip comparison</h2>
      {set.fallbackReason && <p className="provenance-note">{set.fallbackReason}</p>}
      {!set.error && (
        <div className="provenance-note" data-testid="projection-assumptions">
          {assumptionLines(set.projections).map((line) => (
            <p key={line}>Assumes: {line}.</p>
          ))}
        </div>
      )}
      {set.error ? (
        <p role="alert">The cost model could not project this scenario: {set.error}</p>
      ) : (
        <ChartFrame
          fileName="chip-comparison"
          label="chip comparison"
          downloads={[
            { kind: 'csv', make: () => projectionsToCsv(set.projections, { loadSource }) },
            {
              kind: 'md',
              label: 'Markdown table',
              make: () => projectionsToMarkdown(set.projections, { loadSource, link: currentLink() }),
            },
            {
              kind: 'json',
              label: 'Scenario JSON',
              fileName: 'scenario',
              make: () => scenarioToJson(scenario),
            },
          ]}
        >
          <ChipComparison projections={set.projections} loadSource={loadSource} />
        </ChartFrame>
      )}
    </section>
  );
}
