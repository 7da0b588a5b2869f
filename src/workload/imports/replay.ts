/** Replaying imports: counts from choices, and the layer config and router logits that reproduce recorded choices. */

import type { LayerConfig } from '../layer';
import { type CountTable, REPLAY_FLOOR, REPLAY_RANK_STEP, type TokenChoices } from './types';

/** Counts per expert for layer index l (0-based position in layerIds) of choices, over tokens [from, to). */
export function choiceCounts(c: TokenChoices, l: number, from = 0, to = c.tokens): Int32Array {
  if (!(l >= 0 && l < c.layers))
    throw new Error(`layer index ${l} is outside the ${c.layers} imported layers`);
  const counts = new Int32Array(c.experts);
  const k = c.topK;
  for (let t = Math.max(0, from); t < Math.min(to, c.tokens); t++) {
    const at = (t * c.layers + l) * k;
    for (let j = 0; j < k; j++) counts[c.ids[at + j]]++;
  }
  return counts;
}

/** Counts per layer of any import that has them without running a gate (count tables and choices). */
export function importedCounts(data: CountTable | TokenChoices): {
  layerIds: number[];
  counts: ArrayLike<number>[];
} {
  if (data.format === 'count-table') return { layerIds: data.layerIds, counts: data.counts };
  return { layerIds: data.layerIds, counts: data.layerIds.map((_, l) => choiceCounts(data, l)) };
}

/**
 * The layer config a replay of recorded choices runs with: the base config's dispatch settings (capacity, drop
 * policy, padding block, FFN sizes) with routing fixed so the gate reproduces the choices exactly: softmax scores,
 * no selection bias, no expert groups, token-choice, k and E from the recording, `tokens` per step.
 */
export function replayConfig(base: LayerConfig, c: TokenChoices, tokens: number): LayerConfig {
  return {
    ...base,
    tokens,
    experts: c.experts,
    topK: c.topK,
    scoreFn: 'softmax',
    useBias: false,
    groups: 1,
    topGroups: 1,
    routingMode: 'token-choice',
    // Recorded weights are router probabilities; renormalise them as the base model does. Without weights
    // every chosen expert weighs about 1/k.
    renormalize: c.weights ? base.renormalize : true,
  };
}

/**
 * Router logits [to − from, E] that make the gate (softmax, no bias, no groups) pick exactly the recorded experts
 * of layer index l for tokens [from, to):
 * - without weights: slot j's expert gets logit −j·REPLAY_RANK_STEP (top-k order = recorded slot order; scores
 *   about 1/k each), every other expert −REPLAY_FLOOR (score exactly 0 in f32);
 * - with weights w_j (router probabilities): logit ln w_j, and the probability the other experts held, r = 1 − Σw,
 *   spread evenly over them (logit ln(r/(E−k))) when that stays below every chosen weight, so softmax gives back
 *   w_j itself; otherwise (r ≤ 0, or weights that are not probabilities) the others get −REPLAY_FLOOR and the
 *   scores are w_j/Σw. A zero weight gets ln of the smallest positive f32 (still above −REPLAY_FLOOR).
 * Slots come out in score order (recorded ties toward the lower expert index); the set per token is exact.
 */
export function replayLogits(c: TokenChoices, l: number, from = 0, to = c.tokens): Float32Array {
  if (!(l >= 0 && l < c.layers))
    throw new Error(`layer index ${l} is outside the ${c.layers} imported layers`);
  const E = c.experts;
  const k = c.topK;
  const lo = Math.max(0, from);
  const hi = Math.min(to, c.tokens);
  const T = Math.max(0, hi - lo);
  const logits = new Float32Array(T * E).fill(-REPLAY_FLOOR);
  const tiny = Math.log(1.4e-45);
  for (let t = 0; t < T; t++) {
    const at = ((lo + t) * c.layers + l) * k;
    const row = t * E;
    if (!c.weights) {
      for (let j = 0; j < k; j++) logits[row + c.ids[at + j]] = -j * REPLAY_RANK_STEP;
      continue;
    }
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const w = c.weights[at + j];
      sum += w;
      min = Math.min(min, w);
    }
    const rest = E > k ? (1 - sum) / (E - k) : 0;
    if (rest > 0 && rest < min * (1 - 1e-6)) logits.fill(Math.log(rest), row, row + E);
    for (let j = 0; j < k; j++) {
      const w = c.weights[at + j];
      logits[row + c.ids[at + j]] = w > 0 ? Math.log(w) : tiny;
    }
  }
  return logits;
}
