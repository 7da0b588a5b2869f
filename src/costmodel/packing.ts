/**
 * Expert placement for the projection's hot path. A projection places every measured layer of a new load afresh
 * (DeepSeek-V3: 58 layers × 288 slots over 144 ranks), and placeExperts (src/metrics/placement.ts) made that most
 * of a cold projection. placeLayer returns exactly what placeExperts returns — same replicas, slot order, ranks
 * and fallback — with less work: a heap instead of a scan over all experts per EPLB replica, experts ordered by
 * a radix sort of their quantised loads, the first round of packing (and with two slots per rank the second)
 * without the heap, no closures, no floating-point %, scratch arrays reused across calls, output arrays cut from
 * shared slabs (slab.ts), and one shared round-robin placement per (E, R). Placements are read-only once made.
 * packing.test.ts checks it against placeExperts.
 */

import { type ExpertPlacement, type Placement, placeExperts } from '../metrics';
import { int32s } from './slab';

const roundRobinCache = new Map<string, ExpertPlacement>();

/** Expert e on rank e mod R, one copy each (placeExperts' 'round-robin'), built once per (E, R). */
function roundRobin(E: number, R: number): ExpertPlacement {
  const key = `${E}|${R}`;
  let p = roundRobinCache.get(key);
  if (!p) {
    p = placeExperts(new Float64Array(E), R, 'round-robin');
    if (roundRobinCache.size > 256) roundRobinCache.clear();
    roundRobinCache.set(key, p);
  }
  return p;
}

/** Scratch arrays reused across calls: typed arrays of a few hundred elements cost more to allocate than to fill. */
class Scratch {
  perReplica = new Float64Array(0);
  keys = new Float64Array(0);
  sortBuffer = new Float64Array(0);
  quantised = new Uint32Array(0);
  order = new Int32Array(0);
  orderBuffer = new Int32Array(0);
  digitCount = new Int32Array(1024);
  expertHeap = new Int32Array(0);
  firstSlot = new Int32Array(0);
  rankLoad = new Float64Array(0);
  rankHeap = new Int32Array(0);
  rankUsed = new Int32Array(0);

  reserve(E: number, R: number): this {
    if (this.keys.length < E) {
      this.perReplica = new Float64Array(E);
      this.keys = new Float64Array(E);
      this.sortBuffer = new Float64Array(E);
      this.quantised = new Uint32Array(E);
      this.order = new Int32Array(E);
      this.orderBuffer = new Int32Array(E);
      this.expertHeap = new Int32Array(E);
      this.firstSlot = new Int32Array(E);
    }
    if (this.rankHeap.length < R) {
      this.rankLoad = new Float64Array(R);
      this.rankHeap = new Int32Array(R);
      this.rankUsed = new Int32Array(R);
    }
    return this;
  }
}

const scratch = new Scratch();

/** Move heap[i] down a min-heap of ranks: less loaded first, ties to the lower index (placeExperts' order). */
function siftLightest(heap: Int32Array, load: Float64Array, i: number, size: number): void {
  const moving = heap[i];
  const w = load[moving];
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    let c = l;
    if (l + 1 < size) {
      const a = load[heap[l + 1]];
      const b = load[heap[l]];
      if (a < b || (a === b && heap[l + 1] < heap[l])) c = l + 1;
    }
    const wc = load[heap[c]];
    if (!(wc < w || (wc === w && heap[c] < moving))) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = moving;
}

/** Builds the min-heap of ranks that still have a free slot; returns its size. */
function heapOfOpenRanks(
  heap: Int32Array,
  load: Float64Array,
  used: Int32Array,
  R: number,
  perRank: number,
): number {
  let size = 0;
  for (let r = 0; r < R; r++) if (used[r] < perRank) heap[size++] = r;
  for (let i = (size >> 1) - 1; i >= 0; i--) siftLightest(heap, load, i, size);
  return size;
}

/**
 * Ranks 0…R−1, all open, ordered lightest first (load, then index) into `order`, when that is cheap: the first round
 * of packing gave them ever lighter slots, so R−1, …, 0 (runs of equal load kept in index order) is nearly sorted
 * and an insertion sort finishes it. Gives up (false) after 8·R moves, for the heap to do it.
 */
function ranksLightestFirst(order: Int32Array, load: Float64Array, R: number): boolean {
  let n = 0;
  for (let hi = R - 1; hi >= 0; ) {
    let lo = hi;
    while (lo > 0 && load[lo - 1] === load[hi]) lo--;
    for (let r = lo; r <= hi; r++) order[n++] = r;
    hi = lo - 1;
  }
  let budget = 8 * R;
  for (let i = 1; i < R; i++) {
    const x = order[i];
    let j = i - 1;
    while (j >= 0 && (load[x] < load[order[j]] || (load[x] === load[order[j]] && x < order[j]))) {
      order[j + 1] = order[j];
      j--;
      if (--budget < 0) return false;
    }
    order[j + 1] = x;
  }
  return true;
}

