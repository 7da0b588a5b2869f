import { currentLink } from '../state';
import { ErrorBoundary } from './ErrorBoundary';
import { Header } from './Header';
import { LessonCard, LessonList } from './Lessons';
import { useModes } from './modes';
import { Notices } from './Notices';
import { HardwarePanel, ModelPanel, WorkloadPanel } from './panels/Panels';
import { Results } from './Results';
import { StatusLine } from './StatusLine';

export function App() {
  const { embed } = useModes();
  if (embed) {
    // Embed mode (slides, iframes): results and the lesson only, with a way out to the full playground.
    const full = currentLink()
      .replace(/([#&])embed=1(&|$)/, '$1')
      .replace(/[&#]$/, '');
    return (
      <div className="app embed-app">
        <main className="embed-main">
          <ErrorBoundary name="Lesson">
            <LessonCard />
          </ErrorBoundary>
          <ErrorBoundary name="Results">
            <Results />
          </ErrorBoundary>
          <a className="embed-open" href={full} target="_blank" rel="noreferrer">
            Open in moe-lab
          </a>
        </main>
        <StatusLine />
      </div>
    );
  }
  return (
    <div className="app">
      <a className="skip-link" href="#results">
        Skip to results
      </a>
      <Header />
      <Notices />
      <main className="layout">
        <section className="editors" aria-label="Scenario editor">
          <ErrorBoundary name="Lessons">
            <LessonList />
          </ErrorBoundary>
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
        <div className="results-col" id="results">
          <ErrorBoundary name="Lesson">
            <LessonCard />
          </ErrorBoundary>
          <ErrorBoundary name="Results">
            <Results />
          </ErrorBoundary>
        </div>
      </main>
      <StatusLine />
    </div>
  );
}
