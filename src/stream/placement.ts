import { type Placement, placeExperts } from '../metrics/placement';
import { type Percentiles, percentiles } from '../metrics/stream';

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
}

export interface PlacementReport {
  ranks: number;
  redundant: number;
  layers: LayerPlacement[];
  note: string;
}

/**
 * Plain vs EPLB busiest chip for each layer. `history` [E] is the layer's total load, `steps` its per-step rows
 * (steps × E, row-major), judged against the placement made from the history.
 */
export function placementReport(
  layers: { layerId: number; total: ArrayLike<number>; counts: Int32Array }[],
  experts: number,
  ranks: number,
  redundant: number,
): PlacementReport {
  const R = Math.max(1, Math.floor(ranks));
  const out: LayerPlacement[] = layers.map(({ layerId, total, counts }) => {
    const plain = placeExperts(total, R, 'round-robin');
    const eplb = eplbPlacement(total, R, redundant);
    const plainLoads = chipLoads(total, plain);
    const eplbLoads = chipLoads(total, eplb);
    const mean = meanOf(plainLoads);
    const steps = counts.length / experts;
    const plainStep = new Float64Array(steps);
    const eplbStep = new Float64Array(steps);
    for (let s = 0; s < steps; s++) {
      const row = counts.subarray(s * experts, (s + 1) * experts);
      const a = chipLoads(row, plain);
      const b = chipLoads(row, eplb);
      const m = meanOf(a);
      plainStep[s] = maxOf(a) > 0 ? m / maxOf(a) : 1;
      eplbStep[s] = maxOf(b) > 0 ? m / maxOf(b) : 1;
    }
    const plainBusiest = maxOf(plainLoads);
    const eplbBusiest = maxOf(eplbLoads);
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
    };
  });
  const fell = out.filter((l) => l.fellBack).length;
  return {
    ranks: R,
    redundant,
    layers: out,
    note:
      `${R} expert-parallel chips; EPLB with ${redundant} redundant replica(s), placed from each layer's load over the ` +
      'stream (costmodel placeExperts), judged on that load and on every step' +
      (fell ? `; in ${fell} layer(s) greedy packing was worse than plain, so plain was kept` : ''),
  };
}
