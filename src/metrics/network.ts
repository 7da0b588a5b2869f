import { type ExpertPlacement, type Placement, placeExperts } from './placement';

/**
 * The network view of expert parallelism: for one MoE layer, a trace (each token's k experts), the tokens' home
 * ranks and an expert placement, the bytes every rank sends to every other rank in the dispatch all-to-all (token
 * rows to the ranks that hold their experts) and in the combine (expert outputs back home), split into traffic
 * inside the scale-up domain (NVLink node, TPU pod slice) and across it (scale-out network).
 *
 * Copies. A token is sent ONCE to each rank that holds any of its chosen experts, not once per expert: DeepEP's
 * normal (high-throughput) kernels and plain all-to-all implementations (Megatron, Tutel, SGLang's a2a) dedupe by
 * destination rank and fan the row out to the rank's local experts after it arrives; the combine likewise returns
 * one row per (token, rank), the rank's partial sum over its experts. `expertRows` also counts one row per
 * (token, expert), what a per-expert send (DeepEP's low-latency kernels) would move.
 *
 * Replica choice. When a chosen expert has several replicas (EPLB), the token goes to one of them, picked the way
 * DeepSeek/SGLang's static dispatch map does: a replica on the token's own rank if there is one, else one inside
 * the home rank's scale-up domain, else any; among several candidates at the same level, candidate number
 * (token index mod candidates), which spreads the tokens evenly and deterministically.
 *
 * Self-traffic (a token whose expert lives on its home rank) moves no bytes over a link: it is reported apart
 * (`self`) and left out of every send, receive and link total.
 */

/** The slots of a placement: what network traffic depends on (ExpertPlacement and stream's PlacementChoice fit). */
export interface NetworkPlacement {
  ranks: number;
  replicas: Int32Array;
  slotExpert: Int32Array;
  slotRank: Int32Array;
}

/** One layer's choices: ids[t·stride + offset + j] is token t's expert j (j < topK); a negative id is skipped. */
export interface LayerChoices {
  tokens: number;
  topK: number;
  ids: ArrayLike<number>;
  /** Distance between tokens in `ids` (default topK; a [T, L, k] trace: L·k). */
  stride?: number;
  /** Where token 0's choices start (a [T, L, k] trace: l·k). */
  offset?: number;
}

export interface NetworkOptions {
  /** Bytes of one token row in the dispatch (d × bytes per element, e.g. FP8: d). */
  dispatchBytesPerRow: number;
  /** Bytes of one row in the combine (e.g. BF16: 2d). */
  combineBytesPerRow: number;
  /** Ranks per scale-up domain (node); ranks r and q share one when floor(r/D) = floor(q/D). Default: all. */
  domain?: number;
  /**
   * Tokens per step (default all): the tokens are consecutive steps of this many tokens, and in every step token i
   * lives on rank floor(i·R/stepTokens) (attention data parallel: the batch split into R contiguous blocks).
   */
  stepTokens?: number;
  /** Home rank of every token instead (overrides stepTokens' blocks; per-step busiest still uses stepTokens). */
  homeRanks?: ArrayLike<number>;
}

/** One all-to-all (dispatch or combine): bytes from source rank to destination rank and what they add up to. */
export interface NetworkDirection {
  /** [R, R] bytes, bytes[src·R + dst]; the diagonal is self-traffic (no link). */
  bytes: Float64Array;
  /** [R] bytes each rank sends inside its scale-up domain (up) and across it (out), and receives; self excluded. */
  sendUp: Float64Array;
  sendOut: Float64Array;
  recvUp: Float64Array;
  recvOut: Float64Array;
  /** [R] bytes a rank keeps (src = dst). */
  self: Float64Array;
  /** Totals over ranks: inside domains, across domains (links), and self (no link). */
  totalUp: number;
  totalOut: number;
  totalSelf: number;
  /** Mean over ranks of send (= of receive): (totalUp + totalOut) / R. */
  meanRank: number;
  /** The rank whose larger of send and receive is largest (lowest index on ties). */
  busiestRank: { rank: number; bytes: number; send: number; recv: number };
  /** The largest off-diagonal entry (src, dst lowest on ties); bytes 0 when nothing crosses a link. */
  busiestLink: { src: number; dst: number; bytes: number };
  /** Per step (stepTokens): the busiest rank's bytes, max over ranks of max(send, recv) in that step. */
  stepBusiest: Float64Array;
  /** Per step: the mean rank's send bytes in that step. */
  stepMean: Float64Array;
  /** Per step: the largest send and the largest receive of any rank (self excluded). */
  stepMaxSend: Float64Array;
  stepMaxRecv: Float64Array;
}

