/**
 * What each expert-parallel rank must do in one MoE layer for one batch: real rows, rows padded to the chip's
 * tile, and distinct expert copies touched (each one's weights must be read unless resident in SRAM).
 *
 * Exact mode: the layer's counts were measured on a batch of exactly this many tokens, so integer counts are
 * used as they are. Scaled mode: counts come from another batch size (an imported table, a different T), so each
 * expert's per-token probability p_e = c_e / tokens gives the expected rows λ = t·p_e, the probability it is
 * touched 1 − (1 − p_e)^t, and the expected padded rows max(g·touched, λ + touched·(g − 1)/2).
 */

import { placeLayer } from './packing';
import { float64s } from './slab';
import type { LayerLoad, LoadProfile, Placement } from './types';

export interface RankSet {
  ranks: number;
  rows: Float64Array;
  padded: Float64Array;
  touched: Float64Array;
  /** Per slot: its rank. */
  slotRank: Int32Array;
  /** Per slot: expected rows and probability of being touched, built on first use (only chips that pin SRAM). */
  slots: () => SlotLoads;
  /** Per rank: prefix sums of touched over its slots ordered hottest first (for pinning the hottest in SRAM). */
  heat?: Float64Array[];
}

export interface SlotLoads {
  rows: Float64Array;
  touched: Float64Array;
}

export interface LayerResources {
  /** One set per step (decode traces) or a single set. */
  sets: RankSet[];
  /** Assignments (token, slot) per batch and those dropped by capacity. */
  assignments: number;
  dropped: number;
}

const MAX_STEPS = 64;

class Scratch {
  buffer = new Float64Array(0);
}
const countsScratch = new Scratch();
const keptScratch = new Scratch();

/**
 * A layer's counts copied into a reusable Float64Array: profiles hold number[], Int32Array or Float64Array, and
 * loops that always see one element kind stay fast. The copy lives until the next layer; nothing keeps it.
 */
function copyOf(a: ArrayLike<number>, scratch: Scratch): Float64Array {
  if (scratch.buffer.length !== a.length) scratch.buffer = new Float64Array(a.length);
  scratch.buffer.set(a);
  return scratch.buffer;
}

function isIntegral(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isInteger(a[i])) return false;
  return true;
}

/** A set with zeroed per-rank sums; `slots` computes the per-slot loads once, when first asked. */
function emptySet(R: number, slotRank: Int32Array, fillSlots: (slots: SlotLoads) => void): RankSet {
  // Views of a shared slab (slab.ts): a cold projection builds a set for every measured layer, and a typed array
  // of its own costs more to allocate than to fill.
  let slots: SlotLoads | undefined;
  return {
    ranks: R,
    rows: float64s(R),
    padded: float64s(R),
    touched: float64s(R),
    slotRank,
    slots: () => {
      if (!slots) {
        slots = { rows: new Float64Array(slotRank.length), touched: new Float64Array(slotRank.length) };
        fillSlots(slots);
      }
      return slots;
    },
  };
}

/** Heat prefix sums per rank: slots sorted by expected rows (descending). Built once, when a chip pins SRAM. */
function heatOf(set: RankSet): Float64Array[] {
  if (set.heat) return set.heat;
  const { ranks: R, slotRank } = set;
  const { rows: slotRows, touched: slotTouched } = set.slots();
  const byRank: number[][] = Array.from({ length: R }, () => []);
  for (let s = 0; s < slotRank.length; s++) byRank[slotRank[s]].push(s);
  const heat: Float64Array[] = [];
  for (let r = 0; r < R; r++) {
    const slots = byRank[r].sort((a, b) => slotRows[b] - slotRows[a] || a - b);
    const prefix = new Float64Array(slots.length + 1);
    for (let i = 0; i < slots.length; i++) prefix[i + 1] = prefix[i] + slotTouched[slots[i]];
    heat.push(prefix);
  }
  set.heat = heat;
  return heat;
}

/** Touched slots that are not among the `resident` hottest on this rank (fractional residency interpolates). */
export function streamedSlots(set: RankSet, r: number, resident: number): number {
  if (!(resident > 0)) return set.touched[r];
  const prefix = heatOf(set)[r];
  const n = prefix.length - 1;
  const total = prefix[n];
  if (!(resident > 0)) return total;
  if (resident >= n) return 0;
  const i = Math.floor(resident);
  const pinned = prefix[i] + (resident - i) * (prefix[i + 1] - prefix[i]);
  return total - pinned;
}

