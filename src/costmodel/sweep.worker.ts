/**
 * Web Worker entry for sweeps (no DOM): post a SweepRequest, receive { ok: true, result } or { ok: false, error }.
 * Vite bundles it with `new Worker(new URL('./sweep.worker.ts', import.meta.url), { type: 'module' })`.
 */
import { runSweep, type SweepRequest } from './sweep';

self.addEventListener('message', (event: MessageEvent<SweepRequest>) => {
  try {
    self.postMessage({ ok: true, result: runSweep(event.data) });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
