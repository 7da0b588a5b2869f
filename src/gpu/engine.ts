/**
 * The MoE layer on WebGPU: one engine per device, DOM-free (browser, Node tests, CLI).
 *
 * router GEMM → gate/top-k → count → offsets → scatter → expert FFN (→ shared experts) → combine, each stage one
 * compute pass, the whole layer one submission with no host round trip (the FFN's data-dependent grid is an
 * indirect dispatch written by the offsets kernel). Pipelines are cached by shader + constants; buffers are
 * reused while big enough; weights stay on the device while the same arrays come back (layerSetup.ts); the
 * stages with their bind groups, the timestamp query set and the staging buffer are kept from one call to the
 * next while the layer's shape is unchanged, so a stream's steps upload x and re-create nothing. A lost device is
 * re-acquired on the next run through `reacquire`.
 */
import type { Scenario } from '../scenario';
import { type LayerConfig, type LayerResult, type LayerTensors, validateLayerTensors } from '../workload';
import { BufferPool } from './buffers';
import type { AdapterSummary } from './device';
import {
  COMBINE_VEC4_MAX_K,
  FUSED_GATE_MAX_E,
  GEMV_GPU_SPLIT_K,
  GEMV_GPU_WG,
  GEMV_SOFTWARE_WG,
  gemvFfnByDefault,
} from './kernels';
import type { KernelVariant, LayerGpu, PreparedKernel } from './layerGpu';
import {
  allocateLayer,
  type PlannedStage,
  planStages,
  readLayerResult,
  readOutput,
  type UploadBytes,
  uploadTensors,
  WeightResidency,
} from './layerSetup';
import { type MicrobenchOptions, type MicrobenchResult, runMicrobench } from './microbench';
import { PipelineCache } from './pipelines';
import {
  checkLayerConfig,
  DEFAULT_MEMORY_BUDGET,
  type DeviceLimitsLike,
  type MemoryPlan,
  planMemory,
  planScenario,
  type ScenarioPlan,
} from './planner';
import {
  hasTimestamps,
  now,
  type StageTiming,
  summarize,
  TIMESTAMP_NOTE,
  TimestampRecorder,
  WALL_NOTE,
} from './profiler';
import type { ShaderLibrary } from './shaders';
import { type DeviceRoofline, efficiency, STAGE_LABELS, type StageName, stageWork } from './work';

export interface MoeEngineOptions {
  /** Called on the next run after the device was lost; returns a fresh device (e.g. acquireDevice again). */
  reacquire?: () => Promise<{ device: GPUDevice; summary: AdapterSummary }>;
  /** Total bytes the engine may allocate for one layer (default 1 GiB). */
  memoryBudget?: number;
  /** Kernel paths (default: the fastest this device and layer allow); tests switch them off to cover the plain path. */
  kernels?: KernelOptions;
}

export interface KernelOptions {
  /** vec4 register-blocked GEMMs when the GEMM sizes are multiples of 4 (else the tiled scalar GEMMs). */
  vec4?: boolean;
  /** Subgroup operations when the adapter has the 'subgroups' feature. */
  subgroups?: boolean;
  /**
   * Router GEMM fused with the gate when E fits the fused kernel's workgroup (E ≤ 64). Default: on for hardware
   * adapters; off on software adapters, where it measured slower than the two passes (docs/BENCHMARKS.md).
   */
  fusedGate?: boolean;
  /**
   * Routed experts on the GEMV-shaped decode kernels (shaders/ffnUpGemv.wgsl, ffnDownGemv.wgsl). Default: when an
   * expert's expected rows are at most GEMV_MAX_ROWS (src/gpu/kernels/ffnGemv.ts says why).
   */
  gemvFfn?: boolean;
  /** Split-K shares of the GEMV down projection (default 1 on software adapters, 4 on GPUs). */
  gemvSplitK?: number;
}

export interface RunOptions {
  /** Timed trials (median and min are reported). */
  trials: number;
  /** Untimed runs first (compilation, caches, clocks). */
  warmup: number;
  signal?: AbortSignal;
  /** Device roofline (from `microbench()`); when given, each stage reports its efficiency. */
  roofline?: DeviceRoofline;
  /**
   * Run only the routing stages (router, gate, count, offsets, scatter): the load a stream measures does not
   * depend on the expert FFN or the combine. y comes back as zeros.
   */
  routingOnly?: boolean;
}

/** Stages a routing-only run leaves out. */
const AFTER_ROUTING: ReadonlySet<StageName> = new Set<StageName>(['ffn', 'shared', 'combine']);

