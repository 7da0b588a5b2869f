import { useAppStore } from '../state';
import { Compare } from './Compare';
import { MeasuredView } from './MeasuredView';
import { ProjectionsView } from './ProjectionsView';
import { RunBar } from './RunBar';

export function Results() {
  const measured = useAppStore((s) => s.measured);
  return (
    <section className="results" aria-label="Results">
      <RunBar />
      <Compare />
      {measured ? (
        <MeasuredView run={measured} />
      ) : (
        <div className="panel">
          <h2>Expert load</h2>
          <p className="placeholder">Tokens per expert, measured on this device, appear here after a run.</p>
        </div>
      )}
      <ProjectionsView />
    </section>
  );
}
