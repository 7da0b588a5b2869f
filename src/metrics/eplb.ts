import type { ExpertPlacement } from './placement';

/**
 * DeepSeek's EPLB (github.com/deepseek-ai/EPLB, eplb.py at commit d52c72d), ported step for step: `balancedPacking`
 * is balanced_packing (eplb.py lines 5–41), `replicateExperts` replicate_experts (44–71), `rebalanceHierarchical`
 * rebalance_experts_hierarchical (74–129) and `rebalanceExperts` rebalance_experts (131–162), one layer at a time.
 *
 * Hierarchical policy (used when the node count divides the group count): pack expert groups onto nodes so node
 * loads are balanced, replicate experts within each node, then pack each node's physical experts onto its GPUs.
 * Otherwise the global policy: the same function with one group and one node.
 *
 * Arithmetic follows eplb.py's float32 tensors (Math.fround on every weight, quotient and pack sum); ties break
 * as torch does on the CPU: `max(dim)` gives the first maximum, Python's `min` the first minimum. eplb.py's
 * descending sort is torch's default (stable=False), whose order among equal weights is unspecified (torch 1.13 on
 * the CPU reorders ties past 16 items); this port keeps equal weights in index order, i.e. eplb.py with
 * `sort(stable=True)`. Checked against eplb.py run under torch 1.13 on 401 inputs (235 hierarchical, 166 global;
 * integer, tied, fractional and all-zero loads): identical phy2log and logcnt with the stable sort, and the 113
 * that differ under the default sort differ only by that tie order.
 */

export type EplbPolicy = 'hierarchical' | 'global';

export interface EplbLayer {
  /** [physical] logical expert of each physical slot (eplb.py's phy2log). Slot p lives on GPU ⌊p / perGpu⌋. */
  phy2log: Int32Array;
  /** [physical] replica index of the slot among its expert's replicas (eplb.py's phyrank). */
  phyRank: Int32Array;
  /** [logical] replicas of each expert (eplb.py's logcnt). */
  logCount: Int32Array;
}

export interface EplbResult {
  policy: EplbPolicy;
  /** Physical slots per GPU. */
  perGpu: number;
  layers: EplbLayer[];
}

const f32 = Math.fround;

/**
 * balanced_packing (eplb.py 5–41): n weighted items into `packs` packs of exactly n / packs items each, heaviest
 * first onto the lightest pack that still has room.
 */
export function balancedPacking(
  weight: ArrayLike<number>,
  packs: number,
): { packIndex: Int32Array; rankInPack: Int32Array } {
  const n = weight.length;
  if (!(packs >= 1) || n % packs !== 0)
    throw new Error(`balancedPacking: ${n} items do not split into ${packs} packs`);
  const perPack = n / packs;
  const packIndex = new Int32Array(n);
  const rankInPack = new Int32Array(n);
  if (perPack === 1) {
    for (let i = 0; i < n; i++) packIndex[i] = i;
    return { packIndex, rankInPack };
  }
  const w = Array.from(weight, f32);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => w[b] - w[a] || a - b);
  const packWeight = new Float64Array(packs);
  const packItems = new Int32Array(packs);
  for (const item of order) {
    let pack = -1;
    for (let p = 0; p < packs; p++) {
      if (packItems[p] < perPack && (pack < 0 || packWeight[p] < packWeight[pack])) pack = p;
    }
    packIndex[item] = pack;
    rankInPack[item] = packItems[pack];
    packWeight[pack] = f32(packWeight[pack] + w[item]);
    packItems[pack]++;
  }
  return { packIndex, rankInPack };
}

/**
 * replicate_experts (eplb.py 44–71): `physical` − E extra replicas, each to the expert with the highest load per
 * replica. Physical slot i < E holds expert i; the extra slots follow in the order they were given.
 */
export function replicateExperts(weight: ArrayLike<number>, physical: number): EplbLayer {
  const E = weight.length;
  if (physical < E) throw new Error(`replicateExperts: ${physical} physical slots for ${E} experts`);
  const w = Array.from(weight, f32);
  const phy2log = new Int32Array(physical);
  const phyRank = new Int32Array(physical);
  const logCount = new Int32Array(E).fill(1);
  for (let i = 0; i < E; i++) phy2log[i] = i;
  for (let i = E; i < physical; i++) {
    let best = 0;
    let bestV = f32(w[0] / logCount[0]);
    for (let e = 1; e < E; e++) {
      const v = f32(w[e] / logCount[e]);
      if (v > bestV) {
        best = e;
        bestV = v;
      }
    }
    phy2log[i] = best;
    phyRank[i] = logCount[best];
    logCount[best]++;
  }
  return { phy2log, phyRank, logCount };
}

