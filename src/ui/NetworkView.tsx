import { useMemo, useState } from 'react';
import { type NetworkDirection, networkOf } from '../metrics';
import type { StreamNetwork, StreamNetworkLayer } from '../stream';
import { Heatmap } from './charts/Heatmap';
import { type ChartSource, sourceText } from './charts/scale';
import { ChartFrame } from './export/ChartFrame';
import { matrixToCsv } from './export/run';
import { fmt, fmtBytes, fmtPct } from './format';

type Direction = 'dispatch' | 'combine';
/** The placement EPLB is compared against: the scenario's when it is not EPLB, else round-robin. */
export type BeforePlacement = 'round-robin' | 'load-aware';
/** Test ids and file names: round-robin keeps its old name 'plain'. */
type Side = 'plain' | 'load-aware' | 'eplb';
const sideOf = (b: BeforePlacement): Side => (b === 'load-aware' ? 'load-aware' : 'plain');

/** The side's name: round-robin, or load-aware (saying so when its packing fell back to round-robin). */
export function beforeLabel(layer: StreamNetworkLayer, b: BeforePlacement): string {
  return b === 'round-robin'
    ? 'round-robin'
    : layer.loadAwareFellBack
      ? 'load-aware (kept round-robin)'
      : 'load-aware';
}

const ELEMENT: Record<number, string> = { 1: 'FP8', 2: 'BF16', 4: 'FP32' };

/** "FP8 rows of 7,168 × 1 B = 7 KiB" when the row divides by dModel, else just the row's bytes. */
export function rowBytesText(bytesPerRow: number, dModel?: number): string {
  const row = fmtBytes(bytesPerRow);
  if (!(dModel && dModel > 0 && bytesPerRow > 0) || bytesPerRow % dModel !== 0) return `rows of ${row}`;
  const el = bytesPerRow / dModel;
  return `${ELEMENT[el] ?? `${el}-byte`} rows of ${fmt(dModel)} × ${el} B = ${row}`;
}

/** [R] rows of bytes per step (bytes over the kept steps / steps); the diagonal (self, no link) NaN. */
export function perStepRows(bytes: Float64Array, R: number, steps: number): Float64Array[] {
  const div = Math.max(1, steps);
  return Array.from({ length: R }, (_, src) => {
    const row = new Float64Array(R);
    for (let dst = 0; dst < R; dst++) {
      const v = bytes[src * R + dst];
      row[dst] = src === dst || !Number.isFinite(v) ? Number.NaN : v / div;
    }
    return row;
  });
}

