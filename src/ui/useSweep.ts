import { useEffect, useState } from 'react';
import { type SweepRequest, type SweepResult, sweepInWorker } from '../costmodel';

export type SweepState =
  | { status: 'running' }
  | { status: 'done'; result: SweepResult }
  | { status: 'error'; message: string };

/** Run a cost-model sweep off the main thread whenever its request changes (debounced; stale replies dropped). */
export function useSweep(request: SweepRequest | null, delayMs = 250): SweepState | null {
  const [state, setState] = useState<SweepState | null>(null);
  useEffect(() => {
    if (!request) {
      setState(null);
      return;
    }
    let live = true;
    setState((prev) => (prev?.status === 'done' ? prev : { status: 'running' }));
    const timer = setTimeout(() => {
      sweepInWorker(request).then(
        (result) => live && setState({ status: 'done', result }),
        (err: Error) => live && setState({ status: 'error', message: err.message }),
      );
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [request, delayMs]);
  return state;
}
