/**
 * MindSpeed-RL's expert token counts: eplb_token_collects_{rank}.json, one per rank, `{"<layer>": {"<expert>": count}}`.
 * Written by mindspeed_rl/models/rollout/vllm_adapter/fused_moe.py:461-482 (Ascend/MindSpeed-RL 05a90d77): the layer
 * key is the MoE layer's moe_instance_id, every expert 0…global_num_experts−1 starts at 0, json.dump turns the int keys
 * into strings. Its own reader (cli/eplb_generate_map_ds.py:92-140) takes int() of keys and counts.
 */

import { countProblem, layerIdProblem } from '../input';
import { denseCountTable } from './countTable';
import { checkExperts, checkLayers } from './fields';
import { checkCountShape, shownJson } from './servingJson';
import { type CountTable, ImportError, type ImportOptions } from './types';

/** A layer or expert key as MindSpeed-RL writes it (str of a Python int): digits only. */
const KEY = /^\d{1,15}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Counts from a parsed eplb_token_collects_{rank}.json, under the count rules of every count table. */
export function countsFromMindSpeed(name: string, parsed: unknown, opts: ImportOptions): CountTable {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  const expected = 'expected MindSpeed-RL\'s {"layer": {"expert": count}} (eplb_token_collects_{rank}.json)';
  if (!isRecord(parsed)) throw new ImportError(`${name}: ${expected}, not ${shownJson(parsed)}`);
  const layerKeys = Object.keys(parsed);
  if (layerKeys.length === 0) throw new ImportError(`${name}: the JSON object is empty (${expected})`);
  // Pass 1: check every key and count; find the layers and the widest expert id before allocating.
  const layers = new Map<number, string>();
  let maxExpert = -1;
  for (const lk of layerKeys) {
    if (!KEY.test(lk))
      throw new ImportError(`${name}: layer key ${shownJson(lk)} is not a layer id (digits)`);
    const at = `layer "${lk}"`;
    const layer = Number(lk);
    const layerWhy = layerIdProblem(layer, opts.layers);
    if (layerWhy) throw new ImportError(`${name}: ${at}: ${layerWhy}`);
    const before = layers.get(layer);
    if (before !== undefined)
      throw new ImportError(`${name}: layer ${layer} appears twice (keys "${before}" and "${lk}")`);
    layers.set(layer, lk);
    const experts = parsed[lk];
    if (!isRecord(experts))
      throw new ImportError(`${name}: ${at}: ${shownJson(experts)}, not an object {"expert": count}`);
    const seen = new Set<number>();
    for (const ek of Object.keys(experts)) {
      if (!KEY.test(ek))
        throw new ImportError(`${name}: ${at}: expert key ${shownJson(ek)} is not an expert id (digits)`);
      const e = Number(ek);
      if (seen.has(e)) throw new ImportError(`${name}: ${at}: expert ${e} appears twice`);
      seen.add(e);
      if (opts.experts !== undefined && e >= opts.experts) {
        throw new ImportError(
          `${name}: ${at}: expert id ${e} is outside 0–${opts.experts - 1} (the model has ${opts.experts} experts)`,
        );
      }
      checkCountShape(name, layers.size, e + 1, opts);
      const v = experts[ek];
      if (typeof v !== 'number')
        throw new ImportError(`${name}: ${at}, expert ${e}: count ${shownJson(v)} is not a number`);
      const why = countProblem(v);
      if (why) throw new ImportError(`${name}: ${at}, expert ${e}: count ${v} ${why}`);
      if (e > maxExpert) maxExpert = e;
    }
  }
  if (maxExpert < 0) throw new ImportError(`${name}: no expert counts in the file`);
  const experts = opts.experts ?? maxExpert + 1;
  checkCountShape(name, layers.size, experts, opts);
  const allIds = [...layers.keys()].sort((a, b) => a - b);
  const allCounts = allIds.map((l) => {
    const row = new Float64Array(experts);
    const src = parsed[layers.get(l) as string] as Record<string, number>;
    for (const ek of Object.keys(src)) row[Number(ek)] = src[ek];
    return row;
  });
  const notes = [
    `Read as MindSpeed-RL expert token counts {layer: {expert: count}} (one rank's eplb_token_collects file; ` +
      'layer keys are its MoE layer index, moe_instance_id).',
  ];
  return denseCountTable(name, allIds, allCounts, experts, notes);
}
