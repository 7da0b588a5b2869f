import { useMemo } from 'react';
import { computeProjections, useAppStore } from '../state';
import { fmt, fmtMs } from './format';

/** Projections onto every chosen chip; recomputed synchronously on every edit (the model takes milliseconds). */
export function ProjectionsView() {
  const scenario = useAppStore((s) => s.scenario);
  const measured = useAppStore((s) => s.measured);
  const set = useMemo(() => computeProjections(scenario, measured, null), [scenario, measured]);
  return (
    <div className="panel" data-testid="projections">
      <h2>Chip comparison</h2>
      <p className="provenance-note">
        Projected by the cost model from the {set.load.source === 'uniform' ? 'assumed' : set.load.source}{' '}
        load ({set.load.label}). {set.fallbackReason}
      </p>
      {set.error ? (
        <p role="alert">The cost model could not project this scenario: {set.error}</p>
      ) : (
        <table className="metrics">
          <thead>
            <tr>
              <th scope="col">chip</th>
              <th scope="col">{scenario.phase === 'decode' ? 'time/token' : 'TTFT'}</th>
              <th scope="col">tokens/s per user</th>
              <th scope="col">throughput (tok/s)</th>
              <th scope="col">J/token</th>
              <th scope="col">$/M tokens</th>
              <th scope="col">imbalance tax</th>
            </tr>
          </thead>
          <tbody>
            {set.projections.map((p) => (
              <tr
                key={p.chipId}
                data-chip={p.chipId}
                data-tps-user={p.tokensPerSecPerUser}
                data-usd={p.usdPerMTokens}
              >
                <th scope="row">
                  {p.chipName} {p.status !== 'datasheet' && <span className="badge">{p.status}</span>}
                </th>
                <td>{fmtMs((scenario.phase === 'decode' ? p.tpot : p.ttft) * 1000)}</td>
                <td>{fmt(p.tokensPerSecPerUser)}</td>
                <td>{fmt(p.throughput)}</td>
                <td>{fmt(p.jPerToken)}</td>
                <td>{fmt(p.usdPerMTokens)}</td>
                <td>×{fmt(p.imbalanceTax.ratio)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
