import type { LayerConfig, LayerResult, LayerTensors } from '../workload';
import { runReferenceLayer } from './runLayer';

/** Messages between the app and the reference worker (./worker.ts). */

export interface ReferenceRequest {
  /** Echoed back so a caller can match replies to requests. */
  id: number;
  cfg: LayerConfig;
  tensors: LayerTensors;
}

export type ReferenceResponse =
  | { id: number; ok: true; result: LayerResult /** Wall time of the layer in ms. */; ms: number }
  | { id: number; ok: false; error: string };

/** The buffers of a result, to transfer rather than copy. */
export function resultTransferables(r: LayerResult): ArrayBuffer[] {
  const arrays = [
    r.logits,
    r.topkIds,
    r.topkWeights,
    r.counts,
    r.kept,
    r.offsets,
    r.positions,
    r.ecTokens,
    r.y,
  ];
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  return [...buffers];
}

/** Runs one request; never throws (errors become { ok: false }). */
export function handleReferenceRequest(req: ReferenceRequest): ReferenceResponse {
  try {
    const start = performance.now();
    const result = runReferenceLayer(req.cfg, req.tensors);
    return { id: req.id, ok: true, result, ms: performance.now() - start };
  } catch (err) {
    return { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
