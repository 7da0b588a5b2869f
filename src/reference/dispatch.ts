import { capacityOf, type LayerConfig } from '../workload';

/** Steps 3–5 of the layer (count, offsets, scatter): integer results that the GPU must match exactly. */

/** Step 3: (token, slot) pairs routed to each expert, before capacity. */
export function count(topkIds: Int32Array, experts: number): Int32Array {
  const counts = new Int32Array(experts);
  for (let i = 0; i < topkIds.length; i++) counts[topkIds[i]]++;
  return counts;
}

export interface Offsets {
  /** Capacity C (0 = none). */
  capacity: number;
  /** [E] pairs kept: min(counts, C). */
  kept: Int32Array;
  /** [E + 1] segment starts after padding each kept count up to a multiple of the block size. */
  offsets: Int32Array;
}

/** Step 4: capacity, kept counts, block padding and the exclusive scan of padded counts. */
export function offsets(cfg: LayerConfig, counts: Int32Array): Offsets {
  const E = cfg.experts;
  const capacity = capacityOf(cfg);
  const B = Math.max(1, cfg.blockSize);
  const kept = new Int32Array(E);
  const starts = new Int32Array(E + 1);
  for (let e = 0; e < E; e++) {
    kept[e] = capacity > 0 ? Math.min(counts[e], capacity) : counts[e];
    starts[e + 1] = starts[e] + Math.ceil(kept[e] / B) * B;
  }
  return { capacity, kept, offsets: starts };
}

export interface Scatter {
  /** [T, k] row of each (token, slot) in the dispatched buffer; -1 when dropped. */
  positions: Int32Array;
  /** [offsets[E]] token each dispatched row holds; -1 for padding rows. */
  rowTokens: Int32Array;
}

/**
 * Step 5: each kept (token, slot) gets row offsets[e] + its rank in expert e's order. The order is by token index
 * ('position' policy) or by the token's score for e, descending, ties toward the lower token index
 * ('probability'); only the first C in that order are kept.
 */
export function scatter(cfg: LayerConfig, topkIds: Int32Array, scores: Float32Array, plan: Offsets): Scatter {
  const T = cfg.tokens;
  const E = cfg.experts;
  const k = cfg.topK;
  // Bucket the pairs by expert in token order (a token picks an expert at most once).
  const bucketStart = new Int32Array(E + 1);
  for (let i = 0; i < T * k; i++) bucketStart[topkIds[i] + 1]++;
  for (let e = 0; e < E; e++) bucketStart[e + 1] += bucketStart[e];
  const fill = bucketStart.slice(0, E);
  const pairs = new Int32Array(T * k);
  for (let i = 0; i < T * k; i++) pairs[fill[topkIds[i]]++] = i;

  if (cfg.dropPolicy === 'probability') {
    for (let e = 0; e < E; e++) {
      const bucket = pairs.subarray(bucketStart[e], bucketStart[e + 1]);
      // Pair index i = t·k + j orders pairs by token, so it breaks score ties toward the lower token.
      bucket.sort((a, b) => scores[((b / k) | 0) * E + e] - scores[((a / k) | 0) * E + e] || a - b);
    }
  }

  const positions = new Int32Array(T * k).fill(-1);
  const rowTokens = new Int32Array(plan.offsets[E]).fill(-1);
  for (let e = 0; e < E; e++) {
    const start = bucketStart[e];
    for (let rank = 0; rank < plan.kept[e]; rank++) {
      const pair = pairs[start + rank];
      const row = plan.offsets[e] + rank;
      positions[pair] = row;
      rowTokens[row] = (pair / k) | 0;
    }
  }
  return { positions, rowTokens };
}

/** Expert-choice dispatch: expert e's j-th chosen token sits in row offsets[e] + j. */
export function scatterExpertChoice(
  ecTokens: Int32Array,
  capacity: number,
  plan: Offsets,
  experts: number,
): Int32Array {
  const rowTokens = new Int32Array(plan.offsets[experts]).fill(-1);
  for (let e = 0; e < experts; e++) {
    for (let j = 0; j < plan.kept[e]; j++) rowTokens[plan.offsets[e] + j] = ecTokens[e * capacity + j];
  }
  return rowTokens;
}