function inverse(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/** Why eplb.py's hierarchical function would refuse these sizes (its asserts), or null when it accepts them. */
export function hierarchicalPrecondition(
  experts: number,
  physical: number,
  groups: number,
  nodes: number,
  gpus: number,
): string | null {
  const int = (x: number) => Number.isInteger(x) && x >= 1;
  if (![experts, physical, groups, nodes, gpus].every(int)) return 'sizes must be positive integers';
  if (experts % groups !== 0) return `${groups} groups do not divide ${experts} experts`;
  if (groups % nodes !== 0) return `${nodes} nodes do not divide ${groups} groups`;
  if (gpus % nodes !== 0) return `${nodes} nodes do not divide ${gpus} GPUs`;
  if (physical % gpus !== 0) return `${gpus} GPUs do not divide ${physical} physical experts`;
  if (physical < experts) return `${physical} physical experts are fewer than ${experts} experts`;
  return null;
}

/** rebalance_experts_hierarchical (eplb.py 74–129) for one layer's load [E]. */
export function rebalanceHierarchical(
  weight: ArrayLike<number>,
  physical: number,
  groups: number,
  nodes: number,
  gpus: number,
): EplbLayer {
  const E = weight.length;
  const why = hierarchicalPrecondition(E, physical, groups, nodes, gpus);
  if (why) throw new Error(`rebalanceHierarchical: ${why}`);
  const w = Array.from(weight, f32);
  const groupSize = E / groups;
  const groupsPerNode = groups / nodes;
  const perGpu = physical / gpus;
  const logPerNode = E / nodes;
  const phyPerNode = physical / nodes;

  // Step 1: pack groups to nodes.
  const tokensPerGroup = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let j = 0; j < groupSize; j++) sum = f32(sum + w[g * groupSize + j]);
    tokensPerGroup[g] = sum;
  }
  const gp = balancedPacking(tokensPerGroup, nodes);
  const log2mlog = new Int32Array(E);
  for (let g = 0; g < groups; g++) {
    const base = (gp.packIndex[g] * groupsPerNode + gp.rankInPack[g]) * groupSize;
    for (let j = 0; j < groupSize; j++) log2mlog[g * groupSize + j] = base + j;
  }
  const mlog2log = inverse(log2mlog);

  // Step 2: replicate experts within each node; step 3: pack each node's physical experts to its GPUs.
  const phy2log = new Int32Array(physical);
  const phyRank = new Int32Array(physical);
  const mlogCount = new Int32Array(E);
  for (let node = 0; node < nodes; node++) {
    const tokensPerMlog = new Float64Array(logPerNode);
    for (let i = 0; i < logPerNode; i++) tokensPerMlog[i] = w[mlog2log[node * logPerNode + i]];
    const rep = replicateExperts(tokensPerMlog, phyPerNode);
    mlogCount.set(rep.logCount, node * logPerNode);
    const tokensPerPhy = new Float64Array(phyPerNode);
    for (let i = 0; i < phyPerNode; i++) {
      const m = rep.phy2log[i];
      tokensPerPhy[i] = f32(tokensPerMlog[m] / rep.logCount[m]);
    }
    const pk = balancedPacking(tokensPerPhy, gpus / nodes);
    const phy2pphy = new Int32Array(phyPerNode);
    for (let i = 0; i < phyPerNode; i++) phy2pphy[i] = pk.packIndex[i] * perGpu + pk.rankInPack[i];
    const pphy2phy = inverse(phy2pphy);
    for (let j = 0; j < phyPerNode; j++) {
      const phy = pphy2phy[j];
      phy2log[node * phyPerNode + j] = mlog2log[rep.phy2log[phy] + node * logPerNode];
      phyRank[node * phyPerNode + j] = rep.phyRank[phy];
    }
  }
  const logCount = new Int32Array(E);
  for (let e = 0; e < E; e++) logCount[e] = mlogCount[log2mlog[e]];
  return { phy2log, phyRank, logCount };
}

/**
 * rebalance_experts (eplb.py 131–162): `weight` is [layers][E] (each layer's expert loads); hierarchical when
 * `nodes` divides `groups`, else the global policy (one group, one node). `physical` = E + redundant replicas,
 * a multiple of `gpus`. Throws where eplb.py's asserts would fail (see hierarchicalPrecondition).
 */
export function rebalanceExperts(
  weight: ArrayLike<number>[],
  physical: number,
  groups: number,
  nodes: number,
  gpus: number,
): EplbResult {
  const hier = groups % nodes === 0;
  const [g, n] = hier ? [groups, nodes] : [1, 1];
  return {
    // One group on one node is exactly eplb.py's global call.
    policy: g === 1 && n === 1 ? 'global' : 'hierarchical',
    perGpu: physical / gpus,
    layers: weight.map((w) => rebalanceHierarchical(w, physical, g, n, gpus)),
  };
}

/**
 * eplb.py's placement for one layer as an ExpertPlacement (slot p = physical expert p, on rank ⌊p / perGpu⌋), so
 * chipLoads, busiestRank and the network view can judge it like the flat policy's. Never falls back.
 */
export function deepseekEplbPlacement(
  load: ArrayLike<number>,
  gpus: number,
  redundant: number,
  groups = 1,
  nodes = 1,
): ExpertPlacement & { policy: EplbPolicy } {
  const physical = load.length + Math.max(0, Math.floor(redundant));
  const r = rebalanceExperts([load], physical, groups, nodes, gpus);
  const layer = r.layers[0];
  const slotRank = new Int32Array(physical);
  for (let p = 0; p < physical; p++) slotRank[p] = Math.floor(p / r.perGpu);
  return {
    ranks: gpus,
    replicas: layer.logCount,
    slotExpert: layer.phy2log,
    slotRank,
    fellBack: false,
    policy: r.policy,
  };
}
