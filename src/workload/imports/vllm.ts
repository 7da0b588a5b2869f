/**
 * vLLM's routed experts as JSON: CompletionOutput.routed_experts (vllm/outputs.py:46, "[seq_len,layer_num,topk]")
 * written out with .tolist(), [tokens][layers][top_k] expert ids. (Saved with np.save instead, the same array is an
 * integer .npy [tokens, layers, top_k], uint8 up to 256 experts and uint16 above, int32 in older vLLM: npyImport.ts
 * reads those.)
 */

import { MAX_LAYERS } from '../input';
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
  if (L > MAX_LAYERS)
    throw new ImportError(`${name}: ${L} layers per token; at most ${MAX_LAYERS} are accepted`);
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
      checkRowIds(name, at, row as number[], opts.experts);
    }
  }
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  return {
    format: 'token-choices',
    name,
    source: 'json',
    tokens: T,
    layers: L,
    topK: k,
    experts,
    layerIds: Array.from({ length: L }, (_, l) => l),
    tokenIds: Array.from({ length: T }, (_, t) => t),
    ids,
    notes: ["Read as vLLM's routed experts [tokens][layers][top_k] (row l is hidden layer l)."],
  };
}
