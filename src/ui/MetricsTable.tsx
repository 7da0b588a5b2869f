import { type LoadMetrics, METRIC_FORMULAS } from '../metrics';
import { fmt } from './format';

/** The load metrics with their formulas on hover and keyboard focus. */
export function MetricsTable({ metrics, provenance }: { metrics: LoadMetrics; provenance: string }) {
  const rows = Object.entries(METRIC_FORMULAS).filter(
    ([key]) => metrics[key as keyof LoadMetrics] !== undefined,
  );
  return (
    <table className="metrics" data-testid="metrics-table">
      <caption>Load metrics ({provenance})</caption>
      <thead>
        <tr>
          <th scope="col">metric</th>
          <th scope="col">value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, { label, formula }]) => (
          <tr key={key} data-metric={key}>
            <th scope="row">
              <span className="formula-tip" tabIndex={0} aria-description={formula}>
                {label}
              </span>
            </th>
            <td>{fmt(metrics[key as keyof LoadMetrics] as number)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
