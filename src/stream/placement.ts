import {
  deepseekEplbPlacement,
  type EplbPolicy,
  type ExpertPlacement,
  hierarchicalPrecondition,
  type Percentiles,
  type Placement,
  percentiles,
  placeExperts,
} from '../metrics';
import { findChipPreset, type Scenario } from '../scenario';

/**
 * Expert placement over expert-parallel chips, judged by the busiest chip: plain (expert e on chip e mod N) against
 * DeepSeek-EPLB-style replication and packing, both from costmodel's placeExperts. The placement is computed from a
 * layer's load over the whole stream (its history) and judged on that load and on each step's load.
 */

/** Per-chip load of a placement: each replica of expert e carries load[e] / replicas[e]. */
export function chipLoads(
  load: ArrayLike<number>,
  p: { ranks: number; replicas: Int32Array; slotExpert: Int32Array; slotRank: Int32Array },
): Float64Array {
  const out = new Float64Array(p.ranks);
  for (let s = 0; s < p.slotExpert.length; s++) {
    const e = p.slotExpert[s];
    out[p.slotRank[s]] += load[e] / p.replicas[e];
  }
  return out;
}

const maxOf = (a: Float64Array) => a.reduce((m, v) => Math.max(m, v), 0);
const meanOf = (a: Float64Array) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);

export interface PlacementChoice {
  mode: Placement;
  ranks: number;
  redundant: number;
  replicas: Int32Array;
  slotExpert: Int32Array;
  slotRank: Int32Array;
  /**
   * True when placeExperts' greedy packing would have left its busiest chip above the plain placement's on the
   * history it was computed from (greedy packing is not optimal); plain is kept then, as any operator would.
   */
  fellBack: boolean;
}

/**
 * EPLB placement for a layer's history, never worse than plain on that history: costmodel's placeExperts('eplb')
 * keeps round-robin (fellBack = true) when its greedy packing would leave the busiest chip above it.
 */
export function eplbPlacement(history: ArrayLike<number>, ranks: number, redundant: number): PlacementChoice {
  const chosen = placeExperts(history, ranks, 'eplb', redundant);
  return {
    mode: chosen.fellBack ? 'round-robin' : 'eplb',
    ranks: chosen.ranks,
    redundant: chosen.fellBack ? 0 : Math.max(0, Math.floor(redundant)),
    replicas: chosen.replicas,
    slotExpert: chosen.slotExpert,
    slotRank: chosen.slotRank,
    fellBack: chosen.fellBack,
  };
}

/** mean chip load / busiest chip load of a placement on a load (1 = perfectly balanced; 1 on no load). */
export function balancedness(load: ArrayLike<number>, p: ExpertPlacement | PlacementChoice): number {
  const c = chipLoads(load, p);
  const max = maxOf(c);
  return max > 0 ? meanOf(c) / max : 1;
}

// ---- topology for DeepSeek's hierarchical policy ------------------------------------------------------------

export interface PlacementTopology {
  /** Expert groups (the scenario's group-limited routing; 1 = none). */
  groups: number;
  /** Nodes the expert-parallel ranks span: ranks / chips per scale-up domain. */
  nodes: number;
  /** Where the figures came from. */
  source: string;
}

/**
 * Groups and nodes for DeepSeek's hierarchical EPLB, from fields the scenario already has: `groups`, and the first
 * compared chip's scale-up domain (a node: the chips on one fast fabric, e.g. an 8-GPU NVLink board). The ranks span
 * ranks / domain nodes; fewer ranks than a domain make one node. Ranks that do not fill whole domains give no
 * node count (null), since eplb.py's nodes all hold the same number of GPUs.
 */