export interface NetworkReport {
  ranks: number;
  domain: number;
  tokens: number;
  topK: number;
  steps: number;
  stepTokens: number;
  dispatchBytesPerRow: number;
  combineBytesPerRow: number;
  /** [R, R] token rows from home rank (src) to expert rank (dst): one per (token, destination rank). */
  rows: Int32Array;
  /** [R, R] (token, expert) pairs from home rank to expert rank: one per chosen expert (per-expert sends). */
  expertRows: Int32Array;
  /** Dispatch: home → expert ranks (rows × dispatchBytesPerRow). */
  dispatch: NetworkDirection;
  /** Combine: expert ranks → home, the transpose of the dispatch (rows × combineBytesPerRow). */
  combine: NetworkDirection;
}

/** Token t's home rank when T tokens are split over R ranks in contiguous blocks. */
export const homeRank = (t: number, tokens: number, ranks: number): number =>
  Math.min(ranks - 1, Math.floor((t * ranks) / Math.max(1, tokens)));

/**
 * Replica candidates. An expert with one slot goes to that slot's rank from every home (`single[e]`, the common
 * case, no table). For an expert with several, `multi[e]` indexes a per-(home rank, multi-replica expert) CSR list:
 * replicas on the home rank, else in its scale-up domain, else all.
 */
function replicaCandidates(p: NetworkPlacement, experts: number, domain: number) {
  const R = p.ranks;
  const S = p.slotExpert.length;
  const repStart = new Int32Array(experts + 1);
  for (let s = 0; s < S; s++) {
    const e = p.slotExpert[s];
    if (e >= 0 && e < experts) repStart[e + 1]++;
  }
  for (let e = 0; e < experts; e++) repStart[e + 1] += repStart[e];
  const repRank = new Int32Array(repStart[experts]);
  const fill = repStart.slice(0, experts);
  for (let s = 0; s < S; s++) {
    const e = p.slotExpert[s];
    if (e >= 0 && e < experts) repRank[fill[e]++] = p.slotRank[s];
  }
  const single = new Int32Array(experts).fill(-1);
  const multi = new Int32Array(experts).fill(-1);
  const multiExperts: number[] = [];
  for (let e = 0; e < experts; e++) {
    const n = repStart[e + 1] - repStart[e];
    if (n === 1) single[e] = repRank[repStart[e]];
    else if (n > 1) {
      multi[e] = multiExperts.length;
      multiExperts.push(e);
    }
  }
  const M = multiExperts.length;
  const candStart = new Int32Array(R * M + 1);
  const cand = new Int32Array(R * Math.max(0, repRank.length));
  let len = 0;
  for (let h = 0; h < R; h++) {
    const node = Math.floor(h / domain);
    for (let m = 0; m < M; m++) {
      const e = multiExperts[m];
      const a = repStart[e];
      const b = repStart[e + 1];
      const before = len;
      for (let i = a; i < b; i++) if (repRank[i] === h) cand[len++] = h;
      if (len === before)
        for (let i = a; i < b; i++) if (Math.floor(repRank[i] / domain) === node) cand[len++] = repRank[i];
      if (len === before) for (let i = a; i < b; i++) cand[len++] = repRank[i];
      candStart[h * M + m + 1] = len;
    }
  }
  return { single, multi, M, candStart, cand };
}

