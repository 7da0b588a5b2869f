/**
 * projectScenario: a scenario, a chip and a measured load → time, speed, energy and dollars per token, per layer
 * and per stage, with the same workload under perfectly balanced load and the imbalance tax split into causes.
 * Formulas: docs/COST_MODEL.md.
 */

import type { Scenario } from '../scenario';
import { hardwareSpec } from './chips';
import { HOURS_PER_YEAR, PUE, SYSTEM_OVERHEAD } from './facts';
import { loadMismatch, profileLayerFor, uniformLoad } from './load';
import { type LayerResources, layerResources, type RankSet, streamedSlots } from './resources';
import { type ModelShape, modelShape } from './shape';
import { planSystem } from './system';
import type {
  Bound,
  ChipSpec,
  CostReport,
  EnergyReport,
  HardwareSpec,
  Headline,
  ImbalanceTax,
  LayerBreakdown,
  LoadProfile,
  Precision,
  Projection,
  ProjectOptions,
  StageTimes,
  SystemLayout,
} from './types';

/** Roofline time of one operation: max(compute, off-chip + on-chip memory), each with its small-op ramp. */
export function opTime(
  c: ChipSpec,
  flops: number,
  prec: Precision,
  memBytes: number,
  sramBytes: number,
): number {
  const tc = flops > 0 ? (flops / c.flops[prec] + c.computeRamp) / c.computeEffMax : 0;
  const tm = memBytes > 0 ? (memBytes / c.memBw + c.memRamp) / c.memEffMax : 0;
  const ts = sramBytes > 0 ? (sramBytes / c.sramBw + c.memRamp) / c.memEffMax : 0;
  return Math.max(tc, tm + ts);
}

/** Same, with bytes from wherever the chip keeps them (HBM, or SRAM on chips without HBM). */
export function memOpTime(c: ChipSpec, flops: number, prec: Precision, bytes: number): number {
  return c.memBytes > 0 ? opTime(c, flops, prec, bytes, 0) : opTime(c, flops, prec, 0, bytes);
}

function zeroTimes(): StageTimes {
  return {
    attention: 0,
    router: 0,
    dispatch: 0,
    experts: 0,
    combine: 0,
    shared: 0,
    dense: 0,
    head: 0,
    pipeline: 0,
  };
}

/** Energy accumulator (J). */
class Energy {
  compute = 0;
  mem = 0;
  sram = 0;
  link = 0;
  /** `chips` chips each doing this operation. */
  op(c: ChipSpec, chips: number, flops: number, prec: Precision, bytes: number, sramBytes = 0): void {
    this.compute += chips * flops * c.jPerFlop[prec];
    if (c.memBytes > 0) {
      this.mem += chips * bytes * c.jPerMemByte;
      this.sram += chips * sramBytes * c.jPerSramByte;
    } else this.sram += chips * (bytes + sramBytes) * c.jPerSramByte;
  }
  scale(f: number): void {
    this.compute *= f;
    this.mem *= f;
    this.sram *= f;
    this.link *= f;
  }
  add(o: Energy, f = 1): void {
    this.compute += f * o.compute;
    this.mem += f * o.mem;
    this.sram += f * o.sram;
    this.link += f * o.link;
  }
  total(): number {
    return this.compute + this.mem + this.sram + this.link;
  }
}

export interface Prepared {
  s: Scenario;
  m: ModelShape;
  hw: HardwareSpec;
  layout: SystemLayout;
  load: LoadProfile;
  /** Unique profile layers used, how many model MoE layers each serves, and their resources. */
  unique: number[];
  multiplicity: number[];
  resources: LayerResources[];
  /** Expert replica groups per stage (chips / (ranks · shard)) and tokens each group sees. */
  groups: number;
  expertTokens: number;
  residentSlots: number;
  notes: string[];
}

/**
 * Resources per load, per geometry (tokens, ranks, tile, placement, redundant replicas), per profile layer. The
 * geometry key is built once per projection, not once per layer.
 */
const resourceCache = new WeakMap<LoadProfile, Map<string, (LayerResources | undefined)[]>>();

function cachedResources(
  load: LoadProfile,
  unique: number[],
  tokens: number,
  ranks: number,
  s: Scenario,
  tile: number,
): LayerResources[] {
  let map = resourceCache.get(load);
  if (!map) {
    map = new Map();
    resourceCache.set(load, map);
  }
  const key = `${tokens}|${ranks}|${tile}|${s.expertPlacement}|${s.redundantExperts}`;
  let byLayer = map.get(key);
  if (!byLayer) {
    if (map.size >= 64) map.clear();
    byLayer = [];
    map.set(key, byLayer);
  }
  const out: LayerResources[] = new Array(unique.length);
  for (let u = 0; u < unique.length; u++) {
    const li = unique[u];
    let r = byLayer[li];
    if (!r) {
      r = layerResources(load, li, tokens, {
        ranks,
        placement: s.expertPlacement,
        redundant: s.redundantExperts,
        tile,
      });
      byLayer[li] = r;
    }
    out[u] = r;
  }
  return out;
}

export interface PrepareOptions {
  /** Reuse a model shape computed once (sweeps). */
  shape?: ModelShape;
  /** Skip the human-readable notes (sweeps). */
  quiet?: boolean;
}

