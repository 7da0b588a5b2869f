import { hardwareSpec, toLoadProfile } from '../costmodel';
import type { Scenario } from '../scenario';
import { cpuRunner, gpuRunner, runStream, type StreamOptions, type StreamResult } from '../stream';
import { getEngine } from './gpuSession';
import { useAppStore } from './store';

export type StreamState =
  | { status: 'idle' }
  | { status: 'running'; done: number; total: number; stage: string }
  | { status: 'error'; message: string };

let controller: AbortController | null = null;

/** Layers a routing-only stream measures: every MoE layer of the presets (DeepSeek-V3 has 58), and no more. */
const MAX_ROUTING_LAYERS = 64;

/**
 * Run the scenario as a stream of steps through several MoE layers, with the balancing what-ifs and the decode
 * sparsity curve, on the GPU when there is one (CPU reference, routing only, otherwise).
 */
export async function runStreamNow(
  extra: Pick<StreamOptions, 'source' | 'cfg'> = {},
  { timeFfn = false }: { timeFfn?: boolean } = {},
): Promise<StreamResult | null> {
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  const store = useAppStore.getState();
  const s = store.scenario;
  store.setStreamState({ status: 'running', done: 0, total: 1, stage: 'starting' });
  try {
    const found = s.engine === 'cpu' ? { engine: null } : await getEngine();
    // The load does not depend on the expert FFN: by default only routing is measured, over every MoE layer.
    const runner = found.engine
      ? gpuRunner(found.engine, { routingOnly: !timeFfn })
      : cpuRunner({ routingOnly: true });
    const stream = await runStream(runner, s, {
      ...extra,
      ...(found.engine && !timeFfn ? { maxLayers: Math.min(s.moeLayers, MAX_ROUTING_LAYERS) } : {}),
      signal: mine.signal,
      placement: {
        ranks: s.expertParallel,
        // As the CLI: the scenario's redundant replicas, else runStream's default (one per chip, said in a note).
        ...(s.redundantExperts > 0 ? { redundant: s.redundantExperts } : {}),
        drift: {},
      },
      network: streamNetworkOptions(s),
      onProgress: (p) => {
        if (controller === mine) {
          useAppStore
            .getState()
            .setStreamState({ status: 'running', done: p.done, total: p.total, stage: p.stage });
        }
      },
    });
    if (controller !== mine) return null;
    useAppStore.getState().setStream(stream);
    useAppStore.getState().setStreamState({ status: 'idle' });
    return stream;
  } catch (err) {
    if (controller !== mine) return null;
    const aborted = mine.signal.aborted;
    useAppStore
      .getState()
      .setStreamState(aborted ? { status: 'idle' } : { status: 'error', message: (err as Error).message });
    return null;
  } finally {
    if (controller === mine) controller = null;
  }
}

/**
 * The network view's options, as `moe stream` asks for them: only when the experts are spread over several chips,
 * with the scale-up domain of the first compared chip's expert chip (the cost model's hardwareSpec); runStream's
 * defaults for the rest (bytes per row from the scenario's dModel and precisions).
 */
export function streamNetworkOptions(s: Scenario): StreamOptions['network'] {
  if (!(s.expertParallel > 1)) return undefined;
  let domain: number | undefined;
  try {
    domain = s.chips.length ? hardwareSpec(s.chips[0]).experts.scaleUpDomain : undefined;
  } catch {
    domain = undefined;
  }
  return { ranks: s.expertParallel, ...(domain !== undefined && domain > 0 ? { domain } : {}) };
}

export function cancelStream(): void {
  controller?.abort();
}

/**
 * Hand the stream's measured load (per layer, per step) to the cost model, with the measured all-to-all traffic of
 * the scenario's placement when the stream measured it (round-robin or EPLB).
 */
export function applyStreamLoad(stream: StreamResult): void {
  const { scenario, setImported } = useAppStore.getState();
  setImported(toLoadProfile(stream, { placement: scenario.expertPlacement }));
}
