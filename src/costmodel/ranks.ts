/**
 * The busiest-chip rule (docs/COST_MODEL.md §5): every expert-parallel rank's MoE-layer time from its rows, padding
 * and touched experts, the slowest rank setting the layer, and the per-rank halves of the imbalance tax.
 */
import type { RankSet } from './resources';
import { streamedSlots } from './resources';
import { type AllToAllCoefficients, a2aTime } from './stages/collectives';
import { type ExpertCoefficients, expertTime } from './stages/experts';

/**
 * One expert-parallel rank's costs as coefficients fixed for a whole projection. The per-rank loops (every rank
 * of every measured layer, three times with the tax) read only these, through small module-level functions that
 * V8 inlines into the loops; as closures inside evaluate they outgrew its inlining budget and ran as calls.
 */
export interface RankCosts extends ExpertCoefficients, AllToAllCoefficients {
  /** Micro-batches per layer (2 with dual-batch overlap); `sum` mode adds compute and all-to-all. */
  mb: number;
  /** 1 / mb: x · perMb is exactly x / mb for mb = 1 or 2, without a division per rank. */
  perMb: number;
  sumMode: boolean;
  /** Attention, router and shared experts per micro-batch on the same chip (0 when disaggregated). */
  fixed: number;
  /** All-reduce of the MoE output per micro-batch when tokens are replicated by tensor parallelism (else 0). */
  reduceFixed: number;
  /** Bytes each chip sends per micro-batch (dispatch, combine), and bytes per received row are d · these. */
  dispatchSent: number;
  combineSent: number;
  hidden: number;
  dispatchBytes: number;
  combineBytes: number;
}

export function dispatchTime(k: RankCosts, rowsMb: number): number {
  return a2aTime(k, k.dispatchSent, rowsMb * k.hidden * k.dispatchBytes);
}

export function combineTime(k: RankCosts, rowsMb: number): number {
  return a2aTime(k, k.combineSent, rowsMb * k.hidden * k.combineBytes) + k.reduceFixed;
}

/** A rank's MoE-layer time from its expert phase and its dispatch + combine, both per micro-batch. */
function rankTime(k: RankCosts, experts: number, comm: number): number {
  return k.sumMode ? k.fixed + experts + comm : k.mb * Math.max(k.fixed + experts, comm);
}

/** rankTime of a rank with these rows, padded rows and slots (whole-layer rows, split over micro-batches). */
export function rankTotal(
  k: RankCosts,
  rows: number,
  padded: number,
  streamed: number,
  resident: number,
): number {
  const rowsMb = rows / k.mb;
  const experts = expertTime(k, rowsMb, padded / k.mb, streamed, resident);
  return rankTime(k, experts, dispatchTime(k, rowsMb) + combineTime(k, rowsMb));
}
/** One rank set's per-rank values (kept for the tax and the detail), its busiest rank and its sums. */
export class RankScan {
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
export function scanRanks(k: RankCosts, set: RankSet, resident: number, scan: RankScan): void {
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
export function taxMaxima(
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
 * A rank set's per-rank detail: every rank's expert-phase time (whole layer) and rows, computed as scanRanks computes
 * them. Built on request only (layerRanks): 58 measured layers over 319 ranks would fill 37,000 numbers that the
 * headline results never use.
 */
export function rankDetail(
  k: RankCosts,
  set: RankSet,
  resident: number,
): { rankTimes: number[]; rankRows: number[] } {
  const { rows, padded, touched } = set;
  const rankTimes = new Array<number>(set.ranks);
  const rankRows = new Array<number>(set.ranks);
  for (let r = 0; r < set.ranks; r++) {
    const st = resident > 0 ? streamedSlots(set, r, resident) : touched[r];
    rankTimes[r] = k.mb * expertTime(k, rows[r] * k.perMb, padded[r] * k.perMb, st, touched[r] - st);
    rankRows[r] = rows[r];
  }
  return { rankTimes, rankRows };
}
