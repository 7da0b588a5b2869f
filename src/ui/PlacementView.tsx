import { useState } from 'react';
import type { PlacementReport } from '../stream';
import { DriftChart } from './charts/DriftChart';
import type { ChartSource } from './charts/scale';
import { ChartFrame } from './export/ChartFrame';
import { fmt } from './format';

export interface PlacementViewProps {
  placement: PlacementReport;
  source: ChartSource;
}

/** Plain, flat EPLB and DeepSeek's eplb.py per layer, and how a placement's gain fades as it ages (drift). */
export function PlacementView({ placement, source }: PlacementViewProps) {
  const layers = placement.layers ?? [];
  const ds = placement.deepseek;
  const withDrift = layers.filter((l) => l.drift);
  const [driftIndex, setDriftIndex] = useState(0);
  const drift = withDrift.length ? withDrift[Math.min(driftIndex, withDrift.length - 1)] : undefined;
  const showNodes = layers.some((l) => l.deepseek?.nodesPerGroup);
  return (
    <div className="placement-view">
      <table className="metrics" data-testid="placement">
        <caption>
          Expert placement over {placement.ranks} chips, {placement.redundant} redundant slots: balancedness
          (mean chip load / busiest chip, 1 = even) on the layer's load over the stream. {placement.note}.{' '}
          <span data-testid="deepseek-note">{placement.deepseekNote}.</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">layer</th>
            <th scope="col">plain</th>
            <th scope="col">EPLB (replicated hot experts)</th>
            <th scope="col">DeepSeek EPLB{ds ? ` (${ds.policy})` : ''}</th>
            <th scope="col">DeepSeek per step: p50 / worst</th>
            {showNodes && <th scope="col">nodes per expert group, flat → DeepSeek</th>}
            <th scope="col">half-gain lag (steps)</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((l) => (
            <tr
              key={l.layerId}
              data-layer={l.layerId}
              data-deepseek={l.deepseek?.balancedness ?? ''}
              data-half-gain-lag={l.drift?.halfGainLag ?? ''}
            >
              <th scope="row">{l.layerId}</th>
              <td>{fmt(l.plainBalancedness)}</td>
              <td>
                {fmt(l.eplbBalancedness)}
                {l.fellBack ? ' (kept plain)' : ''}
              </td>
              <td>{l.deepseek ? fmt(l.deepseek.balancedness) : 'not run'}</td>
              <td>{l.deepseek ? `${fmt(l.deepseek.perStep.p50)} / ${fmt(l.deepseek.perStep.min)}` : '—'}</td>
              {showNodes && (
                <td>
                  {l.deepseek?.nodesPerGroup
                    ? `${fmt(l.deepseek.nodesPerGroup.flat)} → ${fmt(l.deepseek.nodesPerGroup.deepseek)}`
                    : '—'}
                </td>
              )}
              <td>
                {!l.drift
                  ? '—'
                  : l.drift.halfGainLag !== null
                    ? fmt(l.drift.halfGainLag)
                    : l.drift.points.length
                      ? 'never'
                      : 'too few steps'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {drift?.drift && (
        <>
          <div className="param">
            <label htmlFor="drift-layer">Drift of layer</label>
            <select
              id="drift-layer"
              value={Math.min(driftIndex, withDrift.length - 1)}
              onChange={(e) => setDriftIndex(Number(e.target.value))}
            >
              {withDrift.map((l, i) => (
                <option key={l.layerId} value={i}>
                  layer {l.layerId}
                </option>
              ))}
            </select>
          </div>
          <ChartFrame fileName={`placement-drift-layer-${drift.layerId}`} label="placement drift">
            <DriftChart
              points={drift.drift.points}
              halfGainLag={drift.drift.halfGainLag}
              window={drift.drift.window}
              note={drift.drift.note}
              layerId={drift.layerId}
              source={source}
            />
          </ChartFrame>
        </>
      )}
    </div>
  );
}
