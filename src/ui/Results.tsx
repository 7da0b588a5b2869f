import { lazy, Suspense } from 'react';
import { useAppStore } from '../state';
import { ErrorBoundary } from './ErrorBoundary';
// The chip comparison is the first screen's answer, so it ships in the entry chunk (no recharts in it) and draws in
// the first render; a lazy chunk waited for every other panel's chunk and rendered seconds later on a busy machine.
import { ProjectionsView } from './ProjectionsView';
import { RunBar } from './RunBar';

// Charts (recharts and friends) load after the first screen, so the page is useful at once.
const MeasuredView = lazy(() => import('./MeasuredView').then((m) => ({ default: m.MeasuredView })));
const Compare = lazy(() => import('./Compare').then((m) => ({ default: m.Compare })));
const FrontierView = lazy(() => import('./SweepViews').then((m) => ({ default: m.FrontierView })));
const DynamicsView = lazy(() => import('./DynamicsView').then((m) => ({ default: m.DynamicsView })));
const ImportPanel = lazy(() => import('./ImportPanel').then((m) => ({ default: m.ImportPanel })));
const MeasuredVsProjected = lazy(() =>
  import('./MeasuredVsProjected').then((m) => ({ default: m.MeasuredVsProjected })),
);
const DesignView = lazy(() => import('./SweepViews').then((m) => ({ default: m.DesignView })));

const Loading = ({ what }: { what: string }) => (
  <div className="panel">
    <p className="placeholder">Loading {what}…</p>
  </div>
);

export function Results() {
  const measured = useAppStore((s) => s.measured);
  const pinned = useAppStore((s) => s.pinned !== null);
  return (
    <section className="results" aria-label="Results">
      <RunBar />
      {pinned && (
        <ErrorBoundary name="Comparison">
          <Suspense fallback={<Loading what="the comparison" />}>
            <Compare />
          </Suspense>
        </ErrorBoundary>
      )}
      <ErrorBoundary name="Expert load">
        {measured ? (
          <Suspense fallback={<Loading what="the expert load" />}>
            <MeasuredView run={measured} />
          </Suspense>
        ) : (
          <div className="panel">
            <h2>Expert load</h2>
            <p className="placeholder">
              Tokens per expert, measured on this device, appear here after a run.
            </p>
          </div>
        )}
      </ErrorBoundary>
      <ErrorBoundary name="Chip comparison">
        <ProjectionsView />
      </ErrorBoundary>
      <ErrorBoundary name="Cost versus speed">
        <Suspense fallback={<Loading what="the frontier" />}>
          <FrontierView />
        </Suspense>
      </ErrorBoundary>
      <ErrorBoundary name="Predicted vs measured">
        <Suspense fallback={<Loading what="your benchmark points" />}>
          <MeasuredVsProjected />
        </Suspense>
      </ErrorBoundary>
      <ErrorBoundary name="Dynamics">
        <Suspense fallback={<Loading what="the dynamics view" />}>
          <DynamicsView />
        </Suspense>
      </ErrorBoundary>
      <ErrorBoundary name="Import">
        <Suspense fallback={<Loading what="the importer" />}>
          <ImportPanel />
        </Suspense>
      </ErrorBoundary>
      <ErrorBoundary name="Chip design">
        <Suspense fallback={<Loading what="the chip designer" />}>
          <DesignView />
        </Suspense>
      </ErrorBoundary>
    </section>
  );
}
