import type { LayerConfig, LayerResult, LayerTensors } from '../workload';
import { validateLayerTensors } from '../workload';
import { count, offsets, scatter, scatterExpertChoice } from './dispatch';
import { combine, combineExpertChoice, expertFfn, sharedExpertFfn } from './ffn';
import { expertChoice, gate, routerLogits, scoresFromLogits } from './gate';

export interface ReferenceOptions {
  /**
   * Stop after gate, count, offsets and scatter (y is zeros): the load depends only on these, and they are the
   * cheap part. Ids, weights, counts, kept, offsets and positions are exactly those of the full layer.
   */
  routingOnly?: boolean;
}

/**
 * The whole layer on the CPU: the same seven steps as the GPU engine (../workload/layer.ts), one function each.
 * Throws a TensorShapeError when a tensor does not fit the config.
 */
export function runReferenceLayer(
  cfg: LayerConfig,
  t: LayerTensors,
  opts: ReferenceOptions = {},
): LayerResult {
  validateLayerTensors(cfg, t);
  const T = cfg.tokens;
  const E = cfg.experts;
  const routingOnly = opts.routingOnly ?? false;
  const logits = t.logits ? t.logits.slice() : routerLogits(t.x, t.router, T, cfg.dModel, E);
  const shared =
    cfg.sharedExperts > 0 && !routingOnly
      ? sharedExpertFfn(cfg, t.x, t.sharedW1, t.sharedW3, t.sharedW2)
      : null;
  const zeros = () => new Float32Array(T * cfg.dModel);

  if (cfg.routingMode === 'expert-choice') {
    const scores = scoresFromLogits(logits, T, E, cfg.scoreFn);
    const ec = expertChoice(cfg, scores);
    const plan = offsets(cfg, ec.counts);
    const ecResult = {
      logits,
      topkIds: new Int32Array(0),
      topkWeights: new Float32Array(0),
      counts: ec.counts,
      kept: plan.kept,
      offsets: plan.offsets,
      positions: new Int32Array(0),
      ecTokens: ec.ecTokens,
      capacity: ec.capacity,
    };
    if (routingOnly) return { ...ecResult, y: zeros() };
    const rowTokens = scatterExpertChoice(ec.ecTokens, ec.capacity, plan, E);
    const rows = expertFfn(cfg, t.x, rowTokens, plan.offsets, t.w1, t.w3, t.w2);
    const y = combineExpertChoice(cfg, rows, ec.ecTokens, ec.ecWeights, ec.capacity, plan.offsets, shared);
    return { ...ecResult, y };
  }

  const g = gate(cfg, logits, t.bias);
  const counts = count(g.topkIds, E);
  const plan = offsets(cfg, counts);
  const { positions, rowTokens } = scatter(cfg, g.topkIds, g.scores, plan);
  const routed = {
    logits,
    topkIds: g.topkIds,
    topkWeights: g.topkWeights,
    counts,
    kept: plan.kept,
    offsets: plan.offsets,
    positions,
    ecTokens: new Int32Array(0),
    capacity: plan.capacity,
  };
  if (routingOnly) return { ...routed, y: zeros() };
  const rows = expertFfn(cfg, t.x, rowTokens, plan.offsets, t.w1, t.w3, t.w2);
  return { ...routed, y: combine(cfg, rows, positions, g.topkWeights, shared) };
}