interface Geometry {
  ranks: number;
  placement: Placement;
  redundant: number;
  tile: number;
  /**
   * Static-shape chips only (ChipSpec.staticShapes): the capacity factor every expert slot is compiled for (the
   * scenario's, or 1 when it is dropless). Absent: rows, padding and touched experts follow the load.
   */
  staticCapacityFactor?: number;
}

let replicaSeen = new Int32Array(0);

/** Copies of each expert met so far (for copyShare), in a scratch array reused across calls. */
function resetSeen(E: number): Int32Array {
  if (replicaSeen.length < E) replicaSeen = new Int32Array(E);
  return replicaSeen.fill(0, 0, E);
}

/** Rows of copy j of an expert whose k kept rows are split over n copies: the first k mod n copies take one more. */
function copyShare(k: number, n: number, j: number): number {
  // A single copy of whole rows (most experts) takes them all, without the floating-point % (a slow fmod in V8).
  if (n === 1 && Number.isInteger(k)) return k;
  return Math.floor(k / n) + (j < k % n ? 1 : 0);
}

/**
 * Exact rows per rank. `kept` may be a scratch copy; `profileKept` is the profile's own array, which the per-slot
 * pass (run later, if ever) reads.
 */
function exactSet(
  kept: ArrayLike<number>,
  profileKept: ArrayLike<number>,
  slotExpert: Int32Array,
  slotRank: Int32Array,
  replicas: Int32Array,
  g: Geometry,
): RankSet {
  const set = emptySet(g.ranks, slotRank, (slots) => {
    const seen = resetSeen(profileKept.length);
    for (let s = 0; s < slotExpert.length; s++) {
      const e = slotExpert[s];
      const share = copyShare(profileKept[e], replicas[e], seen[e]++);
      slots.rows[s] = share;
      slots.touched[s] = share > 0 ? 1 : 0;
    }
  });
  const { rows, padded, touched } = set;
  const tile = g.tile;
  const seen = resetSeen(kept.length);
  for (let s = 0; s < slotExpert.length; s++) {
    const e = slotExpert[s];
    const share = copyShare(kept[e], replicas[e], seen[e]++);
    const r = slotRank[s];
    rows[r] += share;
    if (share > 0) {
      padded[r] += Math.ceil(share / tile) * tile;
      touched[r] += 1;
    }
  }
  return set;
}

/** Per-token probability of one copy of expert e (copies split their expert's tokens evenly). */
function copyProbability(prob: Float64Array, replicas: Int32Array, e: number): number {
  return Math.min(1, prob[e] / replicas[e]);
}

/** Probability that a copy chosen with probability p per token is touched by a batch of `tokens`. */
function touchedProbability(p: number, tokens: number): number {
  return p > 0 && tokens > 0 ? 1 - (1 - p) ** tokens : 0;
}

function scaledSet(
  prob: Float64Array,
  keepFrac: Float64Array,
  tokens: number,
  slotExpert: Int32Array,
  slotRank: Int32Array,
  replicas: Int32Array,
  g: Geometry,
): RankSet {
  const set = emptySet(g.ranks, slotRank, (slots) => {
    for (let s = 0; s < slotExpert.length; s++) {
      const e = slotExpert[s];
      const p = copyProbability(prob, replicas, e);
      slots.rows[s] = tokens * p * keepFrac[e];
      slots.touched[s] = touchedProbability(p, tokens);
    }
  });
  const tile = g.tile;
  for (let s = 0; s < slotExpert.length; s++) {
    const e = slotExpert[s];
    const p = copyProbability(prob, replicas, e);
    const lambda = tokens * p * keepFrac[e];
    const touched = touchedProbability(p, tokens);
    const r = slotRank[s];
    set.rows[r] += lambda;
    set.touched[r] += touched;
    if (touched > 0) set.padded[r] += Math.max(tile * touched, lambda + (touched * (tile - 1)) / 2);
  }
  return set;
}

/** Per-expert probability per token and kept fraction for a layer (uniform: k/E, all kept). */
function layerProbabilities(
  profile: LoadProfile,
  layer: LayerLoad | undefined,
): { prob: Float64Array; keep: Float64Array } {
  const E = profile.experts;
  const prob = new Float64Array(E);
  const keep = new Float64Array(E).fill(1);
  if (!layer || profile.uniform) {
    prob.fill(Math.min(1, profile.topK / E));
    return { prob, keep };
  }
  const tokens = Math.max(1e-12, layer.tokens);
  for (let e = 0; e < E; e++) {
    prob[e] = Math.min(1, layer.counts[e] / tokens);
    if (layer.kept && layer.counts[e] > 0) keep[e] = Math.min(1, layer.kept[e] / layer.counts[e]);
  }
  return { prob, keep };
}