export interface StageReport extends StageTiming {
  name: StageName;
  label: string;
  flops: number;
  bytes: number;
  /** Roofline time / measured median (0..1), when a roofline was given. */
  efficiency?: number;
}

export interface EngineRun {
  result: LayerResult;
  /** Per-stage GPU time (stages that ran). */
  timing: Partial<Record<StageName, StageTiming>>;
  /** The same, in pipeline order, with analytic work and efficiency. */
  stages: StageReport[];
  /** Whole layer, wall time from submit to onSubmittedWorkDone. */
  total: StageTiming;
  timingNote: string;
  adapter: AdapterSummary;
  plan: MemoryPlan;
  /** Pipelines compiled by this run (0 when every shader was cached). */
  compiledPipelines: number;
  /** Bytes this run wrote to the device: weights (0 when they were resident) and inputs (x, logits, bias). */
  uploads: UploadBytes;
}

export interface ForwardOptions {
  signal?: AbortSignal;
  /** 'y' (default): read the layer output back; 'none': wait for the GPU work and read nothing. */
  readback?: 'y' | 'none';
}

export interface ForwardResult {
  /** The layer output [T, d] (null with readback 'none'). */
  y: Float32Array | null;
  uploads: UploadBytes;
}

export interface MoeEngine {
  readonly adapter: AdapterSummary;
  readonly device: GPUDevice;
  /** Pipelines compiled since the engine was created (across device re-acquisitions). */
  readonly compileCount: number;
  readonly limits: DeviceLimitsLike;
  /** Buffer sizes for a layer on this device (nothing allocated). */
  plan(cfg: LayerConfig): MemoryPlan;
  /** The layer config a scenario runs as here: its measurement scale, or the largest that fits (auto). */
  planScenario(s: Scenario): ScenarioPlan;
  run(cfg: LayerConfig, tensors: LayerTensors, opts: RunOptions): Promise<EngineRun>;
  /**
   * One forward pass as a serving step runs it, with nothing timed inside: upload x (and logits, bias; weights
   * only when they are not resident), one submission of every stage, read back y. A caller's clock around the
   * awaited call measures one layer with weights already on the device, the way a peer's forward call is timed.
   * The first call for a shape compiles and uploads (call `prepare` first to keep that out of a timed region).
   */
  forward(cfg: LayerConfig, tensors: LayerTensors, opts?: ForwardOptions): Promise<ForwardResult>;
  /** Compile, allocate, upload the weights and build the bind groups for a layer, without running it. */
  prepare(cfg: LayerConfig, tensors: LayerTensors): Promise<UploadBytes>;
  /** Upload the weights again on the next call (after editing a weight array in place). */
  invalidateWeights(): void;
  /** Copy bandwidth and matmul rate of this device (measured once, then cached). */
  microbench(opts?: MicrobenchOptions): Promise<MicrobenchResult>;
  destroy(): void;
}

interface Stage {
  name: StageName;
  /** Encoded before the pass (clears): outside the timed region of timestamps. */
  before?: (enc: GPUCommandEncoder) => void;
  kernel: PreparedKernel;
}

/** A layer set up on the device: kept while the next call has the same key (config, kernel paths, logits given). */
interface PreparedLayer {
  key: string;
  layer: LayerGpu;
  stages: Stage[];
  supplied: boolean;
  fused: boolean;
}

export function createMoeEngine(
  device: GPUDevice,
  summary: AdapterSummary,
  shaders: ShaderLibrary,
  options: MoeEngineOptions = {},
): MoeEngine {
  return new Engine(device, summary, shaders, options);
}

/**
 * Error scopes pushed for one call: `close` pops them and throws the first error; `discard` (in a finally) pops
 * whatever a throw left open, so a failed or aborted call never leaves a scope that would swallow later errors.
 */
class ErrorScopes {
  constructor(
    private readonly device: GPUDevice,
    private open: number,
  ) {}

  async close(): Promise<void> {
    let first: GPUError | null = null;
    while (this.open > 0) {
      this.open--;
      first = (await this.device.popErrorScope()) ?? first;
    }
    if (first) throw new Error(`WebGPU error while running the layer: ${first.message}`);
  }

  async discard(): Promise<void> {
    while (this.open > 0) {
      this.open--;
      await this.device.popErrorScope().catch(() => null);
    }
  }
}