function direction(
  rows: Int32Array,
  R: number,
  domain: number,
  perRow: number,
  transpose: boolean,
  stepSend: Float64Array[],
): NetworkDirection {
  const bytes = new Float64Array(R * R);
  const sendUp = new Float64Array(R);
  const sendOut = new Float64Array(R);
  const recvUp = new Float64Array(R);
  const recvOut = new Float64Array(R);
  const self = new Float64Array(R);
  let link = { src: 0, dst: 0, bytes: 0 };
  for (let src = 0; src < R; src++) {
    const node = Math.floor(src / domain);
    for (let dst = 0; dst < R; dst++) {
      const n = transpose ? rows[dst * R + src] : rows[src * R + dst];
      const b = n * perRow;
      bytes[src * R + dst] = b;
      if (src === dst) self[src] = b;
      else if (Math.floor(dst / domain) === node) {
        sendUp[src] += b;
        recvUp[dst] += b;
      } else {
        sendOut[src] += b;
        recvOut[dst] += b;
      }
      if (src !== dst && b > link.bytes) link = { src, dst, bytes: b };
    }
  }
  let totalUp = 0;
  let totalOut = 0;
  let totalSelf = 0;
  let busiest = { rank: 0, bytes: -1, send: 0, recv: 0 };
  for (let r = 0; r < R; r++) {
    totalUp += sendUp[r];
    totalOut += sendOut[r];
    totalSelf += self[r];
    const send = sendUp[r] + sendOut[r];
    const recv = recvUp[r] + recvOut[r];
    const m = Math.max(send, recv);
    if (m > busiest.bytes) busiest = { rank: r, bytes: m, send, recv };
  }
  // Per step: stepSend[0] is sends (rows) and stepSend[1] receives per rank and step, [steps·R].
  const [sendRows, recvRows] = transpose ? [stepSend[1], stepSend[0]] : [stepSend[0], stepSend[1]];
  const steps = sendRows.length / R;
  const stepBusiest = new Float64Array(steps);
  const stepMean = new Float64Array(steps);
  const stepMaxSend = new Float64Array(steps);
  const stepMaxRecv = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    let maxSend = 0;
    let maxRecv = 0;
    let sum = 0;
    for (let r = 0; r < R; r++) {
      maxSend = Math.max(maxSend, sendRows[s * R + r]);
      maxRecv = Math.max(maxRecv, recvRows[s * R + r]);
      sum += sendRows[s * R + r];
    }
    stepBusiest[s] = Math.max(maxSend, maxRecv) * perRow;
    stepMaxSend[s] = maxSend * perRow;
    stepMaxRecv[s] = maxRecv * perRow;
    stepMean[s] = (sum / R) * perRow;
  }
  return {
    bytes,
    sendUp,
    sendOut,
    recvUp,
    recvOut,
    self,
    totalUp,
    totalOut,
    totalSelf,
    meanRank: (totalUp + totalOut) / R,
    busiestRank: busiest,
    busiestLink: link,
    stepBusiest,
    stepMean,
    stepMaxSend,
    stepMaxRecv,
  };
}

/**
 * The dispatch and combine byte matrices of one layer under a placement, with per-rank totals split by scale-up
 * domain, the busiest rank and link, and per-step busiest ranks. O(T·k + R²) time; ids outside [0, E) where E is
 * the placement's expert count are skipped when negative and refused otherwise.
 */
