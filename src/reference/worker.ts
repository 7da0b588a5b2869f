/**
 * Web Worker entry for the CPU reference, the browser's fallback engine when WebGPU is missing. Load it with
 * `new Worker(new URL('../reference/worker.ts', import.meta.url), { type: 'module' })`; post a ReferenceRequest,
 * receive a ReferenceResponse whose result buffers are transferred.
 */
import { handleReferenceRequest, type ReferenceRequest, resultTransferables } from './protocol';

/** The part of the worker global scope used here (the project's TS lib is DOM, not WebWorker). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ReferenceRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const response = handleReferenceRequest(event.data);
  scope.postMessage(response, response.ok ? resultTransferables(response.result) : []);
};