/** Off-diagonal min and max over several R×R matrices: one colour scale for all. */
export function sharedScale(matrices: readonly Float64Array[], R: number): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const m of matrices) {
    for (let i = 0; i < R * R && i < m.length; i++) {
      if (i % (R + 1) === 0) continue;
      const v = m[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

const change = (before: number, after: number) =>
  before > 0 && Number.isFinite(after) ? ` (${after >= before ? '+' : ''}${fmtPct(after / before - 1)})` : '';

/** One sentence: what EPLB did to this layer's traffic against `before`, or that it kept round-robin. */
export function eplbChangeText(
  layer: StreamNetworkLayer,
  dir: Direction,
  steps: number,
  before: BeforePlacement = 'round-robin',
): string {
  const div = Math.max(1, steps);
  const a = networkOf(layer, before)[dir];
  const b = layer.eplb[dir];
  const kept = "(its greedy packing was no better on the layer's load)";
  if (layer.fellBack && (before === 'round-robin' || layer.loadAwareFellBack))
    return `Layer ${layer.layerId}: EPLB kept round-robin ${kept}, so the ${dir} traffic is ${before === 'round-robin' ? 'unchanged' : "round-robin's, as load-aware's"}.`;
  const busy = (d: NetworkDirection) => d.busiestRank.bytes / div;
  const eplb = layer.fellBack
    ? `EPLB (kept round-robin ${kept})`
    : `EPLB (+${layer.redundant} replica${layer.redundant === 1 ? '' : 's'})`;
  return (
    `Layer ${layer.layerId}, ${dir}: against ${beforeLabel(layer, before)}, ${eplb} takes the busiest ` +
    `rank from ${fmtBytes(busy(a))} to ${fmtBytes(busy(b))} per step${change(busy(a), busy(b))}, the busiest link from ` +
    `${fmtBytes(a.busiestLink.bytes / div)} to ${fmtBytes(b.busiestLink.bytes / div)}, bytes across the scale-up ` +
    `domain from ${fmtBytes(a.totalOut / div)} to ${fmtBytes(b.totalOut / div)} and bytes kept on the rank from ` +
    `${fmtBytes(a.totalSelf / div)} to ${fmtBytes(b.totalSelf / div)}.`
  );
}

export interface NetworkViewProps {
  network: StreamNetwork;
  source: ChartSource;
  /** The scenario's model width, to name the row precision (FP8, BF16) when the row divides by it. */
  dModel?: number;
}

/**
 * The all-to-all as R×R byte matrices per layer: before EPLB (the scenario's placement, or the one picked:
 * round-robin or load-aware) and EPLB side by side on one colour scale.
 */
export function NetworkView({ network, source, dModel }: NetworkViewProps) {
  const [layerIndex, setLayerIndex] = useState(0);
  const [dir, setDir] = useState<Direction>('dispatch');
  // A pick belongs to the stream it was made on; a new stream opens on its scenario's placement again.
  const [picked, setPicked] = useState<{ network: StreamNetwork; before: BeforePlacement } | null>(null);
  const scenarioBefore: BeforePlacement = network.placement === 'load-aware' ? 'load-aware' : 'round-robin';
  const before = picked?.network === network ? picked.before : scenarioBefore;
  const layers = network.layers ?? [];
  const layer = layers.length ? layers[Math.min(Math.max(0, layerIndex), layers.length - 1)] : undefined;
  return (
    <section className="network-view" aria-labelledby="network-title" data-testid="network-view">
      <h3 id="network-title">Network: the expert-parallel all-to-all</h3>
      <p className="provenance-note" data-testid="network-note">
        Bytes each rank sends to each other rank, mean per step over the first {network.steps} step
        {network.steps === 1 ? '' : 's'} of {network.tokensPerStep} tokens. Dispatch:{' '}
        {rowBytesText(network.dispatchBytesPerRow, dModel)}; combine:{' '}
        {rowBytesText(network.combineBytesPerRow, dModel)}. {network.note}.
      </p>
      {!layer ? (
        <p className="chart-empty">No measured layer has network traffic to show.</p>
      ) : (
        <>
          <div className="network-controls">
            <div className="param">
              <label htmlFor="network-layer">Network layer</label>
              <select
                id="network-layer"
                value={Math.min(layerIndex, layers.length - 1)}
                onChange={(e) => setLayerIndex(Number(e.target.value))}
              >
                {layers.map((l, i) => (
                  <option key={l.layerId} value={i}>
                    layer {l.layerId}
                  </option>
                ))}
              </select>
            </div>
            <fieldset className="network-direction">
              <legend>All-to-all</legend>
              {(['dispatch', 'combine'] as const).map((d) => (
                <label key={d}>
                  <input
                    type="radio"
                    name="network-direction"
                    value={d}
                    checked={dir === d}
                    onChange={() => setDir(d)}
                  />{' '}
                  {d === 'dispatch' ? 'dispatch (tokens to experts)' : 'combine (outputs back home)'}
                </label>
              ))}
            </fieldset>
            <fieldset className="network-direction" data-testid="network-before">
              <legend>Before EPLB</legend>
              {(['round-robin', 'load-aware'] as const).map((b) => (
                <label key={b}>
                  <input
                    type="radio"
                    name="network-before"
                    value={b}
                    checked={before === b}
                    onChange={() => setPicked({ network, before: b })}
                  />{' '}
                  {b}
                  {network.placement === b ? " (the scenario's)" : ''}
                </label>
              ))}
            </fieldset>
          </div>
          <p className="provenance-note" data-testid="network-charged" data-placement={network.placement}>
            The projection's all-to-all charges the busiest rank's real sends under the scenario's placement,{' '}
            {network.placement === 'eplb' ? 'EPLB' : network.placement}.
          </p>
          <NetworkLayerView
            network={network}
            layer={layer}
            dir={dir}
            before={before}
            source={source}
            dModel={dModel}
          />
        </>
      )}
    </section>
  );
}

function NetworkLayerView({
  network,
  layer,
  dir,
  before,
  source,
  dModel,
}: {
  network: StreamNetwork;
  layer: StreamNetworkLayer;
  dir: Direction;
  before: BeforePlacement;
  source: ChartSource;
  dModel?: number;
}) {
  const R = Math.max(1, network.ranks);
  const steps = Math.max(1, network.steps);
  const first = networkOf(layer, before)[dir];
  const eplb = layer.eplb[dir];
  const rows = useMemo(
    () => ({ first: perStepRows(first.bytes, R, steps), eplb: perStepRows(eplb.bytes, R, steps) }),
    [first, eplb, R, steps],
  );
  const scale = useMemo(() => {
    const s = sharedScale([first.bytes, eplb.bytes], R);
    return { min: s.min / steps, max: s.max / steps };
  }, [first, eplb, R, steps]);
  const perRow = dir === 'dispatch' ? network.dispatchBytesPerRow : network.combineBytesPerRow;
  const what = `${dir === 'dispatch' ? 'Dispatch' : 'Combine'} bytes per step`;
  const sides: [Side, string, NetworkDirection, Float64Array[]][] = [
    [sideOf(before), beforeLabel(layer, before), first, rows.first],
    [
      'eplb',
      layer.fellBack ? 'EPLB (kept round-robin)' : `EPLB, +${layer.redundant} replicas`,
      eplb,
      rows.eplb,
    ],
  ];
  return (
    <>
      <p className="network-change" data-testid="network-change" data-fell-back={layer.fellBack}>
        {eplbChangeText(layer, dir, steps, before)}
      </p>
      <p className="provenance-note">
        {what} ({rowBytesText(perRow, dModel)}), mean over {steps} step{steps === 1 ? '' : 's'}: row = sending
        rank, column = receiving rank, one colour scale for both placements; the diagonal (a rank's own
        tokens) moves over no link. Hover or focus a grid to read src → dst bytes.
      </p>
      <div className="network-pair">
        {sides.map(([side, label, d, grid]) => (
          <div key={side} className="network-side" data-testid={`network-side-${side}`}>
            <ChartFrame
              fileName={`network-${dir}-layer-${layer.layerId}-${side}`}
              label={`${dir} bytes, ${label}`}
              downloads={[
                {
                  kind: 'csv',
                  make: () => matrixToCsv(grid, 'src_rank', 'dst_rank', sourceText(source)),
                },
              ]}
            >
              <Heatmap
                rows={grid}
                rowLabel="src rank"
                colLabel="dst rank"
                valueLabel="bytes per step"
                source={source}
                title={`${what}, ${label}, layer ${layer.layerId}`}
                testId={`network-heatmap-${side}`}
                scale={scale}
                formatValue={fmtBytes}
                missingLabel="self (no link)"
              />
            </ChartFrame>
            <DirectionStats direction={d} R={R} domain={network.domain} steps={steps} side={side} />
          </div>
        ))}
      </div>
    </>
  );
}

function DirectionStats({
  direction: d,
  R,
  domain,
  steps,
  side,
}: {
  direction: NetworkDirection;
  R: number;
  domain: number;
  steps: number;
  side: Side;
}) {
  const div = Math.max(1, steps);
  const b = d.busiestRank;
  const l = d.busiestLink;
  const linked = d.totalUp + d.totalOut;
  const oneDomain = domain >= R;
  const overMean = d.meanRank > 0 ? b.bytes / d.meanRank : Number.NaN;
  return (
    <dl
      className="network-stats"
      data-testid={`network-stats-${side}`}
      data-busiest-rank={b.rank}
      data-busiest-bytes={b.bytes / div}
      data-busiest-link={`${l.src}-${l.dst}`}
      data-link-bytes={l.bytes / div}
      data-up={d.totalUp / div}
      data-out={d.totalOut / div}
      data-self={d.totalSelf / div}
    >
      <dt>Busiest rank</dt>
      <dd data-testid={`network-busiest-${side}`}>
        {linked > 0 ? (
          <>
            rank {b.rank}: {fmtBytes(b.bytes / div)} per step (sends {fmtBytes(b.send / div)}, receives{' '}
            {fmtBytes(b.recv / div)}){Number.isFinite(overMean) ? `, ${fmt(overMean)}× the mean rank` : ''}
          </>
        ) : (
          'no rank sends anything over a link'
        )}
      </dd>
      <dt>Busiest link</dt>
      <dd>
        {l.bytes > 0 ? (
          <>
            rank {l.src} → rank {l.dst}: {fmtBytes(l.bytes / div)} per step
          </>
        ) : (
          'none: nothing crosses a link'
        )}
      </dd>
      <dt>Inside vs across the scale-up domain</dt>
      <dd>
        {oneDomain ? (
          <>
            all {R} ranks share one domain: {fmtBytes(d.totalUp / div)} per step inside, nothing across
          </>
        ) : (
          <>
            inside domains of {domain}: {fmtBytes(d.totalUp / div)}; across: {fmtBytes(d.totalOut / div)} per
            step
            {linked > 0 ? ` (${fmtPct(d.totalOut / linked)} of the linked bytes cross)` : ''}
          </>
        )}
        ; kept on the rank: {fmtBytes(d.totalSelf / div)}
      </dd>
    </dl>
  );
}