export function layerNetwork(
  choices: LayerChoices,
  placement: NetworkPlacement,
  opts: NetworkOptions,
): NetworkReport {
  const R = Math.max(1, placement.ranks);
  const T = Math.max(0, Math.floor(choices.tokens));
  const k = choices.topK;
  const stride = choices.stride ?? k;
  const offset = choices.offset ?? 0;
  const ids = choices.ids;
  const domain = Math.max(1, Math.min(R, Math.floor(opts.domain ?? R)));
  const stepTokens = Math.max(1, Math.min(T || 1, Math.floor(opts.stepTokens ?? T)));
  const steps = T > 0 ? Math.ceil(T / stepTokens) : 0;
  const E = placement.replicas.length;
  const home = opts.homeRanks;
  if (home && home.length < T) throw new Error(`${home.length} home ranks for ${T} tokens`);
  const { single, multi, M, candStart, cand } = replicaCandidates(placement, E, domain);
  const rows = new Int32Array(R * R);
  const expertRows = new Int32Array(R * R);
  const stepSendRows = new Float64Array(steps * R);
  const stepRecvRows = new Float64Array(steps * R);
  // seen[d] = t + 1 when token t already sent a row to rank d.
  const seen = new Int32Array(R);
  for (let t = 0; t < T; t++) {
    const step = Math.floor(t / stepTokens);
    const i = t - step * stepTokens;
    const stepLen = Math.min(stepTokens, T - step * stepTokens);
    const h = home ? home[t] : homeRank(i, stepLen, R);
    if (!(h >= 0 && h < R)) throw new Error(`token ${t}: home rank ${h} is outside 0–${R - 1}`);
    const at = offset + t * stride;
    const hM = h * M;
    for (let j = 0; j < k; j++) {
      const e = ids[at + j];
      if (e < 0) continue;
      if (!(e < E)) throw new Error(`token ${t}: expert id ${e} is outside 0–${E - 1}`);
      let d = single[e];
      if (d < 0) {
        const m = multi[e];
        if (m < 0) throw new Error(`expert ${e} has no slot in the placement`);
        const a = candStart[hM + m];
        d = cand[a + (t % (candStart[hM + m + 1] - a))];
      }
      expertRows[h * R + d]++;
      if (seen[d] === t + 1) continue;
      seen[d] = t + 1;
      rows[h * R + d]++;
      if (d !== h) {
        stepSendRows[step * R + h]++;
        stepRecvRows[step * R + d]++;
      }
    }
  }
  const per = [stepSendRows, stepRecvRows];
  return {
    ranks: R,
    domain,
    tokens: T,
    topK: k,
    steps,
    stepTokens,
    dispatchBytesPerRow: opts.dispatchBytesPerRow,
    combineBytesPerRow: opts.combineBytesPerRow,
    rows,
    expertRows,
    dispatch: direction(rows, R, domain, opts.dispatchBytesPerRow, false, per),
    combine: direction(rows, R, domain, opts.combineBytesPerRow, true, per),
  };
}

/** Tokens routed to each expert in a layer's choices (negative ids skipped): EPLB's history when none is given. */
export function layerChoiceCounts(choices: LayerChoices, experts: number): Float64Array {
  const out = new Float64Array(experts);
  const stride = choices.stride ?? choices.topK;
  const offset = choices.offset ?? 0;
  for (let t = 0; t < choices.tokens; t++) {
    for (let j = 0; j < choices.topK; j++) {
      const e = choices.ids[offset + t * stride + j];
      if (e >= 0 && e < experts) out[e]++;
    }
  }
  return out;
}

export interface NetworkComparison {
  /** Round-robin (expert e on rank e mod R). */
  plain: NetworkReport;
  /** Load-aware: no replicas, experts packed by the history's load (placeExperts 'load-aware'). */
  loadAware: NetworkReport;
  loadAwarePlacement: ExpertPlacement;
  /** Load-aware packing was no better than round-robin on the history, so round-robin was kept. */
  loadAwareFellBack: boolean;
  /** EPLB with `redundant` extra replicas, placed from the history (placeExperts 'eplb'). */
  eplb: NetworkReport;
  eplbPlacement: ExpertPlacement;
  /** placeExperts kept round-robin because its packing was no better on the history. */
  fellBack: boolean;
  redundant: number;
}

