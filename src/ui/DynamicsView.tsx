import { useMemo, useState } from 'react';
import { applyStreamLoad, cancelStream, runStreamNow, useAppStore } from '../state';
import type { StreamResult } from '../stream';
import { BiasCurveChart } from './charts/BiasCurveChart';
import { Heatmap } from './charts/Heatmap';
import { SparsityChart } from './charts/SparsityChart';
import { type ChartSource, sourceText } from './charts/scale';
import { ChartFrame } from './export/ChartFrame';
import { matrixToCsv } from './export/run';
import { fmt } from './format';
import { NetworkView } from './NetworkView';
import { PlacementView } from './PlacementView';

function rowsOf(matrix: Int32Array, rows: number, cols: number): Int32Array[] {
  return Array.from({ length: rows }, (_, r) => matrix.subarray(r * cols, (r + 1) * cols));
}

/** Load as it moves: steps × experts and layers × experts, balancing what-ifs, and the decode sparsity curve. */
export function DynamicsView() {
  const stream = useAppStore((s) => s.stream);
  const state = useAppStore((s) => s.streamState);
  const running = state.status === 'running';
  // Off by default: the load does not depend on the expert FFN, and routing alone streams every layer in seconds.
  const [timeFfn, setTimeFfn] = useState(false);
  return (
    <section className="panel" aria-labelledby="dynamics-title" data-testid="dynamics">
      <h2 id="dynamics-title">Dynamics: steps and layers</h2>
      <div className="run-bar">
        <button type="button" onClick={() => void runStreamNow({}, { timeFfn })} disabled={running}>
          Run a stream
        </button>
        <label title="The load does not depend on the expert FFN: without it the stream measures routing over every MoE layer; with it, the full layer over a few layers.">
          <input
            type="checkbox"
            checked={timeFfn}
            onChange={(e) => setTimeFfn(e.target.checked)}
            data-testid="stream-time-ffn"
          />{' '}
          time the expert FFN too
        </label>
        {running && (
          <button type="button" onClick={cancelStream}>
            Cancel
          </button>
        )}
        <span role="status" aria-live="polite" data-testid="stream-status">
          {running
            ? `Running ${state.stage}: ${state.done} of ${state.total} layer runs…`
            : state.status === 'error'
              ? `The stream failed: ${state.message}`
              : stream
                ? `${stream.runs} layer runs in ${fmt(stream.wallMs / 1000)} s`
                : 'Runs the scenario step after step through several MoE layers (steps, drift and layer correlation in the Workload panel).'}
        </span>
      </div>
      {stream && <StreamResults stream={stream} />}
    </section>
  );
}

function StreamResults({ stream }: { stream: StreamResult }) {
  const [layerIndex, setLayerIndex] = useState(0);
  const layer = stream.layers[Math.min(layerIndex, stream.layers.length - 1)];
  const source: ChartSource = {
    kind: stream.source === 'imported' ? 'imported' : 'measured',
    detail: stream.source === 'imported' ? stream.label : stream.runner.label,
    isSoftware: stream.runner.isSoftware,
  };
  const E = stream.experts;
  const stepRows = useMemo(() => rowsOf(layer.counts, stream.steps, E), [layer, stream.steps, E]);
  const layerRows = useMemo(() => rowsOf(stream.layerMatrix, stream.layers.length, E), [stream, E]);
  const sum = stream.summary;
  const dModel = useAppStore((s) => s.scenario.dModel);
  const networkSkipped = stream.notes.find((n) => n.startsWith('network view'));
  return (
    <div className="stream-results">
      <p className="provenance-note">
        {stream.label}; {stream.steps} steps × {stream.layers.length} of {stream.totalLayers} layers,{' '}
        {stream.tokensPerStep} tokens per step. {stream.planNote}
      </p>
      <table className="metrics" data-testid="stream-summary">
        <caption>Per-step load over every measured layer and step</caption>
        <thead>
          <tr>
            <th scope="col">per step</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">max</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ['maxOverMean', 'max/mean'],
              ['droppedFraction', 'dropped share'],
              ['distinctExperts', 'distinct experts touched'],
            ] as const
          ).map(([key, label]) => (
            <tr key={key} data-series={key} data-p50={sum[key].p50}>
              <th scope="row">{label}</th>
              <td>{fmt(sum[key].p50)}</td>
              <td>{fmt(sum[key].p95)}</td>
              <td>{fmt(sum[key].max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="param">
        <label htmlFor="stream-layer">Layer shown</label>
        <select id="stream-layer" value={layerIndex} onChange={(e) => setLayerIndex(Number(e.target.value))}>
          {stream.layers.map((l, i) => (
            <option key={l.layerId} value={i}>
              layer {l.layerId}
            </option>
          ))}
        </select>
      </div>
      <ChartFrame
        fileName={`steps-layer-${layer.layerId}`}
        label="steps × experts"
        downloads={[{ kind: 'csv', make: () => matrixToCsv(stepRows, 'step', 'expert', sourceText(source)) }]}
      >
        <Heatmap
          rows={stepRows}
          rowLabel="step"
          source={source}
          title={`Steps × experts, layer ${layer.layerId}`}
          testId="steps-heatmap"
        />
      </ChartFrame>
      <ChartFrame
        fileName="layers-experts"
        label="layers × experts"
        downloads={[
          { kind: 'csv', make: () => matrixToCsv(layerRows, 'layer', 'expert', sourceText(source)) },
        ]}
      >
        <Heatmap
          rows={layerRows}
          rowLabel="layer"
          rowNames={stream.layers.map((l) => String(l.layerId))}
          source={source}
          title="Layers × experts (summed over steps)"
          testId="layers-heatmap"
        />
      </ChartFrame>
      {stream.bias && (
        <ChartFrame fileName="bias-balancing" label="bias balancing">
          <BiasCurveChart
            baseline={stream.bias.baseline}
            balanced={stream.bias.balanced}
            rateNote={stream.bias.rateNote}
            stepsToHalve={stream.bias.stepsToHalve}
            source={source}
          />
        </ChartFrame>
      )}
      {stream.sparsity && (
        <ChartFrame fileName="decode-sparsity" label="decode sparsity">
          <SparsityChart
            experts={stream.sparsity.experts}
            topK={stream.sparsity.topK}
            points={stream.sparsity.points.map((p) => ({
              batch: p.batch,
              distinct: p.measured,
              p5: p.min,
              p95: p.max,
              steps: p.steps,
            }))}
            source={source}
            testId="sparsity-chart"
          />
        </ChartFrame>
      )}
      {stream.placement && <PlacementView placement={stream.placement} source={source} />}
      {stream.network ? (
        <NetworkView network={stream.network} source={source} dModel={dModel} />
      ) : (
        networkSkipped && (
          <p className="provenance-note" data-testid="network-skipped">
            Network view: {networkSkipped}
          </p>
        )
      )}
      <button type="button" onClick={() => applyStreamLoad(stream)}>
        Use this stream's load in the cost model
      </button>
    </div>
  );
}
