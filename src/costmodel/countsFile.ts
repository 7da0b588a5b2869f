/**
 * Expert-count tables for projections from .npy arrays of shape [E] or [L, E]. CSV count tables are read by the
 * shared importer (src/workload/imports), under the same rules: every count a non-negative whole number
 * (countProblem), layers within the model, all-zero layers dropped with a note, an all-zero table refused.
 * Every malformed input is refused with one line (an InputError) naming the file and the place.
 */

import {
  ALL_ZERO_COUNTS,
  countTableProblem,
  InputError,
  layerCountProblem,
  MAX_IMPORT_EXPERTS,
  type NpyArray,
  type NpyFloat64Array,
  zeroLayersNote,
  zeroRows,
} from '../workload';

export interface CountTable {
  /** counts[i][e] for the i-th layer present (ascending layer id). */
  counts: number[][];
  layerIds: number[];
  experts: number;
  /** The extra columns' values that were selected (empty when there were none). */
  selected: Record<string, string>;
  /** What was dropped while reading (all-zero layers), one sentence each; absent when nothing was. */
  notes?: string[];
}

export interface CountsFromNpyOptions {
  /** The model's layer count: an array with more layers is refused (its layer ids would be beyond the model). */
  layers?: number;
}

/** Counts from a .npy of shape [E] (one layer) or [L, E]: int32, float32, or float64 kept exact (readNpy exactCounts). */
export function countsFromNpy(
  a: NpyArray | NpyFloat64Array,
  name = 'counts',
  opts: CountsFromNpyOptions = {},
): CountTable {
  if (a.dtype === 'uint8') {
    throw new InputError(
      `${name}: uint8 looks like a routing trace (expert ids); counts must be int32 or float32 [E] or [L, E]`,
    );
  }
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    throw new InputError(`${name}: shape [${a.shape.join(', ')}] is not [E] or [L, E]`);
  }
  const L = a.shape.length === 1 ? 1 : a.shape[0];
  const E = a.shape[a.shape.length - 1];
  if (L === 0 || E === 0) throw new InputError(`${name}: empty array`);
  if (E > MAX_IMPORT_EXPERTS)
    throw new InputError(`${name}: ${E} experts per layer; at most ${MAX_IMPORT_EXPERTS} are accepted`);
  if (opts.layers !== undefined) {
    const why = layerCountProblem(opts.layers);
    if (why) throw new InputError(`${name}: ${why}`);
    if (L > opts.layers)
      throw new InputError(`${name}: the array has ${L} layers but the model has ${opts.layers}`);
  }
  const bad = countTableProblem(a.data, E);
  if (bad) throw new InputError(`${name}: ${bad}`);
  const all: number[][] = [];
  for (let l = 0; l < L; l++) all.push(Array.from(a.data.subarray(l * E, (l + 1) * E)));
  const zero = zeroRows(all);
  if (zero.length === L) throw new InputError(`${name}: ${ALL_ZERO_COUNTS}`);
  const layerIds = all.map((_, l) => l).filter((l) => !zero.includes(l));
  const table: CountTable = { counts: layerIds.map((l) => all[l]), layerIds, experts: E, selected: {} };
  if (zero.length) table.notes = [zeroLayersNote(zero)];
  return table;
}
