/** .npy imports: integer top-k traces [T, k] / [T, L, k], counts [E] / [L, E], and float32 router logits. */

import {
  countProblem,
  countTableProblem,
  firstNonFinite,
  indexOf,
  layerIdProblem,
  MAX_IMPORT_EXPERTS,
  printable,
} from '../input';
import { type NpyArray, type NpyFloat64Array, narrowNpy } from '../npy';
import { routingTraceFromNpy } from '../trace';
import { checkRowIds } from './choices';
import { denseCountTable } from './countTable';
import { checkExperts, checkLayers } from './fields';
import {
  type CountTable,
  type ExpertIds,
  ImportError,
  type ImportedData,
  type ImportOptions,
  MAX_TOP_K,
} from './types';

/** Model layer ids of the array's L layers: given (one per array layer), or 0, 1, …; each below opts.layers. */
function npyLayerIds(name: string, layers: number, opts: ImportOptions): number[] {
  checkLayers(name, opts.layers);
  const given = opts.layerIds;
  if (!given) {
    if (opts.layers !== undefined && layers > opts.layers) {
      throw new ImportError(
        `${name}: the array has ${layers} layers but the model has ${opts.layers}; ` +
          'pass the layer id of each array layer when the array holds a subset',
      );
    }
    return Array.from({ length: layers }, (_, l) => l);
  }
  if (given.length !== layers)
    throw new ImportError(`${name}: ${given.length} layer ids given for ${layers} layers in the array`);
  const seen = new Map<number, number>();
  given.forEach((id, l) => {
    const why = countProblem(id) ?? layerIdProblem(id, opts.layers);
    if (why)
      throw new ImportError(`${name}: array layer ${l}: layer id ${id} ${why.replace(/^layer id \S+ /, '')}`);
    const before = seen.get(id);
    if (before !== undefined)
      throw new ImportError(
        `${name}: layer id ${id} is given for array layers ${before} and ${l}; each layer once`,
      );
    seen.set(id, l);
  });
  return given;
}

/**
 * Whether an .npy holds counts [E] or [L, E] rather than top-k ids or logits: an integer array (or any, when the
 * count-table format is asked for) that is 1-D, or 2-D and cannot be top-k ids (wider than any k, or a row that
 * repeats an id). Throws when counts are asked for and the shape cannot hold them. A float64 file counts as float
 * whether or not it was kept exact.
 */
export function npyHoldsCounts(name: string, a: NpyArray | NpyFloat64Array, asked: boolean): boolean {
  const float = a.dtype === 'float32' || (a.dtype === 'float64' && a.from === 'float64');
  if (!asked && float) return false;
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    if (asked)
      throw new ImportError(
        `${name}: counts must have shape [experts] or [layers, experts], not [${a.shape.join(', ')}]`,
      );
    return false;
  }
  if (asked || a.shape.length === 1) return true;
  const [L, E] = a.shape;
  if (E > MAX_TOP_K) return true;
  for (let l = 0; l < L; l++) {
    const row = a.data.subarray(l * E, (l + 1) * E);
    if (new Set(row).size !== row.length) return true;
  }
  return false;
}

/**
 * Counts [E] or [L, E] from a .npy, under the same rules as a CSV table: every count a non-negative whole number
 * (countProblem), layers within opts.layers, all-zero layers dropped with a note, an all-zero table refused.
 */
function npyCounts(name: string, a: NpyArray | NpyFloat64Array, opts: ImportOptions): CountTable {
  const asked = opts.format === 'count-table';
  const [L, E] = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  if (L === 0 || E === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
  checkExperts(name, opts.experts);
  if (opts.experts !== undefined && E !== opts.experts)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer but the model has ${opts.experts}`,
    );
  if (E > MAX_IMPORT_EXPERTS)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer; at most ${MAX_IMPORT_EXPERTS} are accepted`,
    );
  const allIds = npyLayerIds(name, L, opts);
  const bad = countTableProblem(a.data, E, allIds);
  if (bad) throw new ImportError(`${name}: ${bad}`);
  const allCounts: Float64Array[] = [];
  for (let l = 0; l < L; l++) allCounts.push(Float64Array.from(a.data.subarray(l * E, (l + 1) * E)));
  const notes = [
    ...(a.notes ?? []).map(sentence),
    ...(asked
      ? []
      : [`Read as counts [${a.shape.length === 1 ? 'experts' : 'layers, experts'}] (not top-k ids).`]),
  ];
  return denseCountTable(name, allIds, allCounts, E, notes);
}

