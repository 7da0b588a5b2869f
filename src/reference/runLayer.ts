import type { LayerConfig, LayerResult, LayerTensors } from '../workload/layer';
import { validateLayerTensors } from '../workload/shapes';
import { count, offsets, scatter, scatterExpertChoice } from './dispatch';
import { combine, combineExpertChoice, expertFfn, sharedExpertFfn } from './ffn';
import { expertChoice, gate, routerLogits, scoresFromLogits } from './gate';

/**
 * The whole layer on the CPU: the same seven steps as the GPU engine (../workload/layer.ts), one function each.
 * Throws a TensorShapeError when a tensor does not fit the config.
 */
export function runReferenceLayer(cfg: LayerConfig, t: LayerTensors): LayerResult {
  validateLayerTensors(cfg, t);
  const T = cfg.tokens;
  const E = cfg.experts;
  const logits = t.logits ? t.logits.slice() : routerLogits(t.x, t.router, T, cfg.dModel, E);
  const shared = cfg.sharedExperts > 0 ? sharedExpertFfn(cfg, t.x, t.sharedW1, t.sharedW3, t.sharedW2) : null;

  if (cfg.routingMode === 'expert-choice') {
    const scores = scoresFromLogits(logits, T, E, cfg.scoreFn);
    const ec = expertChoice(cfg, scores);
    const plan = offsets(cfg, ec.counts);
    const rowTokens = scatterExpertChoice(ec.ecTokens, ec.capacity, plan, E);
    const rows = expertFfn(cfg, t.x, rowTokens, plan.offsets, t.w1, t.w3, t.w2);
    return {
      logits,
      topkIds: new Int32Array(0),
      topkWeights: new Float32Array(0),
      counts: ec.counts,
      kept: plan.kept,
      offsets: plan.offsets,
      positions: new Int32Array(0),
      ecTokens: ec.ecTokens,
      capacity: ec.capacity,
      y: combineExpertChoice(cfg, rows, ec.ecTokens, ec.ecWeights, ec.capacity, plan.offsets, shared),
    };
  }

  const g = gate(cfg, logits, t.bias);
  const counts = count(g.topkIds, E);
  const plan = offsets(cfg, counts);
  const { positions, rowTokens } = scatter(cfg, g.topkIds, g.scores, plan);
  const rows = expertFfn(cfg, t.x, rowTokens, plan.offsets, t.w1, t.w3, t.w2);
  return {
    logits,
    topkIds: g.topkIds,
    topkWeights: g.topkWeights,
    counts,
    kept: plan.kept,
    offsets: plan.offsets,
    positions,
    ecTokens: new Int32Array(0),
    capacity: plan.capacity,
    y: combine(cfg, rows, positions, g.topkWeights, shared),
  };
}
