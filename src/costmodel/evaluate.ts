/**
 * The per-step model shared by the projection, its balanced twin and the sweeps: each stage of a layer from its own
 * file (stages/), the MoE layers rank by rank (ranks.ts), then dense layers, the LM head and pipeline hops.
 * Formulas: docs/COST_MODEL.md §5–§6.
 */
import type { Prepared } from './prepare';
import {
  combineTime,
  dispatchTime,
  type RankCosts,
  RankScan,
  rankDetail,
  rankTotal,
  scanRanks,
  taxMaxima,
} from './ranks';
import { Energy, type StageCost, zeroTimes } from './roofline';
import { type AttentionWork, attentionStage } from './stages/attention';
import {
  type AllToAllGeometry,
  allReduce,
  allToAllGeometry,
  measuredPerByte,
  pipelineHops,
} from './stages/collectives';
import { expertCoefficients } from './stages/experts';
import { denseFfnStage, sharedExpertsStage } from './stages/ffn';
import { headStage } from './stages/head';
import { routerStage } from './stages/router';
import { draftTime } from './stages/speculative';
import type { Bound, ChipSpec, ImbalanceTax, LayerBreakdown, StageTimes } from './types';

export interface Evaluation {
  stepTime: number;
  balancedStep: number;
  breakdown: StageTimes;
  layers: LayerBreakdown[];
  energy: Energy;
  tax: Omit<ImbalanceTax, 'ratio' | 'total' | 'droppedTokens'>;
  dropped: number;
  assignments: number;
  rowsTotal: number;
  paddedTotal: number;
  touchedTotal: number;
}

/** Attention, router and shared experts of one MoE layer for `tokens` tokens per attention-side chip. */
interface SideWork {
  attention: StageCost;
  router: StageCost;
  shared: StageCost;
  allReduce: { time: number; linkBytes: number };
  /** Energy of attention + router + shared experts over every attention-side chip. */
  moeEnergy: Energy;
}

/**
 * This chip's share of the step's attention work (decoding sequences and the prompt tokens mixed in) for `tokens`
 * tokens per chip. One object literal of fixed shape: the sweeps build it hundreds of thousands of times.
 */
function attentionWork(
  p: Prepared,
  tokens: number,
  chips: number,
  allReduce: { time: number; linkBytes: number },
): AttentionWork {
  const w = p.work;
  const decode = p.s.phase === 'decode';
  const share = decode && w.stepTokens > 0 ? tokens / w.stepTokens : 0;
  const tp = p.layout.tensorParallel;
  return {
    decodeSeqs: decode ? w.seqs * share : 0,
    decodeQueries: decode ? w.seqs * w.queries * share : 0,
    kvLength: decode ? w.kvLength : 0,
    prefillTokens: decode ? w.prefillTokens * share : tokens,
    prefillContext: decode ? w.prefillContext : (p.s.contextLength + 1) / 2,
    tensorParallel: tp,
    kvSplit: Math.min(tp, p.m.kvSplit),
    kvMemEff: p.stack.kvMemEff,
    chips,
    allReduce,
  };
}

function sideWork(p: Prepared, tokens: number, attentionChips: number): SideWork {
  const { m, hw, layout, stack } = p;
  const A = hw.attention;
  const tp = layout.tensorParallel;
  const ar = allReduce(A, tp, tokens * m.d * m.actBytes, stack.allReduceFloor);
  const attention = attentionStage(A, m, attentionWork(p, tokens, attentionChips, ar));
  const router = routerStage(A, m, tokens, attentionChips);
  const shared = sharedExpertsStage(A, m, {
    tokens,
    tensorParallel: tp,
    chips: attentionChips,
    allReduce: ar,
  });
  const moeEnergy = new Energy();
  moeEnergy.add(attention.energy);
  moeEnergy.add(router.energy);
  moeEnergy.add(shared.energy);
  return { attention, router, shared, allReduce: ar, moeEnergy };
}

