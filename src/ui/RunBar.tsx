import { cancelRun, runNow, useAppStore } from '../state';

const PHASE_TEXT = {
  preparing: 'Preparing tensors…',
  gpu: 'Running the layer on the GPU…',
  verifying: 'Checking against the CPU reference…',
  cpu: 'Running on the CPU reference engine…',
} as const;

export function RunBar() {
  const runState = useAppStore((s) => s.runState);
  const autoRun = useAppStore((s) => s.autoRun);
  const setAutoRun = useAppStore((s) => s.setAutoRun);
  const running = runState.status === 'running';
  const pin = useAppStore((s) => s.pin);
  const hasResult = useAppStore((s) => s.measured !== null);
  return (
    <div className="run-bar panel">
      <button type="button" className="primary" onClick={() => void runNow()} disabled={running}>
        Run
      </button>
      {running && (
        <button type="button" onClick={cancelRun}>
          Cancel
        </button>
      )}
      <button type="button" onClick={pin} disabled={!hasResult}>
        Pin to compare
      </button>
      <label className="inline">
        <input type="checkbox" checked={autoRun} onChange={(e) => setAutoRun(e.target.checked)} /> Re-run on
        change
      </label>
      <span className="run-status" role="status" aria-live="polite" data-testid="run-status">
        {running ? (
          <>
            <span className="spinner" aria-hidden="true" /> {PHASE_TEXT[runState.phase]}
          </>
        ) : runState.status === 'error' ? (
          `Run failed: ${runState.message}`
        ) : (
          'Ready'
        )}
      </span>
    </div>
  );
}