/** Move heap[i] down a max-heap of experts: highest load per replica first, ties to the lower index. */
function siftHeaviest(heap: Int32Array, load: Float64Array, i: number, size: number): void {
  const moving = heap[i];
  const w = load[moving];
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    let c = l;
    if (l + 1 < size) {
      const a = load[heap[l + 1]];
      const b = load[heap[l]];
      if (a > b || (a === b && heap[l + 1] < heap[l])) c = l + 1;
    }
    const wc = load[heap[c]];
    if (!(wc > w || (wc === w && heap[c] < moving))) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = moving;
}

/** Ascending sort of keys[0, n): insertion-sorted runs of 16, then bottom-up merges through `buffer`. */
function sortKeys(keys: Float64Array, buffer: Float64Array, n: number): Float64Array {
  for (let lo = 0; lo < n; lo += 16) {
    const hi = Math.min(n, lo + 16);
    for (let i = lo + 1; i < hi; i++) {
      const x = keys[i];
      let j = i - 1;
      while (j >= lo && keys[j] > x) {
        keys[j + 1] = keys[j];
        j--;
      }
      keys[j + 1] = x;
    }
  }
  let from = keys;
  let to = buffer;
  for (let width = 16; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) to[k++] = from[i] <= from[j] ? from[i++] : from[j++];
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}

/**
 * Experts 0…n−1 in ascending (q[e], −e) order — the order of sortKeys' packed keys q·1024 + (1023 − e) — by a
 * least-significant-digit radix sort over q's bytes (only as many as the largest q has), stable and starting from
 * e descending. A comparison sort of a few hundred keys mispredicts a branch on about every other comparison;
 * this does three or four passes of straight-line counting instead.
 */