/** Everything outside the routed experts: per chip, identical on every attention-side chip. */
interface FixedWork {
  /** Micro-batches per MoE layer (2 with dual-batch overlap) and the side work per micro-batch. */
  mb: number;
  full: SideWork;
  half: SideWork;
  dense: StageCost;
  head: StageCost;
  pipeline: number;
  hopBytes: number;
  /** Attention-side chips per stage, and tokens per attention-side chip. */
  attentionChips: number;
  tokensPerChip: number;
}

function fixedWork(p: Prepared): FixedWork {
  const { s, m, hw, layout } = p;
  const A = hw.attention;
  const tp = layout.tensorParallel;
  const tc = layout.microBatch / layout.dataParallel;
  const nA = layout.attentionChips > 0 ? layout.attentionChips : layout.stageChips;
  // Dual-batch overlap (DeepSeek): the MoE layer runs as two micro-batches, one's all-to-all hidden behind the
  // other's compute; weights are read and kernels launched once per micro-batch.
  const mb = s.overlap === 'dual-batch' ? 2 : 1;
  const full = sideWork(p, tc, nA);
  const half = mb > 1 ? sideWork(p, tc / mb, nA) : full;
  const dense = denseFfnStage(A, m, { tokens: tc, tensorParallel: tp, chips: nA, allReduce: full.allReduce });
  const head = headStage(A, m, tc, tp, nA);
  const hopBytes = tc * m.d * m.actBytes;
  const pipeline = pipelineHops(A, layout.stages, hopBytes);
  return { mb, full, half, dense, head, pipeline, hopBytes, attentionChips: nA, tokensPerChip: tc };
}

/**
 * Tokens reach their experts by an all-to-all when attention is data-parallel (each chip holds its own tokens),
 * among the chips of one expert group (EP ranks × expert shards). With attention tensor-parallel over the whole
 * stage every chip already holds every token: no all-to-all, and the MoE output is all-reduced instead.
 */
function tokensReplicated(p: Prepared): boolean {
  return p.layout.attentionChips === 0 && p.layout.dataParallel <= 1 && p.layout.stageChips > 1;
}

function geometryOf(p: Prepared): AllToAllGeometry {
  const { layout } = p;
  const disagg = layout.attentionChips > 0;
  const groupChips = layout.expertRanks * layout.expertShard;
  return allToAllGeometry(p.hw, {
    chips: disagg ? layout.stageChips : tokensReplicated(p) ? 1 : groupChips,
    disaggregated: p.layout.attentionChips > 0,
    decode: p.s.phase === 'decode',
    topK: p.m.topK,
    groups: p.s.groups,
    topGroups: p.s.topGroups,
  });
}

/**
 * The all-reduce of the MoE output when attention is tensor-parallel over the stage (tokensReplicated): each chip
 * holds part of the experts (or part of each), so the partial outputs are summed. With shared experts it is the
 * same all-reduce as theirs (frameworks add the two outputs first): charged once, there.
 */
function moeAllReduce(p: Prepared, f: FixedWork): { time: number; linkBytes: number } {
  if (!tokensReplicated(p) || p.m.sharedBytes > 0) return { time: 0, linkBytes: 0 };
  const bytes = (f.tokensPerChip / f.mb) * p.m.d * p.m.actBytes;
  return allReduce(p.hw.experts, p.layout.stageChips, bytes, p.stack.allReduceFloor);
}

/** The coefficients every rank loop reads (one object per projection; see ranks.ts). */
function rankCosts(p: Prepared, f: FixedWork, g: AllToAllGeometry): RankCosts {
  const { s, m, hw, layout } = p;
  const disagg = layout.attentionChips > 0;
  // A token goes to every chip holding a slice of its expert.
  const sendRows = f.tokensPerChip * m.topK * layout.expertShard;
  const attnHalf = f.half.attention.time + f.half.router.time + f.half.shared.time;
  return {
    mb: f.mb,
    perMb: 1 / f.mb,
    sumMode: s.overlap === 'sum',
    fixed: disagg ? 0 : attnHalf,
    ...expertCoefficients(hw.experts, m, layout.expertShard, p.stack.expertMemEff, p.stack.expertSlotTime),
    reduceFixed: moeAllReduce(p, f).time,
    a2aOn: g.a2aOn,
    a2aFixed: g.a2aFixed,
    secPerSentByte: g.secPerSentByte,
    secPerRecvByte: g.secPerRecvByte,
    dispatchSent: (sendRows * m.d * m.dispatchBytes) / f.mb,
    combineSent: (sendRows * m.d * m.combineBytes) / f.mb,
    hidden: m.d,
    dispatchBytes: m.dispatchBytes,
    combineBytes: m.combineBytes,
  };
}

