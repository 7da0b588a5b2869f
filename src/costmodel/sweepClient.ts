/** Run a sweep in a Web Worker when the host has workers (browsers), synchronously otherwise (Node, tests). */
import { runSweep, type SweepRequest, type SweepResult } from './sweep';

type Reply = { ok: true; result: SweepResult } | { ok: false; error: string };

export function sweepInWorker(req: SweepRequest): Promise<SweepResult> {
  if (typeof Worker === 'undefined') {
    try {
      return Promise.resolve(runSweep(req));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const worker = new Worker(new URL('./sweep.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<SweepResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || 'sweep worker failed'));
    };
    worker.postMessage(req);
  });
}