function encodeStages(
  enc: GPUCommandEncoder,
  list: readonly Stage[],
  ts?: (i: number) => GPUComputePassTimestampWrites,
): void {
  list.forEach((s, i) => {
    s.before?.(enc);
    const pass = enc.beginComputePass(ts ? { label: s.name, timestampWrites: ts(i) } : { label: s.name });
    s.kernel.encode(pass);
    pass.end();
  });
}

class Engine implements MoeEngine {
  device: GPUDevice;
  adapter: AdapterSummary;
  private pipelines: PipelineCache;
  private pool: BufferPool;
  private residency = new WeightResidency();
  private prepared: PreparedLayer | null = null;
  private recorder: TimestampRecorder | null = null;
  private zeroBias = new Float32Array(0);
  private compiledBefore = 0;
  private lostMessage: string | null = null;
  private bench: MicrobenchResult | null = null;
  private busy = false;

  constructor(
    device: GPUDevice,
    summary: AdapterSummary,
    private readonly shaders: ShaderLibrary,
    private readonly options: MoeEngineOptions,
  ) {
    this.device = device;
    this.adapter = summary;
    this.pipelines = new PipelineCache(device, shaders);
    this.pool = new BufferPool(device);
    this.watch(device);
  }

  get compileCount(): number {
    return this.compiledBefore + this.pipelines.compiled;
  }

  get limits(): DeviceLimitsLike {
    return this.device.limits;
  }