export function placementTopology(s: Scenario, ranks: number): PlacementTopology | { why: string } {
  const chip = s.chips.length ? findChipPreset(s.chips[0]) : undefined;
  if (!chip) return { why: 'no known chip in the scenario gives a scale-up domain (node size)' };
  const domain = Math.max(1, Math.floor(chip.model.scaleUpDomain.value));
  const R = Math.max(1, Math.floor(ranks));
  if (R > domain && R % domain !== 0) {
    return {
      why: `${R} expert-parallel chips do not fill whole ${domain}-chip scale-up domains of ${chip.id}`,
    };
  }
  const nodes = R <= domain ? 1 : R / domain;
  return {
    groups: Math.max(1, Math.floor(s.groups)),
    nodes,
    source: `${s.groups} expert group(s); ${nodes} node(s) of ${Math.min(R, domain)} chips (${chip.id}'s scale-up domain is ${domain})`,
  };
}

// ---- drift: a placement made on an older window, judged on a later one ---------------------------------------

export interface DriftOptions {
  /** Steps per window (default steps / 16, at least 1). */
  window?: number;
  /** Most windows (default 64): a longer trace gets wider windows, so the cost stays bounded. */
  maxWindows?: number;
  /**
   * Most lags reported (default 16): every lag from 0 up to the longest the trace allows, or every k-th one. The
   * half-gain lag is searched over every lag regardless.
   */
  maxLags?: number;
}

export interface DriftPoint {
  /** Steps from the end of the history window to the start of the judged one. */
  lag: number;
  /** Judged windows averaged at this lag. */
  windows: number;
  /** Mean balancedness (mean chip load / busiest chip, each judged window's summed load) of each placement. */
  roundRobin: number;
  /** EPLB made from the judged window itself: the ideal, and an optimistic one (it sees the load it is judged on). */
  fresh: number;
  /** EPLB made from the window [t − W − lag, t − lag), judged on [t, t + W). */
  stale: number;
  /** (stale − round-robin) / (fresh − round-robin): the share of fresh EPLB's gain kept; null where fresh gains nothing. */
  keptGain: number | null;
}

export interface DriftAnalysis {
  /** Steps per window, windows used, and steps left over at the end (not judged). */
  window: number;
  windows: number;
  unusedSteps: number;
  ranks: number;
  redundant: number;
  points: DriftPoint[];
  /**
   * The smallest lag (steps, a whole number of windows) at which stale EPLB keeps less than half of fresh EPLB's
   * gain, over every window lag, not only the reported points; null: never, or no gain.
   */
  halfGainLag: number | null;
  note: string;
}

const DRIFT_WINDOWS = 16;
const DRIFT_MAX_WINDOWS = 64;
const DRIFT_MAX_LAGS = 16;

/**
 * EPLB as deployed recomputes its placement from recent statistics and applies it to traffic that comes later. For
 * one layer's per-step counts (steps × E, row-major) this cuts the steps into windows of W and, for each lag, judges
 * round-robin, fresh EPLB (placed from the judged window) and stale EPLB (placed from the window that ended `lag`
 * steps before the judged one began) on every judged window the trace allows. Lags are whole windows (0, W, 2W, …),
 * so each window's placement is made once and reused. Deterministic; cost: `windows` placements and at most
 * windows²/2 chip-load sums (the half-gain search may judge every lag).
 */