/**
 * A profile layer's all-to-all with its measured network (LayerLoad.network), else `k` unchanged: what the home
 * side sends (dispatch) and gets back (combine) is the busiest home rank's real rows per token (times the chips
 * holding a slice of each expert), and the linked bytes split over scale-up and scale-out links by the measured share.
 */
function costsForLayer(p: Prepared, k: RankCosts, g: AllToAllGeometry, li: number): RankCosts {
  const net = p.load.uniform ? undefined : p.load.layers[li]?.network;
  if (!net || !g.a2aOn || p.layout.attentionChips > 0 || !(net.sendRowsPerToken >= 0)) return k;
  // k's sends are tokens · topK rows a chip (see rankCosts); the measured ones tokens · sendRowsPerToken.
  const f = net.sendRowsPerToken / p.m.topK;
  const perByte = measuredPerByte(p.hw.experts, g, net);
  return {
    ...k,
    dispatchSent: k.dispatchSent * f,
    combineSent: k.combineSent * f,
    secPerSentByte: perByte.send,
    secPerRecvByte: perByte.recv,
  };
}

/** Running sums of the MoE layers over a projection. */
class MoeTotals {
  time = 0;
  balanced = 0;
  dropped = 0;
  assignments = 0;
  rows = 0;
  padded = 0;
  touched = 0;
  energy = new Energy();
  tax = { busiestChip: 0, padding: 0, distinctExperts: 0 };
}

/** One profile layer (serving `mult` model layers): every rank set's busiest rank, tax and energy. */
function evaluateMoeLayer(
  p: Prepared,
  f: FixedWork,
  k: RankCosts,
  g: AllToAllGeometry,
  u: number,
  /** Bytes each attention-side chip sends per micro-batch (dispatch + combine) without a measured network. */
  sentBytes: number,
  scan: RankScan,
  totals: MoeTotals,
  withTax: boolean,
  detail: boolean,
): { layerT: number; lt: StageTimes; busiest: number } {
  const { m, layout } = p;
  const X = p.hw.experts;
  const disagg = layout.attentionChips > 0;
  const shard = layout.expertShard;
  const mb = f.mb;
  const attnHalf = f.half.attention.time + f.half.router.time + f.half.shared.time;
  const layerOf = (ranksMax: number): number => {
    if (!disagg) return ranksMax;
    return k.sumMode ? attnHalf + ranksMax : Math.max(mb * attnHalf, ranksMax);
  };
  const res = p.resources[u];
  const mult = p.multiplicity[u];
  const resident = p.residentSlots;
  totals.dropped += mult * res.dropped;
  totals.assignments += mult * res.assignments;
  let layerT = 0;
  let balT = 0;
  const lt = zeroTimes();
  const layerE = new Energy();
  let busiest = 0;
  const nSets = res.sets.length;
  for (const set of res.sets) {
    const R = set.ranks;
    scanRanks(k, set, resident, scan);
    const { rows: sumRows, padded: sumPad, streamedSlots: sumStream, residentSlots: sumRes } = scan;
    // Energy: every chip of every group and shard (linear in the work, so summed over ranks first).
    layerE.op(
      X,
      p.groups * shard,
      (sumPad * m.expertFlopsPerRow) / shard,
      m.expertPrec,
      (mb * sumStream * m.expertBytes) / shard + (sumRows * m.expertActBytesPerRow) / shard,
      (mb * sumRes * m.expertBytes) / shard,
    );
    const actual = layerOf(scan.busiestTime);
    layerT += actual / nSets;
    totals.rows += (mult * sumRows * p.groups) / nSets;
    totals.padded += (mult * sumPad * p.groups) / nSets;
    totals.touched += (mult * (sumStream + sumRes) * p.groups) / nSets;
    if (withTax) {
      const mr = sumRows / R;
      const ms = sumStream / R;
      const mres = sumRes / R;
      const t0 = layerOf(rankTotal(k, mr, mr, ms, mres));
      const t1 = layerOf(rankTotal(k, mr, sumPad / R, ms, mres));
      const own = taxMaxima(k, set, scan, resident);
      const tA = layerOf(own.ownRows);
      const tB = layerOf(own.ownExperts);
      // Shapley split of the busiest-chip effect between uneven rows and uneven distinct experts.
      totals.tax.padding += (mult * (t1 - t0)) / nSets;
      totals.tax.busiestChip += (mult * (tA - t1 + (actual - tB)) * 0.5) / nSets;
      totals.tax.distinctExperts += (mult * (tB - t1 + (actual - tA)) * 0.5) / nSets;
      balT += t0 / nSets;
    }
    if (detail) {
      const arg = scan.busiest;
      const rr = set.rows[arg] / mb;
      lt.experts += (mb * scan.expert[arg]) / nSets;
      lt.dispatch += (mb * dispatchTime(k, rr)) / nSets;
      lt.combine += (mb * combineTime(k, rr)) / nSets;
      if (set === res.sets[0]) busiest = arg;
    }
    // Link energy: dispatch + combine bytes over all sending chips.
    layerE.link += ((f.attentionChips * sentBytes * g.perByteLink) / nSets) * (g.a2aOn ? 1 : 0);
  }
  layerE.scale(1 / nSets);
  totals.energy.add(layerE, mult);
  totals.time += mult * layerT;
  totals.balanced += mult * (withTax ? balT : layerT);
  return { layerT, lt, busiest };
}