export function prepare(
  s: Scenario,
  hw: HardwareSpec,
  loadIn?: LoadProfile,
  opt: PrepareOptions = {},
): Prepared {
  const load = loadIn ?? uniformLoad(s);
  const bad = loadMismatch(s, load);
  if (bad) throw new Error(bad);
  const m = opt.shape ?? modelShape(s);
  const layout = planSystem(s, m, hw);
  const X = hw.experts;
  const notes: string[] = [];
  const groups = Math.max(1, Math.floor(layout.stageChips / (layout.expertRanks * layout.expertShard)));
  const disagg = layout.attentionChips > 0;
  const expertTokens = disagg ? layout.microBatch : layout.microBatch / groups;
  const tile = Math.max(X.tileRows, 1);
  const unique: number[] = [];
  const multiplicity: number[] = [];
  // Model layer i uses profile layer ⌊i·L_p/L_moe⌋, which never decreases with i: equal layers are adjacent.
  for (let i = 0; i < m.moeLayers; i++) {
    const li = load.uniform ? 0 : profileLayerFor(load, i, m.moeLayers);
    if (unique.length > 0 && unique[unique.length - 1] === li) multiplicity[multiplicity.length - 1]++;
    else {
      unique.push(li);
      multiplicity.push(1);
    }
  }
  const resources = cachedResources(load, unique, expertTokens, layout.expertRanks, s, tile);
  const moePerStage = m.moeLayers / layout.stages;
  const residentSlots =
    X.memBytes > 0 && X.sramResidentShare > 0 && moePerStage > 0
      ? (X.sramBytes * X.sramResidentShare) / ((m.expertBytes / layout.expertShard) * moePerStage)
      : 0;
  const prepared = {
    s,
    m,
    hw,
    layout,
    load,
    unique,
    multiplicity,
    resources,
    groups,
    expertTokens,
    residentSlots,
    notes,
  };
  // The notes below only explain the projection; sweeps ask for it quietly.
  if (opt.quiet) return prepared;
  if (m.mla) notes.push(`MLA attention dimensions from ${m.mla.source}.`);
  if (load.uniform)
    notes.push('No measured counts: uniform routing (each expert chosen with probability k/E).');
  else {
    const l0 = load.layers[unique[0]];
    if (!(l0.tokens === expertTokens || l0.stepTokens === expertTokens)) {
      notes.push(
        `Counts measured over ${fmt(l0.tokens)} tokens, scaled to ${fmt(expertTokens)} tokens per expert group ` +
          '(expected distinct experts and padding from per-expert probabilities).',
      );
    }
    if (load.layers.length !== m.moeLayers) {
      notes.push(`${load.layers.length} measured layer(s) stretched over ${m.moeLayers} MoE layers.`);
    }
    if (load.phase !== s.phase) notes.push(`Counts come from ${load.phase}; projecting ${s.phase}.`);
  }
  if (!layout.fits) {
    notes.push(
      layout.grown
        ? `The model does not fit ${s.chipCount} chip(s); grown to ${layout.stages} pipeline stage(s) of ` +
            `${layout.stageChips} chips${disagg ? ` plus ${layout.attentionChips} attention chips` : ''}.`
        : `The model does not fit ${s.chipCount} chip(s) (${fmt(layout.bytesPerChip / 1e9)} GB per chip, ` +
            `${fmt(layout.capacityPerChip / 1e9)} GB usable); projected anyway.`,
    );
  }
  if (s.costBasis === 'rental' && [hw.experts, hw.attention].some((c) => c.rentalPerHour === undefined)) {
    notes.push('No published rental price: cost from ownership (purchase amortised plus electricity).');
  }
  if (disagg)
    notes.push(
      `Attention on ${layout.attentionChips} × ${hw.attention.name}; experts on ${hw.experts.name}.`,
    );
  if (layout.expertShard > 1) notes.push(`Each expert is split over ${layout.expertShard} chips.`);
  return prepared;
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

/**
 * One expert-parallel rank's costs as coefficients fixed for a whole projection. The per-rank loops (every rank
 * of every measured layer, three times with the tax) read only these, through small module-level functions that
 * V8 inlines into the loops; as closures inside evaluate they outgrew its inlining budget and ran as calls.
 */
interface RankCosts {
  /** Micro-batches per layer (2 with dual-batch overlap); `sum` mode adds compute and all-to-all. */
  mb: number;
  /** 1 / mb: x · perMb is exactly x / mb for mb = 1 or 2, without a division per rank. */
  perMb: number;
  sumMode: boolean;
  /** Attention, router and shared experts per micro-batch on the same chip (0 when disaggregated). */
  fixed: number;
  /** Expert phase: roofline with small-operation ramps. */
  secPerPaddedRow: number;
  computeRamp: number;
  weightBytes: number;
  actBytesPerRow: number;
  sramOnly: boolean;
  secPerMemByte: number;
  secPerSramByte: number;
  memRamp: number;
  launches: number;
  dispatchPerRow: number;
  /** All-to-all: fixed + max(sent · secPerSentByte, received · secPerRecvByte), when chips exchange tokens. */
  a2aOn: boolean;
  a2aFixed: number;
  secPerSentByte: number;
  secPerRecvByte: number;
  /** Bytes each chip sends per micro-batch (dispatch, combine), and bytes per received row are d · these. */
  dispatchSent: number;
  combineSent: number;
  hidden: number;
  dispatchBytes: number;
  combineBytes: number;
}

/** Expert phase of one chip: real and padded rows, weights of `streamed` slots from HBM and `resident` from SRAM. */
function expertTime(k: RankCosts, rows: number, padded: number, streamed: number, resident: number): number {
  const compute = padded > 0 ? padded * k.secPerPaddedRow + k.computeRamp : 0;
  let hbm = 0;
  let sram = resident * k.weightBytes;
  if (k.sramOnly) sram += streamed * k.weightBytes + rows * k.actBytesPerRow;
  else hbm = streamed * k.weightBytes + rows * k.actBytesPerRow;
  const memory =
    (hbm > 0 ? hbm * k.secPerMemByte + k.memRamp : 0) + (sram > 0 ? sram * k.secPerSramByte + k.memRamp : 0);
  return Math.max(compute, memory) + k.launches + rows * k.dispatchPerRow;
}

/** One all-to-all for a chip that sends `sent` and receives `received` bytes (the slower direction sets it). */
function a2aTime(k: RankCosts, sent: number, received: number): number {
  if (!k.a2aOn) return 0;
  return k.a2aFixed + Math.max(sent * k.secPerSentByte, received * k.secPerRecvByte);
}

function dispatchTime(k: RankCosts, rowsMb: number): number {
  return a2aTime(k, k.dispatchSent, rowsMb * k.hidden * k.dispatchBytes);
}

function combineTime(k: RankCosts, rowsMb: number): number {
  return a2aTime(k, k.combineSent, rowsMb * k.hidden * k.combineBytes);
}

/** A rank's MoE-layer time from its expert phase and its dispatch + combine, both per micro-batch. */
function rankTime(k: RankCosts, experts: number, comm: number): number {
  return k.sumMode ? k.fixed + experts + comm : k.mb * Math.max(k.fixed + experts, comm);
}

/** rankTime of a rank with these rows, padded rows and slots (whole-layer rows, split over micro-batches). */
function rankTotal(k: RankCosts, rows: number, padded: number, streamed: number, resident: number): number {
  const rowsMb = rows / k.mb;
  const experts = expertTime(k, rowsMb, padded / k.mb, streamed, resident);
  return rankTime(k, experts, dispatchTime(k, rowsMb) + combineTime(k, rowsMb));
}

/** One rank set's per-rank values (kept for the tax and the detail), its busiest rank and its sums. */
class RankScan {
  streamed = new Float64Array(0);
  expert = new Float64Array(0);
  comm = new Float64Array(0);
  busiest = 0;
  busiestTime = -1;
  mostTouched = 0;
  rows = 0;
  padded = 0;
  streamedSlots = 0;
  residentSlots = 0;
}

/** Every rank of a set: expert phase, all-to-all and layer time; the first slowest rank is the busiest. */
function scanRanks(k: RankCosts, set: RankSet, resident: number, scan: RankScan): void {
  const R = set.ranks;
  if (scan.streamed.length < R) {
    scan.streamed = new Float64Array(R);
    scan.expert = new Float64Array(R);
    scan.comm = new Float64Array(R);
  }
  const { rows, padded, touched } = set;
  const { streamed, expert, comm } = scan;
  let busiest = 0;
  let busiestTime = -1;
  let mostTouched = 0;
  let sumRows = 0;
  let sumPad = 0;
  let sumStream = 0;
  let sumRes = 0;
  for (let r = 0; r < R; r++) {
    const st = resident > 0 ? streamedSlots(set, r, resident) : touched[r];
    const rowsMb = rows[r] * k.perMb;
    const e = expertTime(k, rowsMb, padded[r] * k.perMb, st, touched[r] - st);
    const c = dispatchTime(k, rowsMb) + combineTime(k, rowsMb);
    streamed[r] = st;
    expert[r] = e;
    comm[r] = c;
    const t = rankTime(k, e, c);
    if (t > busiestTime) {
      busiestTime = t;
      busiest = r;
    }
    if (touched[r] > mostTouched) mostTouched = touched[r];
    sumRows += rows[r];
    sumPad += padded[r];
    sumStream += st;
    sumRes += touched[r] - st;
  }
  scan.busiest = busiest;
  scan.busiestTime = busiestTime;
  scan.mostTouched = mostTouched;
  scan.rows = sumRows;
  scan.padded = sumPad;
  scan.streamedSlots = sumStream;
  scan.residentSlots = sumRes;
}

/**
 * The busiest-chip halves of the imbalance tax: the slowest rank with its own rows and padding but the mean
 * distinct experts (`ownRows`), and with the mean rows and padding but its own distinct experts (`ownExperts`).
 */
function taxMaxima(
  k: RankCosts,
  set: RankSet,
  scan: RankScan,
  resident: number,
): { ownRows: number; ownExperts: number } {
  const R = set.ranks;
  const { rows, padded, touched } = set;
  const { streamed, comm } = scan;
  const meanStreamed = scan.streamedSlots / R;
  const meanResident = scan.residentSlots / R;
  const meanRowsMb = scan.rows / R / k.mb;
  const meanPaddedMb = scan.padded / R / k.mb;
  const meanComm = dispatchTime(k, meanRowsMb) + combineTime(k, meanRowsMb);
  // Nothing pinned in SRAM: every touched slot streams, and a rank's time with the mean rows grows with its touched
  // slots alone (each step below is monotone, and so is floating-point rounding), so the rank touching the most
  // sets ownExperts exactly.
  const pinned = resident > 0;
  let ownExperts = pinned
    ? -1
    : rankTime(k, expertTime(k, meanRowsMb, meanPaddedMb, scan.mostTouched, 0), meanComm);
  let ownRows = -1;
  for (let r = 0; r < R; r++) {
    const a = rankTime(
      k,
      expertTime(k, rows[r] * k.perMb, padded[r] * k.perMb, meanStreamed, meanResident),
      comm[r],
    );
    if (a > ownRows) ownRows = a;
    if (pinned) {
      const st = streamed[r];
      const b = rankTime(k, expertTime(k, meanRowsMb, meanPaddedMb, st, touched[r] - st), meanComm);
      if (b > ownExperts) ownExperts = b;
    }
  }
  return { ownRows, ownExperts };
}

/**
 * A layer's per-rank detail (every rank's expert-phase time and rows), built when first read in projections that
 * would hold thousands of per-rank values (58 measured layers over 319 ranks would otherwise fill 37,000 array
 * elements that the headline numbers never use), at once in small ones.
 * The values are those of the layer's first rank set, computed as scanRanks computes them.
 */
class RankDetail {
  private times?: number[];
  private rows?: number[];
  constructor(
    private readonly k: RankCosts,
    private readonly set: RankSet,
    private readonly resident: number,
  ) {}

  rankTimes(): number[] {
    if (!this.times) {
      const { k, set, resident } = this;
      const { rows, padded, touched } = set;
      const out = new Array<number>(set.ranks);
      for (let r = 0; r < set.ranks; r++) {
        const st = resident > 0 ? streamedSlots(set, r, resident) : touched[r];
        out[r] = k.mb * expertTime(k, rows[r] * k.perMb, padded[r] * k.perMb, st, touched[r] - st);
      }
      this.times = out;
    }
    return this.times;
  }

  rankRows(): number[] {
    if (!this.rows) {
      // A plain loop: Array.from over a typed array goes through the iterator protocol.
      const out = new Array<number>(this.set.ranks);
      for (let r = 0; r < this.set.ranks; r++) out[r] = this.set.rows[r];
      this.rows = out;
    }
    return this.rows;
  }
}

/**
 * A MoE layer's row of the breakdown. rankTimes and rankRows are own enumerable accessors (so JSON, structured
 * clone, spreads and deep equality see plain arrays) that build the arrays on first read; assigning replaces them.
 */
function moeLayerRow(
  times: StageTimes,
  total: number,
  busiestRank: number,
  detail: RankDetail | undefined,
  bound: Bound,
): LayerBreakdown {
  let rankTimes: number[] | undefined;
  let rankRows: number[] | undefined;
  return {
    index: 0,
    kind: 'moe',
    times,
    total,
    busiestRank,
    get rankTimes(): number[] {
      if (!rankTimes) rankTimes = detail ? detail.rankTimes() : [];
      return rankTimes;
    },
    set rankTimes(v: number[]) {
      rankTimes = v;
    },
    get rankRows(): number[] {
      if (!rankRows) rankRows = detail ? detail.rankRows() : [];
      return rankRows;
    },
    set rankRows(v: number[]) {
      rankRows = v;
    },
    bound,
  };
}

/** The per-step model, shared by the projection, its balanced twin and the sweeps. */
interface Evaluation {
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

export function evaluate(p: Prepared, withTax: boolean, detail: boolean): Evaluation {
  const { s, m, hw, layout } = p;
  const X = hw.experts;
  const disagg = layout.attentionChips > 0;
  const A = hw.attention;
  const tp = layout.tensorParallel;
  const decode = s.phase === 'decode';
  const t = layout.microBatch;
  const tc = t / layout.dataParallel;
  const nA = disagg ? layout.attentionChips : layout.stageChips;
  const ctx = s.contextLength;
  const kvDiv = Math.min(tp, m.kvSplit);
  const aB = m.actBytes;
  const energy = new Energy();

  // ---- per-chip work that every attention-side chip does identically ---------------------------------
  const ctxAvg = decode ? ctx : (ctx + 1) / 2;
  /** Attention, router and shared experts for `tk` tokens per chip: times and the energy of all nA chips. */
  const side = (tk: number) => {
    const arBytes = tk * m.d * aB;
    const allReduce =
      tp > 1
        ? 2 * (tp - 1) * A.linkLatency + ((2 * (tp - 1)) / tp) * (arBytes / (A.linkBw * A.linkEfficiency))
        : 0;
    const arLinkBytes = tp > 1 ? ((2 * (tp - 1)) / tp) * arBytes : 0;
    const projFlops = (tk * m.attnProjFlopsPerToken) / tp;
    const projBytes = m.attnBytes / tp + 2 * tk * m.d * aB;
    const coreFlops = (tk * ctxAvg * m.attnCoreFlopsPerCtx) / tp;
    const kvBytes = ((decode ? tk * ctx : 2 * tk) * m.kvBytesPerToken) / kvDiv;
    const attention =
      memOpTime(A, projFlops, m.matPrec, projBytes) +
      memOpTime(A, coreFlops, m.actPrec, kvBytes) +
      6 * A.launch +
      allReduce;
    const attnEnergy = new Energy();
    attnEnergy.op(A, nA, projFlops, m.matPrec, projBytes);
    attnEnergy.op(A, nA, coreFlops, m.actPrec, kvBytes);
    attnEnergy.link += nA * arLinkBytes * A.jPerLinkByte;
    const routerFlops = tk * m.routerFlopsPerToken;
    const routerBytes = m.routerBytes + 8 * tk * m.experts;
    const router =
      memOpTime(A, routerFlops, 'bf16', routerBytes) + 2 * A.launch + tk * m.topK * A.dispatchPerToken;
    const shFlops = (tk * m.sharedFlopsPerToken) / tp;
    const shBytes = m.sharedBytes / tp + tk * m.expertActBytesPerRow;
    const shared =
      m.sharedBytes > 0 ? memOpTime(A, shFlops, m.matPrec, shBytes) + 3 * A.launch + allReduce : 0;
    const moeEnergy = new Energy();
    moeEnergy.add(attnEnergy);
    moeEnergy.op(A, nA, routerFlops, 'bf16', routerBytes);
    if (m.sharedBytes > 0) {
      moeEnergy.op(A, nA, shFlops, m.matPrec, shBytes);
      moeEnergy.link += nA * arLinkBytes * A.jPerLinkByte;
    }
    return { attention, router, shared, allReduce, arLinkBytes, attnEnergy, moeEnergy };
  };
  // Dual-batch overlap (DeepSeek): the MoE layer runs as two micro-batches, one's all-to-all hidden behind the
  // other's compute; weights are read and kernels launched once per micro-batch.
  const dual = s.overlap === 'dual-batch';
  const mb = dual ? 2 : 1;
  const full = side(tc);
  const half = dual ? side(tc / mb) : full;
  const { attention, allReduce, arLinkBytes, attnEnergy } = full;
  const router = mb * half.router;
  const shared = mb * half.shared;
  const moeFixedEnergy = new Energy();
  moeFixedEnergy.add(half.moeEnergy, mb);

  const dFlops = (tc * m.denseFlopsPerToken) / tp;
  const dBytes = m.denseBytes / tp + tc * m.denseActBytesPerToken;
  const denseFfn = memOpTime(A, dFlops, m.matPrec, dBytes) + 3 * A.launch + allReduce;
  const denseLayer = attention + denseFfn;
  const denseEnergy = new Energy();
  denseEnergy.add(attnEnergy);
  denseEnergy.op(A, nA, dFlops, m.matPrec, dBytes);
  denseEnergy.link += nA * arLinkBytes * A.jPerLinkByte;

  const hFlops = (tc * m.headFlopsPerToken) / tp;
  const hBytes = m.headBytes / 2 / tp + tc * m.d * aB;
  const head = memOpTime(A, hFlops, m.matPrec, hBytes) + 2 * A.launch;
  const headEnergy = new Energy();
  headEnergy.op(A, nA, hFlops, m.matPrec, hBytes);

  // Stage-to-stage activations (pipeline) over scale-out.
  const hopBytes = tc * m.d * aB;
  const pipeline =
    layout.stages > 1
      ? (layout.stages - 1) * (A.scaleOutLatency + hopBytes / (A.scaleOutBw * A.linkEfficiency))
      : 0;

  // ---- all-to-all geometry --------------------------------------------------------------------------
  const N = layout.stageChips;
  const sendRows = tc * m.topK;
  const remote = disagg ? 1 : N > 1 ? (N - 1) / N : 0;
  const dom = Math.min(X.scaleUpDomain, N);
  const upShare = disagg ? 0 : N > 1 ? (dom - 1) / (N - 1) : 1;
  const cross = hw.crossPool;
  const a2aBase = disagg && cross ? cross.a2aBase : X.a2aBase;
  const a2aLat = disagg && cross ? cross.latency : upShare < 1 ? X.scaleOutLatency : X.linkLatency;
  const eff = disagg && cross ? cross.efficiency : X.linkEfficiency;
  const a2aOn = disagg || N > 1;
  // Prefill uses a hierarchical all-to-all (DeepEP normal kernels): a token crosses the scale-out network once per
  // distinct remote node it needs (then fans out over the scale-up links), capped by node-limited routing
  // (topGroups) when experts are grouped. Decode uses direct sends (DeepEP low-latency kernels): k copies.
  const nodes = Math.ceil(N / dom);
  const outShare = N > 0 ? Math.max(0, N - dom) / N : 0;
  let outFactor = 1;
  if (!disagg && !decode && nodes > 1 && outShare > 0) {
    let copies = (nodes - 1) * (1 - (1 - 1 / nodes) ** m.topK);
    if (s.groups > 1) copies = Math.min(copies, s.topGroups);
    outFactor = Math.min(1, copies / m.topK / outShare);
  }
  // One all-to-all as seen by a chip that sends `send` and receives `recv` bytes: c0 + max(send·k1, recv·k2).
  // Scale-up and scale-out shares move in parallel, so the slower of the two sets the time.
  const c0 = a2aOn ? a2aBase + a2aLat : 0;
  const kUp = (remote * upShare) / (X.linkBw * eff);
  const kOut = upShare < 1 ? (remote * (1 - upShare) * outFactor) / (X.scaleOutBw * eff) : 0;
  const k1 = !a2aOn ? 0 : disagg ? 1 / (A.scaleOutBw * eff) : Math.max(kUp, kOut);
  const k2 = !a2aOn ? 0 : disagg ? 1 / (X.scaleOutBw * eff) : k1;
  const perByteLink = disagg
    ? X.jPerScaleOutByte
    : remote * (upShare * X.jPerLinkByte + (1 - upShare) * outFactor * X.jPerScaleOutByte);

  // ---- expert phase on one chip of rank r ---------------------------------------------------------------
  const shard = layout.expertShard;
  const sramOnly = X.memBytes <= 0;
  const xPeak = X.flops[m.matPrec];
  // Per micro-batch: what each chip sends, and the attention-side work.
  const sendD = (sendRows * m.d * m.dispatchBytes) / mb;
  const sendC = (sendRows * m.d * m.combineBytes) / mb;
  const attnHalf = half.attention + half.router + half.shared;
  const sumMode = s.overlap === 'sum';
  const k: RankCosts = {
    mb,
    perMb: 1 / mb,
    sumMode,
    fixed: disagg ? 0 : attnHalf,
    secPerPaddedRow: m.expertFlopsPerRow / shard / (xPeak * X.computeEffMax),
    computeRamp: X.computeRamp / X.computeEffMax,
    weightBytes: m.expertBytes / shard,
    actBytesPerRow: m.expertActBytesPerRow / shard,
    sramOnly,
    secPerMemByte: sramOnly ? 0 : 1 / (X.memBw * X.memEffMax),
    secPerSramByte: 1 / (X.sramBw * X.memEffMax),
    memRamp: X.memRamp / X.memEffMax,
    launches: 3 * X.launch,
    dispatchPerRow: X.dispatchPerToken,
    a2aOn,
    a2aFixed: c0,
    secPerSentByte: k1,
    secPerRecvByte: k2,
    dispatchSent: sendD,
    combineSent: sendC,
    hidden: m.d,
    dispatchBytes: m.dispatchBytes,
    combineBytes: m.combineBytes,
  };
  /**
   * A profile layer's all-to-all with its measured network (LayerLoad.network), else `k` unchanged: what the home
   * side sends (dispatch) and gets back (combine) scaled to the busiest home rank, and the remote bytes split over
   * scale-up and scale-out links by the measured share instead of (domain − 1)/(N − 1).
   */
  const costsFor = (li: number): RankCosts => {
    const net = p.load.uniform ? undefined : p.load.layers[li]?.network;
    if (!net || !a2aOn || disagg) return k;
    const f = Number.isFinite(net.sendFactor) ? Math.max(1, net.sendFactor) : 1;
    let perByte = k.secPerSentByte;
    if (net.upShare !== undefined && Number.isFinite(net.upShare) && N > 1) {
      const up = Math.min(1, Math.max(0, net.upShare));
      const kUpL = (remote * up) / (X.linkBw * eff);
      const kOutL = up < 1 ? (remote * (1 - up) * outFactor) / (X.scaleOutBw * eff) : 0;
      perByte = Math.max(kUpL, kOutL);
    }
    return {
      ...k,
      dispatchSent: k.dispatchSent * f,
      combineSent: k.combineSent * f,
      secPerSentByte: perByte,
      secPerRecvByte: perByte,
    };
  };
  const layerOf = (ranksMax: number): number => {
    if (!disagg) return ranksMax;
    return sumMode ? attnHalf + ranksMax : Math.max(mb * attnHalf, ranksMax);
  };

  const breakdown = zeroTimes();
  const layers: LayerBreakdown[] = [];
  const tax = { busiestChip: 0, padding: 0, distinctExperts: 0 };
  let moeTime = 0;
  let balancedMoe = 0;
  let dropped = 0;
  let assignments = 0;
  let rowsTotal = 0;
  let paddedTotal = 0;
  let touchedTotal = 0;
  const moeEnergy = new Energy();
  const resident = p.residentSlots;
  const scan = new RankScan();
  // Per-rank detail is built on first read once the projection would hold thousands of per-rank values.
  const lazyRanks = p.unique.length * layout.expertRanks > 2048;

  for (let u = 0; u < p.unique.length; u++) {
    const k = costsFor(p.unique[u]);
    const res = p.resources[u];
    const mult = p.multiplicity[u];
    dropped += mult * res.dropped;
    assignments += mult * res.assignments;
    let layerT = 0;
    let balT = 0;
    const lt = zeroTimes();
    const layerE = new Energy();
    let busiest = 0;
    let ranksOf: RankSet | undefined;
    for (const set of res.sets) {
      const R = set.ranks;
      scanRanks(k, set, resident, scan);
      const { rows: sumRows, padded: sumPad, streamedSlots: sumStream, residentSlots: sumRes } = scan;
      // Energy: every chip of every group and shard (linear in the work, so summed over ranks first).
      layerE.op(
        X,
        p.groups * shard,
        (sumPad * m.expertFlopsPerRow) / shard,
        m.matPrec,
        (mb * sumStream * m.expertBytes) / shard + (sumRows * m.expertActBytesPerRow) / shard,
        (mb * sumRes * m.expertBytes) / shard,
      );
      const nSets = res.sets.length;
      const actual = layerOf(scan.busiestTime);
      layerT += actual / nSets;
      rowsTotal += (mult * sumRows * p.groups) / nSets;
      paddedTotal += (mult * sumPad * p.groups) / nSets;
      touchedTotal += (mult * (sumStream + sumRes) * p.groups) / nSets;
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
        tax.padding += (mult * (t1 - t0)) / nSets;
        tax.busiestChip += (mult * (tA - t1 + (actual - tB)) * 0.5) / nSets;
        tax.distinctExperts += (mult * (tB - t1 + (actual - tA)) * 0.5) / nSets;
        balT += t0 / nSets;
      }
      if (detail) {
        const arg = scan.busiest;
        const rr = set.rows[arg] / mb;
        lt.experts += (mb * scan.expert[arg]) / nSets;
        lt.dispatch += (mb * dispatchTime(k, rr)) / nSets;
        lt.combine += (mb * combineTime(k, rr)) / nSets;
        if (!ranksOf) {
          busiest = arg;
          ranksOf = set;
        }
      }
      // Link energy: dispatch + combine bytes over all sending chips.
      layerE.link += ((nA * (sendD + sendC) * perByteLink) / nSets) * (a2aOn ? 1 : 0);
    }
    layerE.scale(1 / res.sets.length);
    moeEnergy.add(layerE, mult);
    moeTime += mult * layerT;
    balancedMoe += mult * (withTax ? balT : layerT);
    if (detail) {
      lt.attention = mb * half.attention;
      lt.router = router;
      lt.shared = shared;
      const perRank = ranksOf ? new RankDetail(k, ranksOf, resident) : undefined;
      // Small systems build the arrays now: a row with accessors costs more to create than a few dozen numbers.
      const rankTimes = perRank && !lazyRanks ? perRank.rankTimes() : undefined;
      const rankRows = perRank && !lazyRanks ? perRank.rankRows() : undefined;
      for (let i = 0; i < mult; i++) {
        const bound = boundOf(lt, layerT, X, A);
        layers.push(
          rankTimes && rankRows
            ? {
                index: 0,
                kind: 'moe',
                times: { ...lt },
                total: layerT,
                busiestRank: busiest,
                rankTimes,
                rankRows,
                bound,
              }
            : moeLayerRow({ ...lt }, layerT, busiest, perRank, bound),
        );
      }
      breakdown.attention += mult * lt.attention;
      breakdown.router += mult * lt.router;
      breakdown.shared += mult * lt.shared;
      breakdown.experts += mult * lt.experts;
      breakdown.dispatch += mult * lt.dispatch;
      breakdown.combine += mult * lt.combine;
    }
  }

  const denseTotal = m.denseLayers * denseLayer;
  const stepTime = moeTime + denseTotal + head + pipeline;
  const balancedStep = balancedMoe + denseTotal + head + pipeline;
  energy.add(moeFixedEnergy, m.moeLayers);
  energy.add(moeEnergy);
  energy.add(denseEnergy, m.denseLayers);
  energy.add(headEnergy);
  energy.link += (layout.stages - 1) * layout.stageChips * hopBytes * A.jPerScaleOutByte;

  if (detail) {
    breakdown.attention += m.denseLayers * attention;
    breakdown.dense = m.denseLayers * denseFfn;
    breakdown.head = head;
    breakdown.pipeline = pipeline;
    const denseRows: LayerBreakdown[] = [];
    for (let i = 0; i < m.denseLayers; i++) {
      const times = zeroTimes();
      times.attention = attention;
      times.dense = denseFfn;
      denseRows.push({
        index: 0,
        kind: 'dense',
        times,
        total: denseLayer,
        busiestRank: 0,
        rankTimes: [],
        rankRows: [],
        bound: boundOf(times, denseLayer, A, A),
      });
    }
    layers.unshift(...denseRows);
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
    tax,
    dropped,
    assignments,
    rowsTotal,
    paddedTotal,
    touchedTotal,
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

/** Static power of every chip in the system, W. */
function staticPower(p: Prepared): number {
  const { layout, hw } = p;
  const x = hw.experts;
  const a = hw.attention;
  const xChips = layout.totalChips - layout.attentionChips;
  return xChips * x.idleShare * x.tdpW + layout.attentionChips * a.idleShare * a.tdpW;
}

function costPerHour(p: Prepared, avgPowerW: number): CostReport {
  const { s, layout, hw } = p;
  const pools: [ChipSpec, number][] = [[hw.experts, layout.totalChips - layout.attentionChips]];
  if (layout.attentionChips > 0) pools.push([hw.attention, layout.attentionChips]);
  const canRent = pools.every(([c]) => c.rentalPerHour !== undefined);
  let capex = 0;
  for (const [c, n] of pools) capex += n * (c.purchaseUsd ?? 0);
  if (s.costBasis === 'rental' && canRent) {
    let perHour = 0;
    for (const [c, n] of pools) perHour += n * (c.rentalPerHour ?? 0);
    return { usdPerMTokens: 0, usdPerHour: perHour, basis: 'rental', capexUsd: capex };
  }
  const amort = (capex * (1 + SYSTEM_OVERHEAD)) / (s.amortizationYears * HOURS_PER_YEAR);
  const power = (avgPowerW / 1000) * s.electricityPrice * PUE;
  return { usdPerMTokens: 0, usdPerHour: amort + power, basis: 'ownership', capexUsd: capex };
}

function headline(
  p: Prepared,
  stepTime: number,
  dynamicJ: number,
): Headline & { energy: EnergyReport; cost: CostReport } {
  const { s, layout } = p;
  const decode = s.phase === 'decode';
  const T = s.tokens;
  const throughput = stepTime > 0 ? T / stepTime : 0;
  const ttft = decode ? 0 : stepTime * Math.max(1, s.contextLength / T);
  const tpot = decode ? stepTime : 0;
  const perUser = decode ? 1 / stepTime : Math.min(T, s.contextLength) / stepTime;
  // One window (stepTime) carries every micro-batch through every stage once.
  const dynPerWindow = dynamicJ * layout.stages;
  const staticW = staticPower(p);
  const avgPowerW = stepTime > 0 ? dynPerWindow / stepTime + staticW : staticW;
  const cost = costPerHour(p, avgPowerW);
  cost.usdPerMTokens =
    throughput > 0 ? (cost.usdPerHour / (throughput * 3600)) * 1e6 : Number.POSITIVE_INFINITY;
  const jPerToken = T > 0 ? (dynPerWindow + staticW * stepTime) / T : 0;
  return {
    stepTime,
    ttft,
    tpot,
    tokensPerSecPerUser: perUser,
    throughput,
    jPerToken,
    usdPerMTokens: cost.usdPerMTokens,
    energy: { jPerToken, computeJ: 0, memJ: 0, sramJ: 0, linkJ: 0, staticJ: staticW * stepTime, avgPowerW },
    cost,
  };
}

/** Project a prepared scenario. */
export function projectPrepared(p: Prepared, detail = true): Projection {
  const ev = evaluate(p, true, detail);
  const dyn = ev.energy.total();
  const h = headline(p, ev.stepTime, dyn);
  const stages = p.layout.stages;
  h.energy.computeJ = ev.energy.compute * stages;
  h.energy.memJ = ev.energy.mem * stages;
  h.energy.sramJ = ev.energy.sram * stages;
  h.energy.linkJ = ev.energy.link * stages;
  const b = headline(p, ev.balancedStep, dyn);
  const δ = ev.assignments > 0 ? ev.dropped / ev.assignments : 0;
  const droppedTokens = δ < 1 ? (ev.stepTime * δ) / (1 - δ) : ev.stepTime;
  const total = ev.tax.busiestChip + ev.tax.padding + ev.tax.distinctExperts + droppedTokens;
  const imbalanceTax: ImbalanceTax = {
    ratio: ev.balancedStep > 0 ? (ev.stepTime + droppedTokens) / ev.balancedStep : 1,
    ...ev.tax,
    droppedTokens,
    total,
  };
  const sumStages = Object.values(ev.breakdown).reduce((a, x) => a + x, 0);
  let bottleneck: keyof StageTimes = 'experts';
  for (const k of Object.keys(ev.breakdown) as (keyof StageTimes)[]) {
    if (ev.breakdown[k] > ev.breakdown[bottleneck]) bottleneck = k;
  }
  const moeLayers = Math.max(1, p.m.moeLayers);
  return {
    chipId: p.hw.id,
    chipName: p.hw.name,
    status: p.hw.status,
    phase: p.s.phase,
    system: p.layout,
    stepTime: h.stepTime,
    ttft: h.ttft,
    tpot: h.tpot,
    tokensPerSecPerUser: h.tokensPerSecPerUser,
    throughput: h.throughput,
    throughputPerChip: h.throughput / p.layout.totalChips,
    jPerToken: h.jPerToken,
    usdPerMTokens: h.usdPerMTokens,
    breakdown: ev.breakdown,
    hiddenByOverlap: detail ? Math.max(0, sumStages - ev.stepTime) : 0,
    layers: ev.layers,
    bottleneck,
    energy: h.energy,
    cost: h.cost,
    balanced: {
      stepTime: b.stepTime,
      ttft: b.ttft,
      tpot: b.tpot,
      tokensPerSecPerUser: b.tokensPerSecPerUser,
      throughput: b.throughput,
      jPerToken: b.jPerToken,
      usdPerMTokens: b.usdPerMTokens,
    },
    imbalanceTax,
    load: {
      distinctExperts: ev.touchedTotal / moeLayers,
      paddingFraction: ev.paddedTotal > 0 ? (ev.paddedTotal - ev.rowsTotal) / ev.paddedTotal : 0,
      rowsPerExpert: ev.touchedTotal > 0 ? ev.rowsTotal / ev.touchedTotal : 0,
      droppedFraction: δ,
    },
    notes: p.notes,
  };
}

/** Headline numbers only (sweeps): no breakdown, no tax. */
export function quickHeadline(p: Prepared): Headline {
  const ev = evaluate(p, false, false);
  const h = headline(p, ev.stepTime, ev.energy.total());
  return {
    stepTime: h.stepTime,
    ttft: h.ttft,
    tpot: h.tpot,
    tokensPerSecPerUser: h.tokensPerSecPerUser,
    throughput: h.throughput,
    jPerToken: h.jPerToken,
    usdPerMTokens: h.usdPerMTokens,
  };
}

/**
 * Project a scenario's load onto one chip (or two-pool system) from the presets. Without a load, routing is
 * assumed uniform. Throws when the load does not match the scenario (experts, k).
 */
export function projectScenario(
  scenario: Scenario,
  chipId: string,
  load?: LoadProfile,
  options: ProjectOptions = {},
): Projection {
  const hw = options.chip ?? hardwareSpec(chipId);
  return projectPrepared(prepare(scenario, hw, load), options.detail ?? true);
}

/** Every chip in the scenario's `chips` list. */
export function projectAll(scenario: Scenario, load?: LoadProfile): Projection[] {
  return scenario.chips.map((id) => projectScenario(scenario, id, load));
}
