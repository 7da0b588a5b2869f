import {
  type AdapterSummary,
  type DeviceRoofline,
  GEMM_TILE,
  type ScenarioPlan,
  type StageReport,
} from '../gpu';
import { type LoadMetrics, loadMetrics } from '../metrics';
import { cpuMemory, cpuPlan } from '../reference';
import type { Scenario } from '../scenario';
import {
  capacityOf,
  generateLayerTensors,
  type LayerConfig,
  type LayerResult,
  type LayerTensors,
  layerConfigFromScenario,
} from '../workload';
import { getEngine } from './gpuSession';
import { precomputeConfig } from './precomputed';
import { runReferenceInWorker } from './referenceWorker';
import { compareWithReference, type Verification } from './verify';

/** One measured run of the layer on this device (or on the CPU engine), with everything the UI shows. */
export interface MeasuredRun {
  scenario: Scenario;
  /** 'precomputed': shipped with the app (CPU reference), shown until the real run on this device lands. */
  engine: 'gpu' | 'cpu' | 'precomputed';
  /** "measured here on …": names a software adapter or the CPU engine, shown on every measured number. */
  provenance: string;
  adapter: AdapterSummary | null;
  isSoftware: boolean;
  cfg: LayerConfig;
  scale: number;
  planNote: string;
  counts: Int32Array;
  kept: Int32Array;
  capacity: number;
  metrics: LoadMetrics;
  stages: StageReport[];
  totalMs: number | null;
  timingNote: string;
  roofline: DeviceRoofline | null;
  verification: Verification;
  compiledPipelines: number | null;
}

export type RunPhase = 'preparing' | 'gpu' | 'verifying' | 'cpu';

/** The CPU check is skipped above this many expert-FFN FLOPs (it would take seconds). */
const VERIFY_FLOP_LIMIT = 4e9;
/** GEMM tile the GPU kernels pad to: below it, shrinking f or rows saves no work. */
const TILE = GEMM_TILE.TM;

function ffnFlops(cfg: LayerConfig): number {
  return (
    6 * cfg.tokens * cfg.topK * cfg.dModel * cfg.ffnSize +
    6 * cfg.tokens * cfg.sharedExperts * cfg.dModel * cfg.sharedFfnSize
  );
}

/** FFN work as the GPU kernels do it: each touched expert padded to whole tiles, f to whole tile columns. */
function paddedFfnFlops(cfg: LayerConfig): number {
  const pairs = cfg.tokens * cfg.topK;
  const rows = pairs + Math.min(cfg.experts, pairs) * (TILE - 1);
  const width = (f: number) => Math.ceil(f / TILE) * TILE;
  const shared = cfg.sharedExperts * (Math.ceil(cfg.tokens / TILE) * TILE) * width(cfg.sharedFfnSize);
  return 6 * cfg.dModel * (rows * width(cfg.ffnSize) + shared);
}

/** Longest expert FFN a trial should take here; routing does not depend on f, so only FFN timings scale. */
const FFN_TRIAL_BUDGET_S = 1;

/**
 * With automatic scale, shrink f further (down to one tile width) until the expert FFN fits the time budget on
 * this device's measured matmul rate: a slow (software) adapter still measures the real routing, on a narrower
 * FFN, and says so.
 */
function fitTimeBudget(s: Scenario, plan: ScenarioPlan, roofline: DeviceRoofline): ScenarioPlan {
  if (!plan.auto || !(roofline.matmulGflops > 0)) return plan;
  const seconds = paddedFfnFlops(plan.cfg) / (roofline.matmulGflops * 1e9);
  if (seconds <= FFN_TRIAL_BUDGET_S) return plan;
  const f = Math.max(
    Math.min(TILE, plan.cfg.ffnSize),
    Math.floor((plan.cfg.ffnSize * FFN_TRIAL_BUDGET_S) / seconds),
  );
  if (f >= plan.cfg.ffnSize) return plan;
  const cfg = layerConfigFromScenario(s, f / s.ffnSize);
  return {
    ...plan,
    cfg,
    scale: cfg.ffnSize / s.ffnSize,
    note: `expert FFN shrunk to f = ${cfg.ffnSize} (of ${s.ffnSize}) to keep trials short at this device's ${roofline.matmulGflops.toPrecision(3)} GFLOP/s; routing and load are unaffected`,
  };
}