/**
 * Resources of one profile layer for a batch of `tokens`, placed over `ranks` with `placement` (computed from
 * the layer's own aggregate counts: the history).
 */
export function layerResources(
  profile: LoadProfile,
  layerIndex: number,
  tokens: number,
  g: Geometry,
): LayerResources {
  const res = loadResources(profile, layerIndex, tokens, g);
  const cf = g.staticCapacityFactor;
  return cf !== undefined && cf > 0 ? staticShapeResources(res, cf * tokens * profile.topK, g.tile) : res;
}

/**
 * A static-shape chip's resources: each of the S expert slots (E plus redundant replicas) computes exactly
 * C = ⌈cf·T·k / S⌉ rows padded to the tile, and every slot's weights are read, on every step whatever the load;
 * rows over C are dropped (scaled loads cap each slot's expected rows, an approximation of the expected drop).
 */
function staticShapeResources(res: LayerResources, capacityRows: number, tile: number): LayerResources {
  let dropped = 0;
  const sets = res.sets.map((dynamic) => {
    const slotRank = dynamic.slotRank;
    const capacity = Math.ceil(capacityRows / Math.max(1, slotRank.length));
    const paddedSlot = Math.ceil(capacity / tile) * tile;
    const slotRows = dynamic.slots().rows;
    const kept = new Float64Array(slotRows.length);
    const set = emptySet(dynamic.ranks, slotRank, (slots) => {
      slots.rows.set(kept);
      slots.touched.fill(1);
    });
    for (let s = 0; s < slotRank.length; s++) {
      kept[s] = Math.min(slotRows[s], capacity);
      dropped += (slotRows[s] - kept[s]) / res.sets.length;
      const r = slotRank[s];
      set.rows[r] += kept[s];
      set.padded[r] += paddedSlot;
      set.touched[r] += 1;
    }
    return set;
  });
  return { sets, assignments: res.assignments, dropped: res.dropped + dropped };
}

function loadResources(
  profile: LoadProfile,
  layerIndex: number,
  tokens: number,
  g: Geometry,
): LayerResources {
  const layer = profile.uniform ? undefined : profile.layers[layerIndex];
  const E = profile.experts;
  const counts = layer ? copyOf(layer.counts, countsScratch) : undefined;
  const history = counts ?? new Float64Array(E).fill(1);
  const place = placeLayer(history, g.ranks, g.placement, g.redundant);
  const { slotExpert, slotRank, replicas } = place;
  if (layer?.steps && layer.steps.length > 0 && layer.stepTokens === tokens) {
    const stride = Math.max(1, Math.ceil(layer.steps.length / MAX_STEPS));
    const sets: RankSet[] = [];
    for (let i = 0; i < layer.steps.length; i += stride) {
      sets.push(exactSet(layer.steps[i], layer.steps[i], slotExpert, slotRank, replicas, g));
    }
    let assignments = 0;
    for (const st of layer.steps) for (let e = 0; e < E; e++) assignments += st[e];
    return { sets, assignments: assignments / layer.steps.length, dropped: 0 };
  }
  if (layer && counts && layer.tokens === tokens && isIntegral(counts)) {
    const kept = layer.kept ? copyOf(layer.kept, keptScratch) : counts;
    let assignments = 0;
    let keptSum = 0;
    for (let e = 0; e < E; e++) {
      assignments += counts[e];
      keptSum += kept[e];
    }
    const set = exactSet(kept, layer.kept ?? layer.counts, slotExpert, slotRank, replicas, g);
    return { sets: [set], assignments, dropped: Math.max(0, assignments - keptSum) };
  }
  const { prob, keep } = layerProbabilities(profile, layer);
  const set = scaledSet(prob, keep, tokens, slotExpert, slotRank, replicas, g);
  let assignments = 0;
  let dropped = 0;
  for (let e = 0; e < E; e++) {
    assignments += tokens * prob[e];
    dropped += tokens * prob[e] * (1 - keep[e]);
  }
  return { sets: [set], assignments, dropped };
}