/** "converted float64 to float32" → "Converted float64 to float32." */
const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}${s.endsWith('.') ? '' : '.'}`;

/**
 * What a .npy holds, read under `opts`. `keep`: for a trace [T, L, k], the layers to keep (vLLM's captured ones,
 * ./vllm.ts capturedLayers), each kept layer's id its index in the array; ignored for counts and logits. An array
 * read with exactCounts keeps its exact values only as counts; ids and logits are narrowed as readNpy would.
 */
export function fromNpy(
  name: string,
  read: NpyArray | NpyFloat64Array,
  opts: ImportOptions,
  keep?: number[],
): ImportedData {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  if (npyHoldsCounts(name, read, opts.format === 'count-table')) return npyCounts(name, read, opts);
  const a = narrowNpy(read, name);
  const notes = (a.notes ?? []).map(sentence);
  if (a.dtype === 'float32') {
    if (a.shape.length !== 2 && a.shape.length !== 3) {
      throw new ImportError(
        `${name}: router logits must have shape [tokens, experts] or [layers, tokens, experts], not [${a.shape.join(', ')}]`,
      );
    }
    const [L, T, E] =
      a.shape.length === 2 ? [1, a.shape[0], a.shape[1]] : (a.shape as [number, number, number]);
    if (T === 0 || E === 0 || L === 0)
      throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
    if (opts.experts !== undefined && E !== opts.experts) {
      throw new ImportError(
        `${name}: the logits have ${E} experts per token but the model has ${opts.experts}`,
      );
    }
    if (E > MAX_IMPORT_EXPERTS)
      throw new ImportError(
        `${name}: the logits have ${E} experts per token; at most ${MAX_IMPORT_EXPERTS} are accepted`,
      );
    const i = firstNonFinite(a.data);
    if (i >= 0) {
      throw new ImportError(
        `${name}: logit ${a.data[i]} at layer ${Math.floor(i / (T * E))}, token ${Math.floor(i / E) % T}, ` +
          `expert ${i % E} is not finite (index ${indexOf(i, a.shape)}); every logit must be a finite number`,
      );
    }
    const layerIds = npyLayerIds(name, L, opts);
    // Views of the reader's array, not copies: a file near the binary limit is held once more, not twice.
    const logits = Array.from({ length: L }, (_, l) => a.data.subarray(l * T * E, (l + 1) * T * E));
    return { format: 'router-logits', name, tokens: T, layers: L, experts: E, layerIds, logits, notes };
  }
  let trace: ReturnType<typeof routingTraceFromNpy>;
  try {
    trace = routingTraceFromNpy(a, name);
  } catch (err) {
    throw new ImportError(printable((err as Error).message, 200));
  }
  const { tokens: T, layers: L, topK: k } = trace;
  if (T === 0 || L === 0 || k === 0)
    throw new ImportError(`${name}: the array is empty (shape [${a.shape.join(', ')}])`);
  if (k > MAX_TOP_K) {
    throw new ImportError(
      `${name}: ${k} expert ids per token (shape [${a.shape.join(', ')}]); a model routes at most ${MAX_TOP_K} (top-k)`,
    );
  }
  const kept = keep && keep.length < L ? keep : undefined;
  const layerIds = kept
    ? npyLayerIds(name, kept.length, { ...opts, layerIds: kept })
    : npyLayerIds(name, L, opts);
  const { ids, maxExpert } = traceIds(name, trace.ids, T, L, k, kept, opts.experts);
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  return {
    format: 'token-choices',
    name,
    source: 'npy',
    tokens: T,
    layers: layerIds.length,
    topK: k,
    experts,
    layerIds,
    ids,
    notes,
  };
}

/**
 * A .npy trace's ids [T, L, k] checked (every row a real top-k: no negative, repeated or out-of-range id) and held
 * at most as wide as the file: uint8 when every id is below 256, else uint16 (every accepted id is below
 * MAX_IMPORT_EXPERTS = 65536). Only the `kept` layers (default all) are copied; a uint8 array with every layer kept
 * is used as is. So the ids never take more bytes than the file's own, whatever T is.
 */
function traceIds(
  name: string,
  src: ArrayLike<number>,
  T: number,
  L: number,
  k: number,
  kept: number[] | undefined,
  experts: number | undefined,
): { ids: ExpertIds; maxExpert: number } {
  const layers = kept ?? Array.from({ length: L }, (_, l) => l);
  const limit = Math.min(experts ?? MAX_IMPORT_EXPERTS, MAX_IMPORT_EXPERTS);
  let maxExpert = -1;
  // One pass without a string or a subarray per row (a long trace has millions of rows); a bad row is handed to
  // checkRowIds, which names it.
  for (let t = 0; t < T; t++)
    for (const l of layers) {
      const at = (t * L + l) * k;
      for (let j = 0; j < k; j++) {
        const e = src[at + j];
        let bad = !(e >= 0 && e < limit);
        for (let i = 0; i < j && !bad; i++) bad = src[at + i] === e;
        if (bad) {
          checkRowIds(
            name,
            `token ${t}, layer ${l}`,
            Array.from({ length: k }, (_, i) => src[at + i]),
            experts,
          );
          throw new ImportError(`${name} token ${t}, layer ${l}: expert id ${e} is not accepted`);
        }
        if (e > maxExpert) maxExpert = e;
      }
    }
  if (src instanceof Uint8Array && !kept) return { ids: src, maxExpert };
  const ids =
    maxExpert < 256 ? new Uint8Array(T * layers.length * k) : new Uint16Array(T * layers.length * k);
  const n = layers.length;
  for (let t = 0; t < T; t++)
    for (let i = 0; i < n; i++) {
      const from = (t * L + layers[i]) * k;
      const to = (t * n + i) * k;
      for (let j = 0; j < k; j++) ids[to + j] = src[from + j];
    }
  return { ids, maxExpert };
}
