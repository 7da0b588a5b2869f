import type { AdapterSummary, MoeEngine } from '../gpu';
import { cpuPlan, runReferenceLayer } from '../reference';
import type { Scenario } from '../scenario';
import type { LayerConfig, LayerResult, LayerTensors } from '../workload';

/** Which engine measured a stream: shown beside every streamed number and written into every export. */
export interface RunnerInfo {
  engine: 'gpu' | 'cpu';
  /** E.g. "google swiftshader (software adapter)" or "CPU reference". */
  label: string;
  /** A software adapter (SwiftShader) or the CPU: times are CPU times. */
  isSoftware: boolean;
  adapter?: AdapterSummary;
  /**
   * True when the runner measures routing only: the expert FFN and combine are skipped (y is zeros); routing and
   * counts are exact.
   */
  routingOnly: boolean;
}

/** Runs one MoE layer: the GPU engine or the CPU reference behind one interface. */
export interface LayerRunner {
  run(cfg: LayerConfig, tensors: LayerTensors): Promise<LayerResult>;
  readonly info: RunnerInfo;
  /** The layer a scenario runs as on this engine (expert FFN possibly shrunk), with a one-line note. */
  plan?(s: Scenario): { cfg: LayerConfig; note: string };
  /**
   * Optional: runs so far and the engine's own time for them (GPU: submit until the queue is idle, without uploads
   * and readback). runStream times every call itself as well.
   */
  readonly stats?: { runs: number; ms: number };
}

const now = () => performance.now();

/** Gate, count, offsets and scatter only (y is zeros): the load a stream measures depends only on these. */
export function routeOnly(cfg: LayerConfig, t: LayerTensors): LayerResult {
  return runReferenceLayer(cfg, t, { routingOnly: true });
}

/**
 * The CPU reference as a LayerRunner. `routingOnly` skips the expert FFN and combine (counts, kept, ids and
 * positions are the same; y is zeros), for quick streams and sparsity sweeps.
 */
export function cpuRunner(opts: { routingOnly?: boolean } = {}): LayerRunner {
  const routingOnly = opts.routingOnly ?? false;
  const stats = { runs: 0, ms: 0 };
  return {
    info: {
      engine: 'cpu',
      label: routingOnly ? 'CPU reference (routing only: no expert FFN)' : 'CPU reference',
      isSoftware: true,
      routingOnly,
    },
    stats,
    // Planned before anything is allocated; throws a one-line Error when the layer cannot fit the CPU engine.
    plan: (s) => cpuPlan(s, { routingOnly }),
    async run(cfg, tensors) {
      const t0 = now();
      const result = routingOnly ? routeOnly(cfg, tensors) : runReferenceLayer(cfg, tensors);
      stats.runs++;
      stats.ms += now() - t0;
      return result;
    },
  };
}

/** Expert FFN width a routing-only GPU stream uploads weights for (the smallest the layer config allows). */
export const ROUTING_ONLY_FFN = 4;

/**
 * The WebGPU engine as a LayerRunner: every run is the whole layer on the GPU (router GEMM unless logits are
 * supplied, gate, count, offsets, scatter, expert FFN, combine), one trial, no warm-up (the engine caches
 * pipelines and buffers, so only the first run of a shape compiles). `routingOnly` runs the routing stages only,
 * with expert weights at f = ROUTING_ONLY_FFN and no shared experts to upload: the load a stream measures does not
 * depend on them, and a stream over every layer of a real model then takes seconds on a software adapter.
 */
export function gpuRunner(engine: MoeEngine, opts: { routingOnly?: boolean } = {}): LayerRunner {
  const routingOnly = opts.routingOnly ?? false;
  const stats = { runs: 0, ms: 0 };
  return {
    get info(): RunnerInfo {
      return {
        engine: 'gpu',
        label: routingOnly
          ? `${engine.adapter.label} (routing only: expert FFN at f = 4)`
          : engine.adapter.label,
        isSoftware: engine.adapter.isSoftware,
        adapter: engine.adapter,
        routingOnly,
      };
    },
    stats,
    plan(s) {
      if (!routingOnly) {
        const p = engine.planScenario(s);
        return { cfg: p.cfg, note: p.note };
      }
      const scale = Math.min(1, ROUTING_ONLY_FFN / s.ffnSize);
      const p = engine.planScenario({ ...s, sharedExperts: 0, measureScale: scale });
      return {
        cfg: p.cfg,
        note: 'routing only: the expert FFN and combine are not run (the load does not depend on them)',
      };
    },
    async run(cfg, tensors) {
      const out = await engine.run(cfg, tensors, { trials: 1, warmup: 0, routingOnly });
      stats.runs++;
      stats.ms += out.total.medianMs;
      return out.result;
    },
  };
}
