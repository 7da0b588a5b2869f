import { defaultScenario, type Scenario } from '../scenario';

/**
 * The MoE layer's contract, shared by the GPU engine (src/gpu) and the CPU reference (src/reference).
 * Semantics are ../shared/ARCHITECTURE.md "The layer, exactly"; the precise rules are stated here once.
 *
 * Token-choice gate, per token t:
 *   scores = softmax(L[t]) (row max subtracted) or sigmoid(L[t]);  sel = scores + bias (if useBias)
 *   groups > 1: group score = max(sel in group) without bias, sum of the top-2 sel in group with bias
 *   (DeepSeek-V3); keep the topGroups best groups (ties: lower group index), other experts cannot be chosen.
 *   ids = top-k of sel, ordered by sel descending, ties toward the lower expert index.
 *   weights = scores[ids]; if renormalize, divided by their sum (a sum of exactly 0 leaves them 0); then times
 *   routeScale. Scores and sel are f32 values, so saturated scores (sigmoid of ±100) tie and the tie rule decides.
 * Capacity: C = ceil(capacityFactor·T·k/E) when capacityFactor > 0, else no limit.
 *   Order inside an expert: 'position' policy by token index; 'probability' policy by the token's score for that
 *   expert (scores, not sel), descending, ties toward the lower token index. The first C in that order are kept.
 *   kept[e] = min(counts[e], C); padded[e] = ceil(kept[e]/B)·B (0 stays 0); offsets = exclusive scan of padded.
 *   positions[t·k+j] = offsets[e] + (rank of t in e's order) when kept, else -1.
 * Expert-choice: scores = softmax or sigmoid of L; each expert takes the C = ceil(max(cf,1)·T·k/E) tokens
 *   (at most T) with the highest score, ties toward the lower token index, in that order. counts[e] = kept[e] = C'.
 *   ecTokens[e·C + j] = token index (or -1 past C'); the weight of that pair is score·routeScale.
 *   topkIds/topkWeights/positions are empty in this mode.
 * Expert FFN: y_row = (silu(x·W1[e]) ⊙ (x·W3[e]))·W2[e]; padded rows are zero.
 * Combine: out[t] = Σ_j weight[t,j]·y[positions[t,j]] over j ascending (dropped slots add nothing), plus
 *   Σ_s shared_s(x[t]) with shared experts in index order. Expert-choice: Σ over experts ascending.
 */

export type ScoreFn = 'softmax' | 'sigmoid';
export type RoutingMode = 'token-choice' | 'expert-choice';
export type DropPolicy = 'position' | 'probability';

export interface LayerConfig {
  tokens: number;
  dModel: number;
  /** Expert FFN size as run (after the measurement scale). */
  ffnSize: number;
  experts: number;
  topK: number;
  sharedExperts: number;
  /** Shared expert FFN size as run (after the measurement scale). */
  sharedFfnSize: number;
  scoreFn: ScoreFn;
  useBias: boolean;
  groups: number;
  topGroups: number;
  renormalize: boolean;
  routeScale: number;
  routingMode: RoutingMode;
  capacityFactor: number;
  dropPolicy: DropPolicy;
  blockSize: number;
}

export interface LayerTensors {
  /** Hidden states [T, d]. */
  x: Float32Array;
  /** Router weights [d, E]. */
  router: Float32Array;
  /** Selection bias [E] (zeros when unused). */
  bias: Float32Array;
  /** Router logits [T, E] supplied directly (imported traces): the router GEMM is skipped. */
  logits?: Float32Array;
  /** Expert weights: w1, w3 [E, d, f]; w2 [E, f, d]. */
  w1: Float32Array;
  w3: Float32Array;
  w2: Float32Array;
  /** Shared expert weights: [S, d, fs], [S, d, fs], [S, fs, d] (empty when S = 0). */
  sharedW1: Float32Array;
  sharedW3: Float32Array;
  sharedW2: Float32Array;
}

export interface LayerResult {
  /** [T, E] */
  logits: Float32Array;
  /** [T, k] token-choice only. */
  topkIds: Int32Array;
  /** [T, k] token-choice only. */
  topkWeights: Float32Array;
  /** [E] (token, slot) pairs routed to each expert before capacity. */
  counts: Int32Array;
  /** [E] pairs kept after capacity. */
  kept: Int32Array;
  /** [E + 1] segment starts after padding; offsets[E] = total rows. */
  offsets: Int32Array;
  /** [T, k] row of each (token, slot) in the dispatched buffer, -1 when dropped. Token-choice only. */
  positions: Int32Array;
  /** [E, C] expert-choice only: the tokens each expert chose, -1 past its count. */
  ecTokens: Int32Array;
  /** Capacity used (0 = none). */
  capacity: number;
  /** [T, d] layer output. */
  y: Float32Array;
}