  private watch(device: GPUDevice): void {
    device.lost.then((info) => {
      if (this.device === device)
        this.lostMessage = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
  }

  private async ensureDevice(): Promise<void> {
    if (this.lostMessage === null) return;
    if (!this.options.reacquire) {
      throw new Error(
        `the GPU device was lost (${this.lostMessage}) and the engine has no way to re-acquire one`,
      );
    }
    const next = await this.options.reacquire();
    this.compiledBefore += this.pipelines.compiled;
    this.device = next.device;
    this.adapter = next.summary;
    this.pipelines = new PipelineCache(next.device, this.shaders);
    this.pool = new BufferPool(next.device);
    this.residency = new WeightResidency();
    this.prepared = null;
    this.recorder = null;
    this.bench = null;
    this.lostMessage = null;
    this.watch(next.device);
  }

  plan(cfg: LayerConfig): MemoryPlan {
    return planMemory(cfg, this.limits, this.options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  }

  planScenario(s: Scenario): ScenarioPlan {
    return planScenario(s, this.limits, this.options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  }

  async microbench(opts?: MicrobenchOptions): Promise<MicrobenchResult> {
    await this.ensureDevice();
    if (!this.bench || opts?.fresh) this.bench = await runMicrobench(this.device, this.pipelines, opts);
    return this.bench;
  }

  invalidateWeights(): void {
    this.residency.forget();
  }

  destroy(): void {
    this.recorder?.destroy();
    this.pool.destroy();
    this.device.destroy();
  }

  /** One call at a time: the buffers, bind groups and staging buffer are shared by every call. */
  private async exclusive<R>(work: () => Promise<R>): Promise<R> {
    if (this.busy) throw new Error('the GPU engine is already running a layer; wait for it to finish');
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  run(cfg: LayerConfig, tensors: LayerTensors, opts: RunOptions): Promise<EngineRun> {
    return this.exclusive(() => this.runLocked(cfg, tensors, opts));
  }

  prepare(cfg: LayerConfig, tensors: LayerTensors): Promise<UploadBytes> {
    return this.exclusive(async () => {
      await this.ensureDevice();
      const { uploads } = await this.setUp(cfg, tensors);
      return uploads;
    });
  }

  forward(cfg: LayerConfig, tensors: LayerTensors, opts: ForwardOptions = {}): Promise<ForwardResult> {
    return this.exclusive(async () => {
      opts.signal?.throwIfAborted();
      await this.ensureDevice();
      const device = this.device;
      device.pushErrorScope('validation');
      const scopes = new ErrorScopes(device, 1);
      try {
        const { prepared, uploads } = await this.setUp(cfg, tensors);
        const enc = device.createCommandEncoder();
        encodeStages(enc, prepared.stages);
        device.queue.submit([enc.finish()]);
        let y: Float32Array | null = null;
        if ((opts.readback ?? 'y') === 'y') y = await readOutput(device, this.pool, prepared.layer);
        else await device.queue.onSubmittedWorkDone();
        await scopes.close();
        if (this.lostMessage) throw new Error(`the GPU device was lost during the run (${this.lostMessage})`);
        return { y, uploads };
      } finally {
        await scopes.discard();
      }
    });
  }

  /**
   * Check, allocate, upload and build the stages of a layer; reuses the previous call's buffers, uniforms, stages
   * and bind groups when the shape and the kernel paths are unchanged.
   */
  private async setUp(
    cfg: LayerConfig,
    tensors: LayerTensors,
  ): Promise<{ prepared: PreparedLayer; uploads: UploadBytes; plan: MemoryPlan }> {
    checkLayerConfig(cfg);
    validateLayerTensors(cfg, tensors);
    const plan = this.plan(cfg);
    if (!plan.fits) throw new Error(`this layer does not fit the GPU: ${plan.reason}`);
    const device = this.device;
    const supplied = tensors.logits !== undefined;
    const variant = this.variantFor(cfg);
    // Same shape and paths: the same plan, so the same pool buffers (only another shape's allocation replaces
    // them, and that replaces `prepared` too), the same uniforms and the same bind groups.
    const key = JSON.stringify([cfg, variant, supplied]);
    let prepared = this.prepared;
    if (!prepared || prepared.key !== key) {
      const layer = allocateLayer(device, this.pool, cfg, plan, variant);
      const planned: PlannedStage[] = planStages(layer, supplied);
      await this.pipelines.prepare(planned.flatMap((s) => s.module.programs(cfg, variant)));
      const ctx = { device, pipelines: this.pipelines };
      prepared = {
        key,
        layer,
        stages: planned.map((s) => ({
          name: s.name,
          before: s.before,
          kernel: s.module.prepare(ctx, layer),
        })),
        supplied,
        fused: !supplied && variant.fusedGate,
      };
      this.prepared = prepared;
    }
    if (this.zeroBias.length !== cfg.experts) this.zeroBias = new Float32Array(cfg.experts);
    const uploads = uploadTensors(device.queue, prepared.layer, tensors, this.residency, this.zeroBias);
    return { prepared, uploads, plan };
  }

  /** A timestamp recorder with room for `passes` × `trials`, kept (and grown only) across calls. */
  private recorderFor(passes: number, trials: number): TimestampRecorder {
    if (this.recorder?.fits(passes, trials)) return this.recorder;
    const grown = new TimestampRecorder(this.device, Math.max(passes, 8), Math.max(trials, 8));
    this.recorder?.destroy();
    this.recorder = grown;
    return grown;
  }

  private async runLocked(cfg: LayerConfig, tensors: LayerTensors, opts: RunOptions): Promise<EngineRun> {
    opts.signal?.throwIfAborted();
    await this.ensureDevice();
    const device = this.device;
    const compiledAtStart = this.pipelines.compiled;
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    const scopes = new ErrorScopes(device, 2);
    try {
      const { prepared, uploads, plan } = await this.setUp(cfg, tensors);
      const { supplied, fused } = prepared;
      const stages = opts.routingOnly
        ? prepared.stages.filter((st) => !AFTER_ROUTING.has(st.name))
        : prepared.stages;
      for (let w = 0; w < Math.max(0, opts.warmup); w++) {
        opts.signal?.throwIfAborted();
        const enc = device.createCommandEncoder();
        encodeStages(enc, stages);
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
      }
      const trials = Math.max(1, Math.floor(opts.trials));
      const rec = hasTimestamps(device) ? this.recorderFor(stages.length, trials) : null;
      const { totals, perStage } = await this.timeTrials(stages, trials, rec, opts.signal);
      const result = await readLayerResult(device, this.pool, prepared.layer);
      // The output buffer still holds an earlier run's y: a routing-only run has none.
      if (opts.routingOnly) result.y.fill(0);
      await scopes.close();
      if (this.lostMessage) throw new Error(`the GPU device was lost during the run (${this.lostMessage})`);
      return {
        result,
        ...this.report(cfg, result, stages, perStage, rec ? 'timestamp' : 'wall', supplied, fused, opts),
        total: summarize(totals, 'wall'),
        timingNote: rec ? TIMESTAMP_NOTE : WALL_NOTE,
        adapter: this.adapter,
        plan,
        compiledPipelines: this.pipelines.compiled - compiledAtStart,
        uploads,
      };
    } finally {
      await scopes.discard();
    }
  }

  /** Timed trials: one submission each with timestamps per pass, else each stage submitted and awaited alone. */
  private async timeTrials(
    stages: readonly Stage[],
    trials: number,
    rec: TimestampRecorder | null,
    signal: AbortSignal | undefined,
  ): Promise<{ totals: number[]; perStage: number[][] }> {
    const device = this.device;
    const totals: number[] = [];
    const wallPerStage: number[][] = stages.map(() => []);
    for (let t = 0; t < trials; t++) {
      signal?.throwIfAborted();
      if (rec) {
        const enc = device.createCommandEncoder();
        encodeStages(enc, stages, (i) => rec.writes(t, i));
        const t0 = now();
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
        totals.push(now() - t0);
      } else {
        let sum = 0;
        for (let i = 0; i < stages.length; i++) {
          const enc = device.createCommandEncoder();
          encodeStages(enc, [stages[i]]);
          const t0 = now();
          device.queue.submit([enc.finish()]);
          await device.queue.onSubmittedWorkDone();
          const dt = now() - t0;
          wallPerStage[i].push(dt);
          sum += dt;
        }
        totals.push(sum);
      }
    }
    return { totals, perStage: rec ? await rec.read(stages.length, trials) : wallPerStage };
  }

  /** Per-stage timing with the analytic work and, given a roofline, the efficiency. */
  private report(
    cfg: LayerConfig,
    result: LayerResult,
    stages: readonly Stage[],
    perStage: number[][],
    source: 'timestamp' | 'wall',
    supplied: boolean,
    fused: boolean,
    opts: RunOptions,
  ): { timing: Partial<Record<StageName, StageTiming>>; stages: StageReport[] } {
    const work = stageWork(cfg, result, supplied);
    if (fused && work.router && work.gate) {
      // The fused pass does the router GEMM's work too.
      work.gate = {
        flops: work.router.flops + work.gate.flops,
        bytes: work.router.bytes + work.gate.bytes - 4 * cfg.tokens * cfg.experts,
      };
      delete work.router;
    }
    const timing: Partial<Record<StageName, StageTiming>> = {};
    const reports: StageReport[] = stages.map((s, i) => {
      const st = summarize(perStage[i], source);
      timing[s.name] = st;
      const w = work[s.name] ?? { flops: 0, bytes: 0 };
      const report: StageReport = {
        ...st,
        name: s.name,
        label: fused && s.name === 'gate' ? 'router GEMM + gate (fused)' : STAGE_LABELS[s.name],
        flops: w.flops,
        bytes: w.bytes,
      };
      if (opts.roofline) report.efficiency = efficiency(w, st.medianMs, opts.roofline);
      return report;
    });
    return { timing, stages: reports };
  }

  /** The kernel paths a layer runs here (part of the pipeline cache key through the programs they select). */
  private variantFor(cfg: LayerConfig): KernelVariant {
    const k = this.options.kernels ?? {};
    const gemvWorkgroup = this.adapter.isSoftware ? GEMV_SOFTWARE_WG : GEMV_GPU_WG;
    const gemvSplitK = k.gemvSplitK ?? (this.adapter.isSoftware ? 1 : GEMV_GPU_SPLIT_K);
    if (!Number.isInteger(gemvSplitK) || gemvSplitK < 1 || gemvWorkgroup % gemvSplitK !== 0)
      throw new Error(`GEMV split-K ${gemvSplitK} must divide the workgroup of ${gemvWorkgroup}`);
    const vec4 = k.vec4 ?? true;
    const d4 = cfg.dModel % 4 === 0;
    return {
      routerVec4: vec4 && d4 && cfg.experts % 4 === 0,
      ffnVec4: vec4 && d4 && cfg.ffnSize % 4 === 0,
      sharedVec4: vec4 && d4 && cfg.sharedFfnSize % 4 === 0,
      combineVec4: vec4 && d4 && cfg.routingMode === 'token-choice' && cfg.topK <= COMBINE_VEC4_MAX_K,
      subgroups: (k.subgroups ?? true) && this.device.features.has('subgroups' as GPUFeatureName),
      fusedGate:
        (k.fusedGate ?? !this.adapter.isSoftware) &&
        vec4 &&
        d4 &&
        cfg.experts % 4 === 0 &&
        cfg.experts <= FUSED_GATE_MAX_E,
      ffnGemv: (k.gemvFfn ?? gemvFfnByDefault(cfg)) && vec4 && d4 && cfg.ffnSize % 4 === 0,
      // Split-K lets a GPU's many cores share an expert's few columns; a software adapter's few cores are
      // already filled by the experts × column slices, and each split adds a barrier and a reduction there.
      gemvSplitK,
      gemvWorkgroup,
    };
  }
}