export function placementDrift(
  counts: ArrayLike<number>,
  experts: number,
  ranks: number,
  redundant: number,
  opts: DriftOptions = {},
): DriftAnalysis {
  const E = Math.max(1, Math.floor(experts));
  const R = Math.max(1, Math.floor(ranks));
  const extra = Math.max(0, Math.floor(redundant));
  const steps = Math.floor(counts.length / E);
  const maxWindows = Math.max(2, Math.floor(opts.maxWindows ?? DRIFT_MAX_WINDOWS));
  let W = Math.max(1, Math.floor(opts.window ?? steps / DRIFT_WINDOWS));
  if (Math.floor(steps / W) > maxWindows) W = Math.ceil(steps / maxWindows);
  const n = Math.floor(steps / W);
  const base = { window: W, windows: n, unusedSteps: steps - n * W, ranks: R, redundant: extra };
  if (n < 2) {
    return {
      ...base,
      points: [],
      halfGainLag: null,
      note: `drift needs at least 2 windows of ${W} step(s); the trace has ${steps} step(s)`,
    };
  }
  const sums: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const sum = new Float64Array(E);
    for (let t = k * W; t < (k + 1) * W; t++) for (let e = 0; e < E; e++) sum[e] += counts[t * E + e];
    sums.push(sum);
  }
  const rr = placeExperts(sums[0], R, 'round-robin');
  const placed = sums.map((sum) => eplbPlacement(sum, R, extra));
  const rrB = sums.map((sum) => balancedness(sum, rr));
  const freshB = sums.map((sum, k) => balancedness(sum, placed[k]));
  const maxLag = n - 2;
  /** Mean balancedness of round-robin, fresh and stale EPLB over every window judged at a lag of j windows. */
  const judge = (j: number): DriftPoint => {
    let a = 0;
    let f = 0;
    let st = 0;
    let m = 0;
    for (let k = j + 1; k < n; k++) {
      a += rrB[k];
      f += freshB[k];
      st += balancedness(sums[k], placed[k - 1 - j]);
      m++;
    }
    const [roundRobin, fresh, stale] = [a / m, f / m, st / m];
    const gain = fresh - roundRobin;
    return {
      lag: j * W,
      windows: m,
      roundRobin,
      fresh,
      stale,
      keptGain: gain > 1e-9 ? (stale - roundRobin) / gain : null,
    };
  };
  // Reported: every lag from 0 to the longest the trace allows, or every stride-th one when there are more than
  // the cap (the chart's points).
  const stride = Math.ceil((maxLag + 1) / Math.max(1, Math.floor(opts.maxLags ?? DRIFT_MAX_LAGS)));
  const lags = Array.from({ length: Math.floor(maxLag / stride) + 1 }, (_, i) => i * stride);
  const points: DriftPoint[] = lags.map(judge);
  // The half-gain lag is exact over whole-window lags: every lag is judged in turn (reusing the reported ones)
  // until the first that keeps less than half the gain, so a crossing between two reported lags is not rounded
  // up to the next one. At most windows²/2 chip-load sums, as cheap as the reported points.
  const byLag = new Map(points.map((p) => [p.lag, p]));
  let half: DriftPoint | undefined;
  let anyGain = false;
  for (let j = 0; j <= maxLag && !half; j++) {
    const p = byLag.get(j * W) ?? judge(j);
    if (p.keptGain === null) continue;
    anyGain = true;
    if (p.keptGain < 0.5) half = p;
  }
  return {
    ...base,
    points,
    halfGainLag: half ? half.lag : null,
    note: !anyGain
      ? 'fresh EPLB gains nothing over round-robin on these windows, so there is no gain to lose'
      : half
        ? `stale EPLB keeps less than half of fresh EPLB's gain from a lag of ${half.lag} step(s) (windows of ${W})`
        : `stale EPLB keeps at least half of fresh EPLB's gain at every lag up to ${maxLag * W} step(s) (windows of ${W})`,
  };
}

// ---- the report ----------------------------------------------------------------------------------------------

export interface DeepseekLayer {
  busiest: number;
  balancedness: number;
  /** Copies of each expert. */
  replicas: number[];
  /** Per step (placement from the whole stream, judged on each step): balancedness percentiles. */
  perStep: Percentiles;
  /** Mean number of nodes an expert group's replicas sit on, flat EPLB vs DeepSeek's (hierarchical: 1); with groups. */
  nodesPerGroup?: { flat: number; deepseek: number };
}