/** Capacity C for a config: 0 means unlimited (dropless token-choice). */
export function capacityOf(c: LayerConfig): number {
  if (c.routingMode === 'expert-choice') {
    return Math.min(c.tokens, Math.ceil((Math.max(c.capacityFactor, 1) * c.tokens * c.topK) / c.experts));
  }
  return c.capacityFactor > 0 ? Math.ceil((c.capacityFactor * c.tokens * c.topK) / c.experts) : 0;
}

/** The layer as the scenario describes it, with the expert FFN shrunk by `scale` (1 = full size). */
export function layerConfigFromScenario(s: Scenario, scale = 1): LayerConfig {
  const shrink = (f: number) => Math.max(4, Math.round(f * scale));
  return {
    tokens: s.tokens,
    dModel: s.dModel,
    ffnSize: shrink(s.ffnSize),
    experts: s.experts,
    topK: s.topK,
    sharedExperts: s.sharedExperts,
    sharedFfnSize: s.sharedExperts > 0 ? shrink(s.sharedFfnSize || s.ffnSize) : 0,
    scoreFn: s.scoreFn,
    useBias: s.useBias,
    groups: s.groups,
    topGroups: s.topGroups,
    renormalize: s.renormalize,
    routeScale: s.routeScale,
    routingMode: s.routingMode,
    capacityFactor: s.capacityFactor,
    dropPolicy: s.dropPolicy,
    blockSize: s.blockSize,
  };
}

/** A layer of the given shape with every other field at the scenario schema's default (tests, benchmarks). */
export function makeLayerConfig(
  over: Pick<LayerConfig, 'tokens' | 'dModel' | 'ffnSize' | 'experts' | 'topK'> & Partial<LayerConfig>,
): LayerConfig {
  return { ...layerConfigFromScenario(defaultScenario()), ...over };
}

/** The layer an engine runs for a scenario: the expert FFN shrunk by `scale`, chosen how the note says. */
export interface ScaleChoice {
  cfg: LayerConfig;
  /** Fraction of f kept (1 = full size). */
  scale: number;
  /** True when the scale was chosen automatically to fit the engine. */
  auto: boolean;
  /** One line for reports and the UI. */
  note: string;
}

/**
 * The measurement scale an engine runs a scenario at, shared by the GPU planner and the CPU engine's: the
 * scenario's own scale when it sets one (refused when it does not fit), otherwise full size when it fits, else
 * the largest scale that fits (found by bisection, to 2^-30). `reasonAt(cfg)` says in one line why a layer does
 * not fit (undefined when it does); `where` names the engine in messages ("this device", "the CPU engine").
 * Throws a one-line Error when even the smallest expert FFN does not fit.
 */
export function chooseScale(
  s: Scenario,
  reasonAt: (cfg: LayerConfig) => string | undefined,
  where: string,
): ScaleChoice {
  const at = (scale: number) => {
    const cfg = layerConfigFromScenario(s, scale);
    return { cfg, reason: reasonAt(cfg) };
  };
  if (s.measureScale > 0) {
    const p = at(s.measureScale);
    if (p.reason !== undefined) {
      throw new Error(
        `the scenario does not fit ${where} at measurement scale ${s.measureScale}: ${p.reason}`,
      );
    }
    const note =
      s.measureScale < 1
        ? `expert FFN measured at ${fmtScale(s.measureScale)} of its size (f ${s.ffnSize} → ${p.cfg.ffnSize}), as the scenario asks`
        : 'full size';
    return { cfg: p.cfg, scale: s.measureScale, auto: false, note };
  }
  const full = at(1);
  if (full.reason === undefined) return { cfg: full.cfg, scale: 1, auto: true, note: 'full size' };
  const smallest = at(0);
  if (smallest.reason !== undefined) {
    throw new Error(
      `the scenario does not fit ${where} even with the smallest expert FFN: ${smallest.reason}`,
    );
  }
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).reason === undefined) lo = mid;
    else hi = mid;
  }
  const cfg = layerConfigFromScenario(s, lo);
  return {
    cfg,
    scale: lo,
    auto: true,
    note: `expert FFN shrunk to ${fmtScale(lo)} of its size (f ${s.ffnSize} → ${cfg.ffnSize}) to fit ${where}: ${full.reason}`,
  };
}

const fmtScale = (x: number) => `${(x * 100).toPrecision(3)}%`;