/** Which report of a comparison a placement mode measured (the scenario's expertPlacement → its traffic). */
export function networkOf(cmp: NetworkComparison, placement: Placement): NetworkReport {
  return placement === 'eplb' ? cmp.eplb : placement === 'load-aware' ? cmp.loadAware : cmp.plain;
}

/**
 * Every placement a scenario can name, for one layer: the network under round-robin, load-aware (packed by load,
 * no replicas) and EPLB with `redundant` replicas, the last two placed from `history` (the layer's expert load
 * over an earlier window; default the choices' own counts, which flatters them since they then see the batch they
 * are judged on).
 */
export function networkBeforeAfter(
  choices: LayerChoices,
  experts: number,
  ranks: number,
  redundant: number,
  opts: NetworkOptions & { history?: ArrayLike<number> },
): NetworkComparison {
  const history = opts.history ?? layerChoiceCounts(choices, experts);
  if (history.length !== experts) throw new Error(`history has ${history.length} experts, not ${experts}`);
  const plainP = placeExperts(history, ranks, 'round-robin');
  const loadP = placeExperts(history, ranks, 'load-aware');
  const eplbP = placeExperts(history, ranks, 'eplb', redundant);
  const plain = layerNetwork(choices, plainP, opts);
  return {
    plain,
    // A fallen-back placement is round-robin's slots exactly: its traffic is plain's, not measured twice.
    loadAware: loadP.fellBack ? plain : layerNetwork(choices, loadP, opts),
    loadAwarePlacement: loadP,
    loadAwareFellBack: loadP.fellBack,
    eplb: layerNetwork(choices, eplbP, opts),
    eplbPlacement: eplbP,
    fellBack: eplbP.fellBack,
    redundant: eplbP.fellBack ? 0 : Math.max(0, Math.floor(redundant)),
  };
}

/**
 * What a cost model takes from one layer's report (costmodel LayerLoad.network): the busiest home rank's real
 * dispatch sends as linked rows (self excluded, one per token and destination rank) per token a rank holds
 * (Σ over steps of the step's largest send / (T / R), so a step's imbalance is not averaged away by the next); the
 * same over the mean rank's (sendFactor) and the busiest expert rank's receive over the mean (recvFactor), 1 when
 * nothing moves; and the share of linked bytes inside a scale-up domain (absent when nothing crosses a link).
 */
export function networkFactors(n: NetworkReport): {
  sendRowsPerToken: number;
  sendFactor: number;
  recvFactor: number;
  upShare?: number;
} {
  const d = n.dispatch;
  let maxSend = 0;
  let maxRecv = 0;
  let mean = 0;
  for (let s = 0; s < d.stepMean.length; s++) {
    maxSend += d.stepMaxSend[s];
    maxRecv += d.stepMaxRecv[s];
    mean += d.stepMean[s];
  }
  const linked = d.totalUp + d.totalOut;
  const perRow = n.dispatchBytesPerRow;
  return {
    sendRowsPerToken: n.tokens > 0 && perRow > 0 ? maxSend / perRow / (n.tokens / n.ranks) : 0,
    sendFactor: mean > 0 ? maxSend / mean : 1,
    recvFactor: mean > 0 ? maxRecv / mean : 1,
    ...(linked > 0 ? { upShare: d.totalUp / linked } : {}),
  };
}

/** JSON-friendly summary of one direction: per-rank sends and receives split up/out, busiest rank and link. */
export function directionSummary(d: NetworkDirection) {
  const arr = (a: Float64Array) => Array.from(a);
  return {
    sendUp: arr(d.sendUp),
    sendOut: arr(d.sendOut),
    recvUp: arr(d.recvUp),
    recvOut: arr(d.recvOut),
    self: arr(d.self),
    totalUp: d.totalUp,
    totalOut: d.totalOut,
    totalSelf: d.totalSelf,
    meanRank: d.meanRank,
    busiestRank: d.busiestRank,
    busiestLink: d.busiestLink,
    busiestOverMean: d.meanRank > 0 ? d.busiestRank.bytes / d.meanRank : 1,
  };
}
