import { PARAM_KEYS, paramDef, type Scenario } from '../scenario';
import { loadPrecomputedTable, precomputedKey } from './precomputed';
import { type MeasuredRun, precomputedRun, type RunPhase, runScenario } from './runner';
import { useAppStore } from './store';

export type RunState =
  | { status: 'idle' }
  | { status: 'running'; phase: RunPhase; startedAt: number }
  | { status: 'error'; message: string };

let controller: AbortController | null = null;
let generation = 0;
/**
 * The latest run, settled or not. The GPU engine runs one layer at a time and an aborted run only stops between
 * its steps, so a new run waits for the one before it instead of failing with "already running".
 */
let previousRun: Promise<unknown> = Promise.resolve();

/** Only these fields change what the kernels measure; hardware fields only change the projection. */
const MEASURED_KEYS = PARAM_KEYS.filter((k) => paramDef(k).group !== 'hardware');
function measuredFieldsDiffer(a: Scenario, b: Scenario): boolean {
  return MEASURED_KEYS.some((k) => a[k] !== b[k]);
}

/** Start a run of the current scenario, cancelling any run in flight. */
export async function runNow(): Promise<MeasuredRun | null> {
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  const id = ++generation;
  const store = useAppStore.getState();
  const scenario = store.scenario;
  store.setRunState({ status: 'running', phase: 'preparing', startedAt: performance.now() });
  void showPrecomputed(scenario, id);
  const onPhase = (phase: RunPhase) => {
    if (id === generation)
      useAppStore.getState().setRunState({ status: 'running', phase, startedAt: performance.now() });
  };
  const thisRun = previousRun.then(() => {
    mine.signal.throwIfAborted();
    return runScenario(scenario, onPhase, mine.signal);
  });
  previousRun = thisRun.catch(() => undefined);
  try {
    const run = await thisRun;
    if (id !== generation) return null;
    useAppStore.getState().setMeasured(run);
    useAppStore.getState().setRunState({ status: 'idle' });
    return run;
  } catch (err) {
    if (id !== generation) return null;
    const aborted = mine.signal.aborted || (err instanceof DOMException && err.name === 'AbortError');
    useAppStore
      .getState()
      .setRunState(aborted ? { status: 'idle' } : { status: 'error', message: (err as Error).message });
    if (!aborted) useAppStore.getState().notify('The run failed', [(err as Error).message]);
    return null;
  } finally {
    if (controller === mine) controller = null;
  }
}

/** Show the shipped load for this scenario, if there is one, until the real run lands. */
async function showPrecomputed(s: Scenario, id: number): Promise<void> {
  const key = precomputedKey(s);
  const current = useAppStore.getState().measured;
  if (current && precomputedKey(current.scenario) === key) return;
  const entry = (await loadPrecomputedTable())[key];
  if (!entry || id !== generation || useAppStore.getState().runState.status !== 'running') return;
  useAppStore
    .getState()
    .setMeasured(precomputedRun(s, Int32Array.from(entry.counts), Int32Array.from(entry.kept)));
}

export function cancelRun(): void {
  controller?.abort();
}

let projectionShown: () => void = () => undefined;
/** Settles when the chip comparison first shows numbers (or after FIRST_RUN_LATEST_MS, whichever comes first). */
const firstProjection = new Promise<void>((resolve) => {
  projectionShown = resolve;
});
/** Longest the first run waits for the first projection (a page without one still measures). */
const FIRST_RUN_LATEST_MS = 4000;

/**
 * The chip comparison calls this once it has drawn: the first run (microbenchmark, tensors generated on the main
 * thread) waits for it, so on a busy machine the first screen's projection is not held up by the measurement.
 */
export function markProjectionShown(): void {
  projectionShown();
}

/** Re-run (debounced) whenever a measured field changes; hardware edits only re-project. */
export function startAutoRun(delayMs = 600): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scheduledOnce = false;
  const schedule = () => {
    scheduledOnce = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void runNow();
    }, delayMs);
  };
  const unsubscribe = useAppStore.subscribe((state, prev) => {
    if (
      state.scenario !== prev.scenario &&
      state.autoRun &&
      measuredFieldsDiffer(state.scenario, prev.scenario)
    )
      schedule();
  });
  let stopped = false;
  const latest = setTimeout(() => projectionShown(), FIRST_RUN_LATEST_MS);
  void firstProjection.then(() => {
    clearTimeout(latest);
    // An edit made in the meantime has already scheduled the run of the current scenario.
    if (!stopped && !scheduledOnce) schedule();
  });
  return () => {
    stopped = true;
    clearTimeout(latest);
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  };
}
