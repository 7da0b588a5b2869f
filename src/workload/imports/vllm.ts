/**
 * vLLM's routed experts as JSON: CompletionOutput.routed_experts (vllm/outputs.py:46, "[seq_len,layer_num,topk]")
 * written out with .tolist(), [tokens][layers][top_k] expert ids. (Saved with np.save instead, the same array is an
 * integer .npy [tokens, layers, top_k], uint8 up to 256 experts and uint16 above, int32 in older vLLM: npyImport.ts
 * reads those.)
 */

import { MAX_IMPORT_LAYERS } from '../input';
import type { NpyArray } from '../npy';
import { checkRowIds } from './choices';
import { checkExperts, checkLayers } from './fields';
import { shownJson } from './servingJson';
import { ImportError, type ImportOptions, MAX_TOP_K, type TokenChoices } from './types';

/** Top-k ids per token and layer from parsed vLLM routed experts [tokens][layers][top_k]. */
export function choicesFromVllm(name: string, parsed: unknown, opts: ImportOptions): TokenChoices {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  const expected = "expected vLLM's routed experts [tokens][layers][top_k] (expert ids)";
  if (!Array.isArray(parsed)) throw new ImportError(`${name}: ${expected}, not ${shownJson(parsed)}`);
  const T = parsed.length;
  if (T === 0) throw new ImportError(`${name}: the JSON list is empty (${expected})`);
  const t0 = parsed[0];
  if (!Array.isArray(t0) || t0.length === 0 || !Array.isArray(t0[0]))
    throw new ImportError(
      `${name}: token 0 is not a list of layers, each a list of expert ids (${expected})`,
    );
  const L = t0.length;
  const k = (t0[0] as unknown[]).length;
  if (k === 0) throw new ImportError(`${name}: token 0, layer 0: no expert ids`);
  if (k > MAX_TOP_K) {
    throw new ImportError(
      `${name}: token 0, layer 0: ${k} expert ids per token; a model routes at most ${MAX_TOP_K} (top-k)`,
    );
  }
  if (L > MAX_IMPORT_LAYERS)
    throw new ImportError(`${name}: ${L} layers per token; at most ${MAX_IMPORT_LAYERS} are accepted`);
  if (opts.layers !== undefined && L > opts.layers) {
    throw new ImportError(
      `${name}: each token has ${L} layers but the model has ${opts.layers} (vLLM records every hidden layer)`,
    );
  }
  const ids = new Int32Array(T * L * k);
  let maxExpert = -1;
  for (let t = 0; t < T; t++) {
    const layers = parsed[t];
    if (!Array.isArray(layers) || layers.length !== L) {
      throw new ImportError(
        `${name}: token ${t}: ${Array.isArray(layers) ? `${layers.length} layers` : shownJson(layers)}, ` +
          `but token 0 has ${L} layers`,
      );
    }
    for (let l = 0; l < L; l++) {
      const row = layers[l];
      const at = `token ${t}, layer ${l}`;
      if (!Array.isArray(row) || row.length !== k) {
        throw new ImportError(
          `${name} ${at}: ${Array.isArray(row) ? `${row.length} expert ids` : shownJson(row)}, ` +
            `but the first has ${k} (every token needs the same k)`,
        );
      }
      const base = (t * L + l) * k;
      for (let j = 0; j < k; j++) {
        const e = row[j];
        if (typeof e !== 'number' || !Number.isSafeInteger(e))
          throw new ImportError(`${name} ${at}: expert id ${shownJson(e)} is not a whole number`);
        ids[base + j] = Math.max(-1, Math.min(e, 2 ** 31 - 1));
        if (e > maxExpert) maxExpert = e;
      }
    }
  }
  // Every row of the captured layers must be a real top-k (when none is captured, all are checked and refused).
  const captured = capturedLayers(ids, T, L, k);
  const kept = captured.length ? captured : Array.from({ length: L }, (_, l) => l);
  for (let t = 0; t < T; t++)
    for (const l of kept)
      checkRowIds(name, `token ${t}, layer ${l}`, (parsed[t] as unknown[][])[l] as number[], opts.experts);
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  const notes = ["Read as vLLM's routed experts [tokens][layers][top_k] (row l is hidden layer l)."];
  if (kept.length < L) {
    const dropped = Array.from({ length: L }, (_, l) => l).filter((l) => !kept.includes(l));
    notes.push(uncapturedNote(dropped));
    const out = new Int32Array(T * kept.length * k);
    for (let t = 0; t < T; t++)
      kept.forEach((l, i) => {
        out.set(ids.subarray((t * L + l) * k, (t * L + l + 1) * k), (t * kept.length + i) * k);
      });
    return choices(name, T, kept, k, experts, out, notes);
  }
  return choices(name, T, kept, k, experts, ids, notes);
}

function choices(
  name: string,
  T: number,
  layerIds: number[],
  k: number,
  experts: number,
  ids: Int32Array,
  notes: string[],
): TokenChoices {
  return {
    format: 'token-choices',
    name,
    source: 'json',
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
 * The layers of a trace [T, L, k] that hold routing: vLLM's capture buffer has a row for every hidden layer and is
 * zeroed each step, so a layer it never captured (a dense layer) is all zeros. With k ≥ 2 no real token picks expert 0
 * twice, so a layer whose every row is all zeros was not captured. With k = 1 every layer is kept.
 */
export function capturedLayers(ids: ArrayLike<number>, T: number, L: number, k: number): number[] {
  const all = Array.from({ length: L }, (_, l) => l);
  if (k < 2 || T === 0) return all;
  return all.filter((l) => {
    for (let t = 0; t < T; t++) {
      const at = (t * L + l) * k;
      for (let j = 0; j < k; j++) if (ids[at + j] !== 0) return true;
    }
    return false;
  });
}

export function uncapturedNote(dropped: number[]): string {
  const n = dropped.length;
  const shown = n > 8 ? `${dropped.slice(0, 8).join(', ')}, …` : dropped.join(', ');
  return (
    `Dropped ${n} layer${n === 1 ? '' : 's'} whose expert ids are all zero (layer id${n === 1 ? '' : 's'} ${shown}): ` +
    'vLLM leaves layers it never captured (dense layers) at zero.'
  );
}

/**
 * The layers of an integer .npy trace [T, L, k] (np.save of routed_experts) to keep, and the note saying which were
 * dropped; undefined when nothing is dropped (or the array is not such a trace, or every layer is zero: the .npy
 * reader then says what is wrong). The reader copies only the kept layers (npyImport.ts traceIds).
 */
export function uncapturedLayers(a: NpyArray): { kept: number[]; note: string } | undefined {
  if (a.dtype === 'float32' || a.shape.length !== 3) return undefined;
  const [T, L, k] = a.shape;
  const kept = capturedLayers(a.data, T, L, k);
  if (kept.length === L || kept.length === 0) return undefined;
  const dropped = Array.from({ length: L }, (_, l) => l).filter((l) => !kept.includes(l));
  return { kept, note: uncapturedNote(dropped) };
}
