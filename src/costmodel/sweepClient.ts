/**
 * Run a sweep in a Web Worker when the host has workers (browsers), synchronously otherwise (Node, tests).
 *
 * Layout searches share one worker that stays alive: a warm worker runs the search several times faster than a
 * fresh one (the JIT has already compiled the cost model), and the search reruns on every scenario edit. A search
 * asked for while one runs waits; a newer one replaces it (only the frontier view asks, and it has moved on).
 * Other sweeps get a worker of their own each, as several views may wait for them at once.
 */
import { runSweep, type SweepRequest, type SweepResult } from './sweep';

type Reply = { ok: true; result: SweepResult } | { ok: false; error: string };

interface Job {
  req: SweepRequest;
  resolve: (r: SweepResult) => void;
  reject: (e: Error) => void;
}

interface Channel {
  worker?: Worker;
  running?: Job;
  waiting?: Job;
}

const layouts: Channel = {};

function start(ch: Channel, job: Job): void {
  ch.running = job;
  if (!ch.worker) {
    const worker = new Worker(new URL('./sweep.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<Reply>) => finish(ch, e.data);
    worker.onerror = (e) => {
      // A worker that failed is not reused: the next request gets a fresh one.
      worker.terminate();
      ch.worker = undefined;
      finish(ch, { ok: false, error: e.message || 'sweep worker failed' });
    };
    ch.worker = worker;
  }
  ch.worker.postMessage(job.req);
}

function finish(ch: Channel, reply: Reply): void {
  const job = ch.running;
  ch.running = undefined;
  if (job) {
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new Error(reply.error));
  }
  const next = ch.waiting;
  ch.waiting = undefined;
  if (next) start(ch, next);
}

/** One sweep in a worker of its own, ended when it answers. */
function oneShot(req: SweepRequest): Promise<SweepResult> {
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

export function sweepInWorker(req: SweepRequest): Promise<SweepResult> {
  if (typeof Worker === 'undefined') {
    try {
      return Promise.resolve(runSweep(req));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  if (req.kind !== 'layouts') return oneShot(req);
  return new Promise<SweepResult>((resolve, reject) => {
    const job: Job = { req, resolve, reject };
    if (!layouts.running) {
      start(layouts, job);
      return;
    }
    layouts.waiting?.reject(new Error('superseded by a newer layout search'));
    layouts.waiting = job;
  });
}