export interface LayerPlacement {
  layerId: number;
  /** Mean chip load (the balanced ideal) and each placement's busiest chip, on the stream's total load. */
  meanChip: number;
  plainBusiest: number;
  eplbBusiest: number;
  /** mean chip load / busiest chip load (1 = perfectly balanced). */
  plainBalancedness: number;
  eplbBalancedness: number;
  fellBack: boolean;
  /** Copies of each expert in the EPLB placement. */
  replicas: Int32Array;
  /** Per step (placement from the whole stream, judged on each step): balancedness percentiles. */
  perStep: { plain: Percentiles; eplb: Percentiles };
  /** DeepSeek's eplb.py (hierarchical or global policy, see PlacementReport.deepseek) beside the flat EPLB above. */
  deepseek?: DeepseekLayer;
  /** Flat EPLB placed from an older window and judged on a later one. */
  drift?: DriftAnalysis;
}

export interface PlacementReport {
  ranks: number;
  redundant: number;
  layers: LayerPlacement[];
  /** DeepSeek's eplb.py as run here (null when its sizes do not fit; `deepseekNote` says why). */
  deepseek: {
    policy: EplbPolicy;
    groups: number;
    nodes: number;
    ranksPerNode: number;
    physical: number;
  } | null;
  deepseekNote: string;
  note: string;
}

export interface PlacementReportOptions {
  /** Groups and nodes for eplb.py (placementTopology), or why there are none. Default: 1 group, 1 node. */
  topology?: PlacementTopology | { why: string };
  /** Drift analysis per layer (default on). */
  drift?: false | DriftOptions;
}

/** Mean over groups of the number of nodes holding a replica of the group's experts. */
function nodesPerGroup(p: ExpertPlacement, groups: number, experts: number, ranksPerNode: number): number {
  const size = experts / groups;
  const seen = Array.from({ length: groups }, () => new Set<number>());
  for (let s = 0; s < p.slotExpert.length; s++) {
    seen[Math.floor(p.slotExpert[s] / size)].add(Math.floor(p.slotRank[s] / ranksPerNode));
  }
  return seen.reduce((a, g) => a + g.size, 0) / groups;
}

/**
 * Plain vs EPLB busiest chip for each layer. `history` [E] is the layer's total load, `steps` its per-step rows
 * (steps × E, row-major), judged against the placement made from the history. Beside moe-lab's flat EPLB, DeepSeek's
 * eplb.py (hierarchical when the topology's nodes divide its groups, else its global policy), and per layer the
 * drift of a placement made on an older window.
 */
