import { networkFactors, networkOf, type Placement } from '../metrics';
import type { StreamResult } from '../stream';
import { type CountTable, importedCounts, type TokenChoices } from '../workload';
import { loadFromCounts } from './load';
import type { LayerLoad, LoadProfile, Phase } from './types';

/**
 * A stream as the cost model's LoadProfile: per measured layer the counts summed over the steps, and the per-step
 * counts (stepTokens = tokens per step) so the cost model sees each step's busiest chip and the distinct experts a
 * step really touches (decode weight traffic) rather than an average. When capacity dropped tokens the per-step
 * rows are left out, so the dropped share reaches the cost model through `kept` (its per-step path has no drops).
 * When the stream measured its network (expert parallelism; it measures every placement a scenario can name:
 * round-robin, load-aware and EPLB), each layer carries `placement`'s all-to-all factors (the busiest rank's real
 * sends, the share inside a scale-up domain), so the cost model charges the busiest rank's real bytes instead of
 * the mean. No placement named: the mean, as for counts alone.
 */
export function toLoadProfile(stream: StreamResult, opts: { placement?: Placement } = {}): LoadProfile {
  const E = stream.experts;
  const T = stream.tokensPerStep;
  let dropped = false;
  const layers: LayerLoad[] = stream.layers.map((l) => {
    const kept = new Int32Array(E);
    for (let i = 0; i < l.kept.length; i++) kept[i % E] += l.kept[i];
    for (let e = 0; e < E; e++) if (kept[e] !== l.total[e]) dropped = true;
    return { counts: l.total, tokens: T * stream.steps, kept, steps: [] as Int32Array[], stepTokens: T };
  });
  if (!dropped) {
    stream.layers.forEach((l, i) => {
      layers[i].steps = Array.from({ length: stream.steps }, (_, n) => l.counts.subarray(n * E, (n + 1) * E));
    });
  } else {
    for (const l of layers) {
      delete l.steps;
      delete l.stepTokens;
    }
  }
  const placement = opts.placement;
  if (stream.network && placement) {
    stream.layers.forEach((l, i) => {
      const net = stream.network?.layers.find((n) => n.layerId === l.layerId);
      if (net) layers[i].network = networkFactors(networkOf(net, placement));
    });
  }
  const where = stream.runner.label;
  return {
    source: stream.source === 'imported' ? 'imported' : 'measured',
    label: `${stream.label}; ${stream.layers.length} of ${stream.totalLayers} layers` + ` (${where})`,
    experts: E,
    topK: stream.topK,
    blockSize: stream.blockSize,
    phase: stream.phase,
    layers,
  };
}

export interface ImportProfileOptions {
  /** k the counts were routed with (count tables do not say; choices do). */
  topK?: number;
  phase?: Phase;
  label?: string;
}

/**
 * An imported count table or choice trace as a LoadProfile (no kernels needed), through costmodel's loadFromCounts.
 * Layers keep the file's order (ascending layer id); the cost model stretches fewer layers over the model's.
 */
export function importToLoadProfile(
  data: CountTable | TokenChoices,
  opts: ImportProfileOptions = {},
): LoadProfile {
  const topK = data.format === 'token-choices' ? data.topK : opts.topK;
  if (topK === undefined)
    throw new Error(`${data.name}: say how many experts each token chose (top-k) for a count table`);
  if (data.format === 'token-choices' && opts.topK !== undefined && opts.topK !== data.topK) {
    throw new Error(`${data.name}: the trace chose ${data.topK} experts per token, not ${opts.topK}`);
  }
  const { layerIds, counts } = importedCounts(data);
  const filters = data.format === 'count-table' ? data.filters.map((f) => f.selected).join(', ') : '';
  return loadFromCounts({
    counts,
    topK,
    tokens: data.format === 'token-choices' ? data.tokens : undefined,
    phase: opts.phase ?? 'prefill',
    source: 'imported',
    label:
      opts.label ??
      `${data.name}${filters ? ` (${filters})` : ''}: ${layerIds.length} layer${layerIds.length > 1 ? 's' : ''}` +
        ` (ids ${layerIds[0]}–${layerIds[layerIds.length - 1]})`,
  });
}
