/**
 * Expert-count tables for projections from .npy arrays of shape [E] or [L, E]. CSV count tables are read by the
 * shared importer (src/workload/imports).
 * Every malformed input is refused with one line naming the problem.
 */

import type { NpyArray } from '../workload/npy';

export interface CountTable {
  /** counts[i][e] for the i-th layer present (ascending layer id). */
  counts: number[][];
  layerIds: number[];
  experts: number;
  /** The extra columns' values that were selected (empty when there were none). */
  selected: Record<string, string>;
}

/** Counts from a .npy of shape [E] (one layer) or [L, E], int32 or float32. */
export function countsFromNpy(a: NpyArray, name = 'counts'): CountTable {
  if (a.dtype === 'uint8') {
    throw new Error(
      `${name}: uint8 looks like a routing trace (expert ids); counts must be int32 or float32 [E] or [L, E]`,
    );
  }
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    throw new Error(`${name}: shape [${a.shape.join(', ')}] is not [E] or [L, E]`);
  }
  const L = a.shape.length === 1 ? 1 : a.shape[0];
  const E = a.shape[a.shape.length - 1];
  if (L === 0 || E === 0) throw new Error(`${name}: empty array`);
  const counts: number[][] = [];
  for (let l = 0; l < L; l++) {
    const row = Array.from(a.data.subarray(l * E, (l + 1) * E));
    row.forEach((c, e) => {
      if (!Number.isFinite(c) || c < 0)
        throw new Error(`${name}: layer ${l}, expert ${e}: count ${c} is not a non-negative number`);
    });
    counts.push(row);
  }
  return { counts, layerIds: counts.map((_, i) => i), experts: E, selected: {} };
}
