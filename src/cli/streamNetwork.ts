/**
 * `moe stream`'s network outputs (expert parallelism): the dispatch and combine byte matrices of every measured
 * layer under round-robin, EPLB and load-aware placement as .npy, their per-rank summary in report.json (with the
 * matrices themselves when they are small), the factors the projection charges, and the one-line text summary.
 */
import {
  directionSummary,
  type NetworkDirection,
  type NetworkReport,
  networkFactors,
  networkOf,
} from '../metrics';
import type { StreamNetwork } from '../stream';

/** Largest rank count whose R × R matrices report.json holds inline (64² = 4096 numbers each); above, the .npy. */
export const INLINE_MATRIX_RANKS = 64;

/**
 * The order of the placements in network_{dispatch,combine}_layer{L}.npy: [0] and [1] as before load-aware was
 * measured, so readers of [1] as EPLB keep working.
 */
export const NETWORK_NPY_ORDER = ['plain', 'eplb', 'loadAware'] as const;
type Which = (typeof NETWORK_NPY_ORDER)[number];

const npyName = (dir: 'dispatch' | 'combine', layerId: number) => `network_${dir}_layer${layerId}.npy`;

/** One direction for report.json: per-rank sums, busiest rank and link, and the matrix or where it is. */
function directionJson(d: NetworkDirection, R: number, file: string, index: number) {
  const summary = directionSummary(d);
  if (R > INLINE_MATRIX_RANKS) return { ...summary, bytesIn: { file, index } };
  const bytes = Array.from({ length: R }, (_, src) =>
    Array.from(d.bytes.subarray(src * R, (src + 1) * R), (b) => Math.round(b)),
  );
  return { ...summary, bytes };
}

/** One placement's network for report.json: dispatch and combine, rows moved, what the cost model would take. */
function placementJson(n: NetworkReport, layerId: number, which: Which) {
  const index = NETWORK_NPY_ORDER.indexOf(which);
  return {
    dispatch: directionJson(n.dispatch, n.ranks, npyName('dispatch', layerId), index),
    combine: directionJson(n.combine, n.ranks, npyName('combine', layerId), index),
    /** Rows moved per (token, destination rank) and per (token, expert): the dedup a rank-wise send saves. */
    rows: n.rows.reduce((a, b) => a + b, 0),
    expertRows: n.expertRows.reduce((a, b) => a + b, 0),
    /** What the cost model takes (LayerLoad.network) were this the scenario's placement. */
    costFactors: networkFactors(n),
  };
}

/** report.json's `network`: every placement per layer, and which one the scenario's projection charges. */
export function networkJson(net: StreamNetwork) {
  return {
    placement: net.placement,
    ranks: net.ranks,
    domain: net.domain,
    redundant: net.redundant,
    dispatchBytesPerRow: net.dispatchBytesPerRow,
    combineBytesPerRow: net.combineBytesPerRow,
    steps: net.steps,
    tokensPerStep: net.tokensPerStep,
    note: net.note,
    matrices:
      net.ranks <= INLINE_MATRIX_RANKS
        ? `bytes [src][dst] inline (R = ${net.ranks} ≤ ${INLINE_MATRIX_RANKS}), as in the .npy files`
        : `R = ${net.ranks} > ${INLINE_MATRIX_RANKS}: each direction's bytesIn names the .npy file and index`,
    layers: net.layers.map((l) => ({
      layerId: l.layerId,
      fellBack: l.fellBack,
      loadAwareFellBack: l.loadAwareFellBack,
      replicas: Array.from(l.eplbPlacement.replicas),
      plain: placementJson(l.plain, l.layerId, 'plain'),
      eplb: placementJson(l.eplb, l.layerId, 'eplb'),
      loadAware: placementJson(l.loadAware, l.layerId, 'loadAware'),
      /** What the projection of this scenario charges: its own placement's measured all-to-all. */
      charged: networkFactors(networkOf(l, net.placement)),
    })),
  };
}

/** network_{dispatch,combine}_layer{L}.npy: float32 [3, R, R] in NETWORK_NPY_ORDER. */
export function writeNetworkFiles(
  net: StreamNetwork,
  write: (name: string, data: Float32Array, shape: number[]) => void,
): void {
  const R = net.ranks;
  for (const l of net.layers) {
    for (const dir of ['dispatch', 'combine'] as const) {
      const m = new Float32Array(NETWORK_NPY_ORDER.length * R * R);
      NETWORK_NPY_ORDER.forEach((which, i) => {
        m.set(l[which][dir].bytes, i * R * R);
      });
      write(npyName(dir, l.layerId), m, [NETWORK_NPY_ORDER.length, R, R]);
    }
  }
}

export const NETWORK_FILES = {
  'network_dispatch_layer{L}.npy':
    'float32 [3, R, R] (only when expertParallel > 1): dispatch bytes from home rank (row) to expert rank ' +
    '(column) over the network steps, [0] round-robin, [1] EPLB, [2] load-aware; one row per (token, destination ' +
    'rank); the diagonal is self-traffic (no link). report.json holds the same matrices inline when R ≤ ' +
    `${INLINE_MATRIX_RANKS}`,
  'network_combine_layer{L}.npy':
    'float32 [3, R, R]: combine bytes from expert rank (row) back to home rank (column), as above',
};

/** The text summary: the busiest rank's dispatch and the cross-domain share under each placement. */
export function networkLine(net: StreamNetwork, f: (v: number, d?: number) => string): string {
  const mib = (v: number) =>
    v >= 2 ** 30
      ? `${f(v / 2 ** 30, 2)} GiB`
      : v >= 2 ** 20
        ? `${f(v / 2 ** 20, 1)} MiB`
        : `${f(v / 1024, 1)} KiB`;
  const busiest = (pick: Which) => Math.max(...net.layers.map((l) => l[pick].dispatch.busiestRank.bytes));
  const out = (pick: Which) => {
    let o = 0;
    let all = 0;
    for (const l of net.layers) {
      o += l[pick].dispatch.totalOut;
      all += l[pick].dispatch.totalOut + l[pick].dispatch.totalUp;
    }
    return all > 0 ? `${f((o / all) * 100, 0)}%` : '—';
  };
  const each = (pick: Which, label: string) => `${label} ${mib(busiest(pick))} (${out(pick)} across domains)`;
  return (
    `network (dispatch, ${net.ranks} ranks, domains of ${net.domain}, ${net.steps} steps), busiest rank: ` +
    `${each('plain', 'round-robin')}, ${each('loadAware', 'load-aware')}, ${each('eplb', `EPLB (+${net.redundant})`)}; ` +
    `the projection charges ${net.placement}`
  );
}