/** The breakdown rows of a profile layer's `mult` model layers. */
function pushMoeRows(
  layers: LayerBreakdown[],
  mult: number,
  row: { layerT: number; lt: StageTimes; busiest: number },
  X: ChipSpec,
  A: ChipSpec,
): void {
  for (let i = 0; i < mult; i++) {
    layers.push({
      index: 0,
      kind: 'moe',
      times: { ...row.lt },
      total: row.layerT,
      busiestRank: row.busiest,
      bound: boundOf(row.lt, row.layerT, X, A),
    });
  }
}

function denseRows(count: number, f: FixedWork, A: ChipSpec): LayerBreakdown[] {
  const rows: LayerBreakdown[] = [];
  const denseLayer = f.full.attention.time + f.dense.time;
  for (let i = 0; i < count; i++) {
    const times = zeroTimes();
    times.attention = f.full.attention.time;
    times.dense = f.dense.time;
    rows.push({
      index: 0,
      kind: 'dense',
      times,
      total: denseLayer,
      busiestRank: 0,
      bound: boundOf(times, denseLayer, A, A),
    });
  }
  return rows;
}

export function evaluate(p: Prepared, withTax: boolean, detail: boolean): Evaluation {
  const { m, hw, layout } = p;
  const X = hw.experts;
  const A = hw.attention;
  const f = fixedWork(p);
  const mb = f.mb;
  const g = geometryOf(p);
  const base = rankCosts(p, f, g);
  const sentBytes = base.dispatchSent + base.combineSent;
  const breakdown = zeroTimes();
  const layers: LayerBreakdown[] = [];
  const totals = new MoeTotals();
  const scan = new RankScan();
  const router = mb * f.half.router.time;
  const shared = mb * f.half.shared.time;

  for (let u = 0; u < p.unique.length; u++) {
    const k = costsForLayer(p, base, g, p.unique[u]);
    const row = evaluateMoeLayer(p, f, k, g, u, sentBytes, scan, totals, withTax, detail);
    if (detail) {
      const mult = p.multiplicity[u];
      const lt = row.lt;
      lt.attention = mb * f.half.attention.time;
      lt.router = router;
      lt.shared = shared;
      pushMoeRows(layers, mult, row, X, A);
      breakdown.attention += mult * lt.attention;
      breakdown.router += mult * lt.router;
      breakdown.shared += mult * lt.shared;
      breakdown.experts += mult * lt.experts;
      breakdown.dispatch += mult * lt.dispatch;
      breakdown.combine += mult * lt.combine;
    }
  }

  const denseLayer = f.full.attention.time + f.dense.time;
  const denseTotal = m.denseLayers * denseLayer;
  // Host time per step (the serving stack's) and the draft steps of speculative decoding.
  const host = p.stack.stepOverhead + p.stack.perSequence * p.work.seqs;
  const draft = draftTime(A, m, p.s, {
    seqsPerChip: p.work.seqs / (layout.dataParallel * layout.stages),
    tensorParallel: layout.tensorParallel,
    moeLayerTime: m.moeLayers > 0 ? totals.time / m.moeLayers : denseLayer,
    headTime: f.head.time,
  });
  const extra = f.head.time + f.pipeline + host + draft;
  const stepTime = totals.time + denseTotal + extra;
  const balancedStep = totals.balanced + denseTotal + extra;
  const energy = new Energy();
  const moeFixedEnergy = new Energy();
  moeFixedEnergy.add(f.half.moeEnergy, mb);
  const denseEnergy = new Energy();
  denseEnergy.add(f.full.attention.energy);
  denseEnergy.add(f.dense.energy);
  energy.add(moeFixedEnergy, m.moeLayers);
  energy.add(totals.energy);
  energy.add(denseEnergy, m.denseLayers);
  energy.add(f.head.energy);
  energy.link += (layout.stages - 1) * layout.stageChips * f.hopBytes * A.jPerScaleOutByte;
  energy.link += m.moeLayers * mb * layout.stageChips * moeAllReduce(p, f).linkBytes * X.jPerLinkByte;
  // The draft's energy: the target's dynamic energy per second of its forward pass, for the draft's seconds.
  const forward = stepTime - host - draft;
  if (draft > 0 && forward > 0) energy.scale(1 + draft / forward);

  if (detail) {
    breakdown.attention += m.denseLayers * f.full.attention.time;
    breakdown.dense = m.denseLayers * f.dense.time;
    breakdown.head = f.head.time;
    breakdown.pipeline = f.pipeline;
    breakdown.host = host;
    breakdown.draft = draft;
    layers.unshift(...denseRows(m.denseLayers, f, A));
    layers.forEach((l, i) => {
      l.index = i;
    });
  }
  return {
    stepTime,
    balancedStep,
    breakdown,
    layers,
    energy,
    tax: totals.tax,
    dropped: totals.dropped,
    assignments: totals.assignments,
    rowsTotal: totals.rows,
    paddedTotal: totals.padded,
    touchedTotal: totals.touched,
  };
}

function boundOf(t: StageTimes, total: number, X: ChipSpec, A: ChipSpec): Bound {
  const comm = t.dispatch + t.combine;
  if (comm >= total * 0.5) return 'link';
  const launches = 14 * Math.max(X.launch, A.launch);
  if (launches >= total * 0.5) return 'overhead';
  // Memory- vs compute-bound by the chip's ridge point on the dominant stage.
  return t.experts + t.dense > t.attention ? (X.memBytes > 0 ? 'memory' : 'compute') : 'memory';
}

/**
 * Every expert-parallel rank's expert-phase time and rows in model MoE layer `moeLayer` (its first rank set), for
 * views that draw the ranks; the projection itself keeps only the busiest.
 */
export function layerRanks(p: Prepared, moeLayer: number): { rankTimes: number[]; rankRows: number[] } {
  const f = fixedWork(p);
  const g = geometryOf(p);
  let u = 0;
  for (
    let seen = p.multiplicity[0];
    seen <= moeLayer && u < p.unique.length - 1;
    seen += p.multiplicity[++u]
  );
  const k = costsForLayer(p, rankCosts(p, f, g), g, p.unique[u]);
  return rankDetail(k, p.resources[u].sets[0], p.residentSlots);
}