function radixOrder(
  q: Uint32Array,
  n: number,
  maxQ: number,
  order: Int32Array,
  buffer: Int32Array,
  count: Int32Array,
): Int32Array {
  let passes = 0;
  while (passes < 4 && maxQ >= 2 ** (8 * passes)) passes++;
  // Every pass's digit counts from one read of the keys, then each pass's counts turned into start offsets.
  count.fill(0, 0, 256 * passes);
  for (let e = 0; e < n; e++) {
    const x = q[e];
    for (let p = 0; p < passes; p++) count[256 * p + ((x >>> (8 * p)) & 255)]++;
  }
  for (let p = 0; p < passes; p++) {
    let sum = 0;
    for (let b = 256 * p; b < 256 * p + 256; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
  }
  let from = order;
  let to = buffer;
  for (let i = 0; i < n; i++) from[i] = n - 1 - i;
  for (let p = 0; p < passes; p++) {
    const shift = 8 * p;
    const base = 256 * p;
    for (let i = 0; i < n; i++) {
      const e = from[i];
      to[count[base + ((q[e] >>> shift) & 255)]++] = e;
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}

/**
 * The busiest rank's load given each expert's load per replica (busiestRank in src/metrics/placement.ts: the same
 * values summed in the same order).
 */
function busiest(perReplica: Float64Array, p: ExpertPlacement, rankLoad: Float64Array): number {
  rankLoad.fill(0, 0, p.ranks);
  const { slotExpert, slotRank } = p;
  for (let s = 0; s < slotExpert.length; s++) rankLoad[slotRank[s]] += perReplica[slotExpert[s]];
  let max = 0;
  for (let r = 0; r < p.ranks; r++) max = Math.max(max, rankLoad[r]);
  return max;
}

/** placeExperts(history, ranks, mode, redundant), bit for bit. */
export function placeLayer(
  history: Float64Array,
  ranks: number,
  mode: Placement,
  redundant: number,
): ExpertPlacement {
  const E = history.length;
  const R = Math.max(1, ranks);
  if (mode === 'round-robin') return roundRobin(E, R);
  // The packed sort keys below hold an expert index in 10 bits; larger models (and fractional rank counts, which
  // the counters below do not handle) take the general path.
  if (E > 1024 || !Number.isInteger(R)) return placeExperts(history, R, mode, redundant);
  const {
    perReplica,
    keys,
    sortBuffer,
    quantised,
    order: orderScratch,
    orderBuffer,
    digitCount,
    expertHeap,
    firstSlot,
    rankLoad,
    rankHeap,
    rankUsed,
  } = scratch.reserve(E, R);

  // EPLB: each redundant replica goes to the expert with the highest load per replica (the first such expert).
  const extra = mode === 'eplb' ? Math.max(0, Math.floor(redundant)) : 0;
  const S = E + extra;
  // The three arrays returned are views of a shared slab (slab.ts), not allocations of their own.
  const replicas = int32s(E).fill(1);
  const slotExpert = int32s(S);
  const slotRank = int32s(S);
  if (extra > 0) {
    perReplica.set(history);
    for (let e = 0; e < E; e++) expertHeap[e] = e;
    for (let i = (E >> 1) - 1; i >= 0; i--) siftHeaviest(expertHeap, perReplica, i, E);
    for (let i = 0; i < extra; i++) {
      const best = expertHeap[0];
      replicas[best]++;
      perReplica[best] = history[best] / replicas[best];
      siftHeaviest(expertHeap, perReplica, 0, E);
    }
  }

  // Slots in expert order; experts sorted heaviest first by the same packed keys placeExperts uses (load per
  // replica quantised to 1/1024, then 1023 − e so that ties go to the lower index). Quantised loads below 2³²
  // (4 million rows per replica) are radix-sorted; larger ones by the keys themselves.
  // The same pass sums round-robin's rank loads (expert e on rank e mod R, added in expert order as busiest()
  // adds round-robin's slots) for the comparison at the end; rankLoad is not otherwise used until the packing.
  let maxQ = 0;
  rankLoad.fill(0, 0, R);
  for (let e = 0, s = 0, r = 0; e < E; e++) {
    rankLoad[r] += history[e];
    if (++r === R) r = 0;
    firstSlot[e] = s;
    for (let j = 0; j < replicas[e]; j++) slotExpert[s++] = e;
    perReplica[e] = history[e] / replicas[e];
    const q = Math.round(perReplica[e] * 1024);
    if (!(q >= 0 && q < 2 ** 42)) return placeExperts(history, R, mode, redundant);
    keys[e] = q;
    if (q > maxQ) maxQ = q;
  }
  let roundRobinBusiest = 0;
  for (let r = 0; r < R; r++) roundRobinBusiest = Math.max(roundRobinBusiest, rankLoad[r]);
  let order: Int32Array;
  if (maxQ < 2 ** 32) {
    for (let e = 0; e < E; e++) quantised[e] = keys[e];
    order = radixOrder(quantised, E, maxQ, orderScratch, orderBuffer, digitCount);
  } else {
    for (let e = 0; e < E; e++) keys[e] = keys[e] * 1024 + (1023 - e);
    const sorted = sortKeys(keys, sortBuffer, E);
    // key mod 1024 without a floating-point %, which V8 compiles to a slow fmod call (keys are exact integers).
    for (let k = 0; k < E; k++) orderScratch[k] = 1023 - (sorted[k] - Math.floor(sorted[k] / 1024) * 1024);
    order = orderScratch;
  }

  // Greedy packing: each slot, heaviest expert first, onto the least-loaded rank with a free slot. The heap pops
  // the least (load, index), a strict order, so how the heap was built does not change the result. While unused
  // ranks remain and slot loads are positive, every used rank carries a positive load and the least-loaded rank is
  // simply the next unused one: those slots go to ranks 0, 1, 2, … and the heap is built once, when they run out.
  // With two slots per rank (EP close to E) every rank then has one slot left, so each later slot fills the rank it
  // gets and the ranks are taken once each, lightest first: sorting them replaces the heap.
  const perRank = Math.ceil(S / R);
  rankLoad.fill(0, 0, R);
  rankUsed.fill(0, 0, R);
  let unused = 0;
  let size = -1;
  let next = -1;
  for (let k = E - 1; k >= 0; k--) {
    const e = order[k];
    const load = perReplica[e];
    for (let j = 0, slot = firstSlot[e]; j < replicas[e]; j++, slot++) {
      if (size < 0 && next < 0 && unused < R && load > 0) {
        slotRank[slot] = unused;
        rankLoad[unused] += load;
        rankUsed[unused] = 1;
        unused++;
        continue;
      }
      if (size < 0 && next < 0) {
        if (unused === R && perRank === 2 && ranksLightestFirst(rankHeap, rankLoad, R)) next = 0;
        else size = heapOfOpenRanks(rankHeap, rankLoad, rankUsed, R, perRank);
      }
      if (next >= 0) {
        const rank = rankHeap[next++];
        slotRank[slot] = rank;
        rankLoad[rank] += load;
        rankUsed[rank]++;
        continue;
      }
      const rank = rankHeap[0];
      slotRank[slot] = rank;
      rankLoad[rank] += load;
      if (++rankUsed[rank] >= perRank) rankHeap[0] = rankHeap[--size];
      siftLightest(rankHeap, rankLoad, 0, size);
    }
  }
  const packed: ExpertPlacement = { ranks: R, replicas, slotExpert, slotRank, fellBack: false };
  // As placeExperts: never leave the busiest rank worse than round-robin would.
  // With at most two slots per rank the packing's own sums are the slot-order sums (0 + a + b = 0 + b + a exactly).
  let packedBusiest = 0;
  if (perRank <= 2) for (let r = 0; r < R; r++) packedBusiest = Math.max(packedBusiest, rankLoad[r]);
  else packedBusiest = busiest(perReplica, packed, rankLoad);
  return packedBusiest <= roundRobinBusiest ? packed : { ...roundRobin(E, R), fellBack: true };
}
