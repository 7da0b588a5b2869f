import type { ReferenceRequest, ReferenceResponse } from '../reference';
import type { LayerConfig, LayerResult, LayerTensors } from '../workload';

/** The distinct buffers of a layer's input tensors (to move them to the worker rather than copy them). */
function tensorBuffers(t: LayerTensors): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of Object.values(t) as (Float32Array | undefined)[]) {
    if (a && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) buffers.add(a.buffer);
  }
  return [...buffers];
}

/**
 * Run the CPU reference in a Web Worker (off the main thread); a fresh worker per call so Cancel can kill it.
 * `moveInputs`: transfer the tensors' buffers to the worker instead of copying them (the caller's tensors are
 * detached, empty, afterwards), so the tab holds the inputs once: what the CPU engine's memory plan assumes.
 */
export function runReferenceInWorker(
  cfg: LayerConfig,
  tensors: LayerTensors,
  signal?: AbortSignal,
  moveInputs = false,
): Promise<{ result: LayerResult; ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../reference/worker.ts', import.meta.url), { type: 'module' });
    const stop = () => {
      worker.terminate();
      reject(new DOMException('The run was cancelled.', 'AbortError'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.onmessage = (event: MessageEvent<ReferenceResponse>) => {
      signal?.removeEventListener('abort', stop);
      worker.terminate();
      const reply = event.data;
      if (reply.ok) resolve({ result: reply.result, ms: reply.ms });
      else reject(new Error(`CPU reference failed: ${reply.error}`));
    };
    worker.onerror = (event) => {
      signal?.removeEventListener('abort', stop);
      worker.terminate();
      reject(new Error(`CPU reference worker failed: ${event.message}`));
    };
    const request: ReferenceRequest = { id: 1, cfg, tensors };
    worker.postMessage(request, moveInputs ? tensorBuffers(tensors) : []);
  });
}