/** A shipped precomputed load as a run record, plainly labelled. */
export function precomputedRun(s: Scenario, counts: Int32Array, kept: Int32Array): MeasuredRun {
  const cfg = precomputeConfig(s);
  const result = { counts, kept } as Pick<LayerResult, 'counts' | 'kept'>;
  return buildRun(s, { ...cfg, ffnSize: layerConfigFromScenario(s).ffnSize }, result, {
    engine: 'precomputed',
    provenance: 'precomputed on the CPU reference engine (shipped with the app)',
    adapter: null,
    isSoftware: true,
    scale: 1,
    planNote: 'routing only; the run on this device is on its way',
    stages: [],
    totalMs: null,
    timingNote: 'Precomputed load: no timing on this device yet.',
    roofline: null,
    verification: {
      status: 'skipped',
      detail: 'Precomputed with the CPU reference; this device is measuring now.',
    },
    compiledPipelines: null,
  });
}

function buildRun(
  s: Scenario,
  cfg: LayerConfig,
  result: Pick<LayerResult, 'counts' | 'kept'>,
  parts: Omit<MeasuredRun, 'scenario' | 'cfg' | 'counts' | 'kept' | 'capacity' | 'metrics'>,
): MeasuredRun {
  const capacity = capacityOf(cfg);
  return {
    scenario: s,
    cfg,
    counts: result.counts,
    kept: result.kept,
    capacity,
    metrics: loadMetrics({
      counts: result.counts,
      kept: result.kept,
      tokens: cfg.tokens,
      topK: cfg.topK,
      blockSize: cfg.blockSize,
      ranks: s.expertParallel,
    }),
    ...parts,
  };
}

/** Run the scenario's layer: on the GPU when there is one (verified against the CPU), else on the CPU engine. */
export async function runScenario(
  s: Scenario,
  onPhase: (phase: RunPhase) => void,
  signal: AbortSignal,
): Promise<MeasuredRun> {
  onPhase('preparing');
  const found =
    s.engine === 'cpu' ? { engine: null, reason: 'The CPU engine was chosen.' } : await getEngine();
  if (!found.engine) {
    if (s.engine === 'gpu') throw new Error(`WebGPU is not available: ${found.reason}`);
    // Planned before anything is allocated: a layer the CPU engine cannot hold is refused here, in one line.
    const plan = cpuPlan(s);
    const tensors = generateLayerTensors(s, plan.cfg);
    onPhase('cpu');
    // The tensors are not used again here: move them to the worker rather than hold two copies.
    const { result, ms } = await runReferenceInWorker(plan.cfg, tensors, signal, true);
    return buildRun(s, plan.cfg, result, {
      engine: 'cpu',
      provenance: 'CPU reference engine (no WebGPU)',
      adapter: null,
      isSoftware: true,
      scale: plan.scale,
      planNote: plan.note,
      stages: [],
      totalMs: ms,
      timingNote: `${found.reason} Wall time of the whole layer in a Web Worker.`,
      roofline: null,
      verification: { status: 'skipped', detail: 'The CPU reference engine is the oracle itself.' },
      compiledPipelines: null,
    });
  }
  const engine = found.engine;
  onPhase('gpu');
  const roofline = await engine.microbench();
  signal.throwIfAborted();
  const plan = fitTimeBudget(s, engine.planScenario(s), roofline);
  const tensors: LayerTensors = generateLayerTensors(s, plan.cfg);
  signal.throwIfAborted();
  const compiledBefore = engine.compileCount;
  const run = await engine.run(plan.cfg, tensors, { trials: s.trials, warmup: 1, signal, roofline });
  const adapter = run.adapter;
  let verification: Verification;
  if (ffnFlops(plan.cfg) > VERIFY_FLOP_LIMIT) {
    verification = {
      status: 'skipped',
      detail: 'Not checked against the CPU reference: too large to recompute on the CPU here.',
    };
  } else if (!cpuMemory(plan.cfg, s.topics).fits) {
    verification = {
      status: 'skipped',
      detail: `Not checked against the CPU reference: ${cpuMemory(plan.cfg, s.topics).reason}.`,
    };
  } else {
    onPhase('verifying');
    const ref = await runReferenceInWorker(plan.cfg, tensors, signal);
    verification = compareWithReference(run.result, ref.result);
  }
  return buildRun(s, plan.cfg, run.result, {
    engine: 'gpu',
    provenance: `measured here on ${adapter.label}`,
    adapter,
    isSoftware: adapter.isSoftware,
    scale: plan.scale,
    planNote: plan.note,
    stages: run.stages,
    totalMs: run.total.medianMs,
    timingNote: run.timingNote,
    roofline,
    verification,
    compiledPipelines: engine.compileCount - compiledBefore,
  });
}
