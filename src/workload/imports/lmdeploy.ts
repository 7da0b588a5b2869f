/**
 * LMDeploy's EPLB expert statistics: the JSON file named by LMDEPLOY_EPLB_EXPERTS_STATISTIC_FILE
 * (lmdeploy/pytorch/envs.py:171), a list of per-expert token counts per hidden layer, [num_hidden_layers]
 * [num_routed_experts]. LMDeploy reads it in EPLBManager.init (lmdeploy/pytorch/nn/eplb.py:219-235, InternLM/lmdeploy
 * 1263d5cd) with json.load into a float32 tensor and asserts that shape; dense layers have rows too (zeros).
 */

import { countProblem, layerIdProblem } from '../input';
import { denseCountTable } from './countTable';
import { checkExperts, checkLayers } from './fields';
import { checkCountShape, shownJson } from './servingJson';
import { type CountTable, ImportError, type ImportOptions } from './types';

/** Counts from a parsed LMDeploy statistics file, under the count rules of every count table. */
export function countsFromLmdeploy(name: string, parsed: unknown, opts: ImportOptions): CountTable {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  const expected =
    "expected LMDeploy's EPLB statistics, a JSON list of per-expert counts per layer [layers][experts]";
  if (!Array.isArray(parsed)) throw new ImportError(`${name}: ${expected}, not ${shownJson(parsed)}`);
  const L = parsed.length;
  if (L === 0) throw new ImportError(`${name}: the JSON list is empty (${expected})`);
  const first = parsed[0];
  if (!Array.isArray(first))
    throw new ImportError(`${name}: row 0 is ${shownJson(first)}, not a list (${expected})`);
  const E = first.length;
  if (E === 0) throw new ImportError(`${name}: row 0 is empty; each layer needs one count per expert`);
  if (opts.layers !== undefined && L > opts.layers) {
    const why = layerIdProblem(L - 1, opts.layers) as string;
    throw new ImportError(
      `${name}: ${L} rows (one per layer) but the model has ${opts.layers} layers; row ${why}`,
    );
  }
  if (opts.experts !== undefined && E !== opts.experts)
    throw new ImportError(
      `${name}: the counts have ${E} experts per layer but the model has ${opts.experts}`,
    );
  checkCountShape(name, L, E, opts);
  const counts: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const row = parsed[l];
    if (!Array.isArray(row))
      throw new ImportError(`${name}: row ${l} is ${shownJson(row)}, not a list of counts`);
    if (row.length !== E)
      throw new ImportError(`${name}: row ${l} has ${row.length} counts but row 0 has ${E} (one per expert)`);
    const out = new Float64Array(E);
    for (let e = 0; e < E; e++) {
      const v = row[e];
      if (typeof v !== 'number')
        throw new ImportError(
          `${name}: [${l}][${e}] (layer ${l}, expert ${e}): count ${shownJson(v)} is not a number`,
        );
      const why = countProblem(v);
      if (why) throw new ImportError(`${name}: [${l}][${e}] (layer ${l}, expert ${e}): count ${v} ${why}`);
      out[e] = v;
    }
    counts.push(out);
  }
  const notes = ["Read as LMDeploy's EPLB expert statistics [layers][experts] (row l is hidden layer l)."];
  return denseCountTable(
    name,
    Array.from({ length: L }, (_, l) => l),
    counts,
    E,
    notes,
  );
}