export function placementReport(
  layers: { layerId: number; total: ArrayLike<number>; counts: Int32Array }[],
  experts: number,
  ranks: number,
  redundant: number,
  opts: PlacementReportOptions = {},
): PlacementReport {
  const R = Math.max(1, Math.floor(ranks));
  const extra = Math.max(0, Math.floor(redundant));
  const physical = experts + extra;
  const topo = opts.topology ?? { groups: 1, nodes: 1, source: '1 group, 1 node' };
  let deepseek: PlacementReport['deepseek'] = null;
  let deepseekNote: string;
  if ('why' in topo) {
    const why = hierarchicalPrecondition(experts, physical, 1, 1, R);
    if (why) deepseekNote = `DeepSeek EPLB not run: ${why}`;
    else {
      deepseek = { policy: 'global', groups: 1, nodes: 1, ranksPerNode: R, physical };
      deepseekNote = `DeepSeek EPLB, global policy: hierarchical needs nodes, and ${topo.why}`;
    }
  } else {
    const hier = topo.groups % topo.nodes === 0;
    const [g, nd] = hier ? [topo.groups, topo.nodes] : [1, 1];
    const why = hierarchicalPrecondition(experts, physical, g, nd, R);
    if (why) deepseekNote = `DeepSeek EPLB not run: ${why} (${topo.source})`;
    else {
      const policy: EplbPolicy = g === 1 && nd === 1 ? 'global' : 'hierarchical';
      deepseek = { policy, groups: g, nodes: nd, ranksPerNode: R / nd, physical };
      deepseekNote =
        policy === 'hierarchical'
          ? `DeepSeek EPLB, hierarchical policy: ${g} groups packed onto ${nd} node(s), replicated and packed within each`
          : !hier
            ? `DeepSeek EPLB, global policy: ${topo.nodes} nodes do not divide ${topo.groups} groups, so eplb.py falls back to it`
            : `DeepSeek EPLB, global policy: one group on one node (hierarchical needs expert groups and several nodes)`;
      deepseekNote += ` (${topo.source})`;
    }
  }
  const driftOpts = opts.drift === false ? null : (opts.drift ?? {});
  const out: LayerPlacement[] = layers.map(({ layerId, total, counts }) => {
    const plain = placeExperts(total, R, 'round-robin');
    const eplb = eplbPlacement(total, R, redundant);
    const ds = deepseek ? deepseekEplbPlacement(total, R, extra, deepseek.groups, deepseek.nodes) : null;
    const plainLoads = chipLoads(total, plain);
    const eplbLoads = chipLoads(total, eplb);
    const mean = meanOf(plainLoads);
    const steps = counts.length / experts;
    const plainStep = new Float64Array(steps);
    const eplbStep = new Float64Array(steps);
    const dsStep = new Float64Array(steps);
    for (let s = 0; s < steps; s++) {
      const row = counts.subarray(s * experts, (s + 1) * experts);
      const a = chipLoads(row, plain);
      const b = chipLoads(row, eplb);
      const m = meanOf(a);
      plainStep[s] = maxOf(a) > 0 ? m / maxOf(a) : 1;
      eplbStep[s] = maxOf(b) > 0 ? m / maxOf(b) : 1;
      if (ds) dsStep[s] = balancedness(row, ds);
    }
    const plainBusiest = maxOf(plainLoads);
    const eplbBusiest = maxOf(eplbLoads);
    let dsLayer: DeepseekLayer | undefined;
    if (ds && deepseek) {
      const busiest = maxOf(chipLoads(total, ds));
      dsLayer = {
        busiest,
        balancedness: busiest > 0 ? mean / busiest : 1,
        replicas: Array.from(ds.replicas),
        perStep: percentiles(dsStep),
        ...(deepseek.groups > 1 && deepseek.nodes > 1
          ? {
              nodesPerGroup: {
                flat: nodesPerGroup(eplb, deepseek.groups, experts, deepseek.ranksPerNode),
                deepseek: nodesPerGroup(ds, deepseek.groups, experts, deepseek.ranksPerNode),
              },
            }
          : {}),
      };
    }
    return {
      layerId,
      meanChip: mean,
      plainBusiest,
      eplbBusiest,
      plainBalancedness: plainBusiest > 0 ? mean / plainBusiest : 1,
      eplbBalancedness: eplbBusiest > 0 ? mean / eplbBusiest : 1,
      fellBack: eplb.fellBack,
      replicas: eplb.replicas,
      perStep: { plain: percentiles(plainStep), eplb: percentiles(eplbStep) },
      ...(dsLayer ? { deepseek: dsLayer } : {}),
      ...(driftOpts ? { drift: placementDrift(counts, experts, R, redundant, driftOpts) } : {}),
    };
  });
  const fell = out.filter((l) => l.fellBack).length;
  return {
    ranks: R,
    redundant,
    layers: out,
    deepseek,
    deepseekNote,
    note:
      `${R} expert-parallel chips; EPLB with ${redundant} redundant replica(s), placed from each layer's load over the ` +
      'stream (costmodel placeExperts), judged on that load and on every step' +
      (fell ? `; in ${fell} layer(s) greedy packing was worse than plain, so plain was kept` : '') +
      (driftOpts
        ? '; drift: flat EPLB placed from an older window of the stream, judged on a later one'
        : ''),
  };
}
