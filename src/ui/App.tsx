import { ErrorBoundary } from './ErrorBoundary';
import { Header } from './Header';
import { Notices } from './Notices';
import { HardwarePanel, ModelPanel, WorkloadPanel } from './panels/Panels';
import { Results } from './Results';
import { StatusLine } from './StatusLine';

export function App() {
  return (
    <div className="app">
      <Header />
      <Notices />
      <main className="layout">
        <section className="editors" aria-label="Scenario editor">
          <ErrorBoundary name="Model panel">
            <ModelPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Workload panel">
            <WorkloadPanel />
          </ErrorBoundary>
          <ErrorBoundary name="Hardware panel">
            <HardwarePanel />
          </ErrorBoundary>
        </section>
        <ErrorBoundary name="Results">
          <Results />
        </ErrorBoundary>
      </main>
      <StatusLine />
    </div>
  );
}
