import { InputError } from './input';
import type { NpyArray } from './npy';

/** A recorded routing trace: top-k expert ids per token, per layer ([T, k] or [T, L, k] in a .npy). */
export interface RoutingTrace {
  tokens: number;
  layers: number;
  topK: number;
  /** ids[(t·layers + l)·topK + j] */
  ids: Uint8Array | Int32Array;
}

/** Reads a trace from a uint8 or int32 .npy of shape [T, k] or [T, L, k]; anything else is an InputError. */
export function routingTraceFromNpy(a: NpyArray, name = 'trace'): RoutingTrace {
  if (a.dtype === 'float32')
    throw new InputError(`${name}: expert ids must be integers (uint8 or int32), not float32`);
  if (a.shape.length === 2) return { tokens: a.shape[0], layers: 1, topK: a.shape[1], ids: a.data };
  if (a.shape.length === 3) return { tokens: a.shape[0], layers: a.shape[1], topK: a.shape[2], ids: a.data };
  throw new InputError(`${name}: shape [${a.shape.join(', ')}] is not [tokens, k] or [tokens, layers, k]`);
}

/**
 * Tokens per expert for one layer and a token range [from, to) of a trace: the counts the load metrics take.
 * Throws (an InputError) when an id is outside [0, experts).
 */
export function traceCounts(
  trace: RoutingTrace,
  experts: number,
  layer = 0,
  from = 0,
  to = trace.tokens,
): Int32Array {
  if (layer < 0 || layer >= trace.layers)
    throw new Error(`layer ${layer} is outside the trace's ${trace.layers} layers`);
  const counts = new Int32Array(experts);
  const { ids, layers, topK } = trace;
  for (let t = Math.max(0, from); t < Math.min(to, trace.tokens); t++) {
    const at = (t * layers + layer) * topK;
    for (let j = 0; j < topK; j++) {
      const e = ids[at + j];
      if (e < 0 || e >= experts)
        throw new InputError(`token ${t}, layer ${layer}: expert id ${e} is outside 0–${experts - 1}`);
      counts[e]++;
    }
  }
  return counts;
}
