/**
 * The MoE layer on WebGPU: one engine per device, DOM-free (browser, Node tests, CLI).
 *
 * router GEMM → gate/top-k → count → offsets → scatter → expert FFN (→ shared experts) → combine, each stage one
 * compute pass, the whole layer one submission with no host round trip (the FFN's data-dependent grid is an
 * indirect dispatch written by the offsets kernel). Pipelines are cached by shader + constants; buffers are
 * reused while big enough; a lost device is re-acquired on the next run through `reacquire`.
 */
import type { Scenario } from '../scenario';
import {
  capacityOf,
  type LayerConfig,
  type LayerResult,
  type LayerTensors,
  validateLayerTensors,
} from '../workload';
import { BufferPool } from './buffers';
import type { AdapterSummary } from './device';
import {
  COMBINE_VEC4_MAX_K,
  clearScatter,
  combine,
  countChunked,
  expertFfn,
  expertFfnGemv,
  FUSED_GATE_MAX_E,
  GEMV_GPU_SPLIT_K,
  gate,
  gemvFfnByDefault,
  infoLayout,
  offsets,
  packSortSteps,
  routerGate,
  routerGemm,
  scatter,
  scatterChunked,
  sharedFfn,
  sortSteps,
} from './kernels';
import type { KernelModule, KernelVariant, LayerGpu, PreparedKernel } from './layerGpu';
import { UNIFORM_SLOT } from './layerGpu';
import { type MicrobenchOptions, type MicrobenchResult, runMicrobench } from './microbench';
import { LAYER_PARAMS_BYTES, packFfnParams, packLayerParams } from './params';
import { PipelineCache } from './pipelines';
import {
  type BufferName,
  checkLayerConfig,
  DEFAULT_MEMORY_BUDGET,
  type DeviceLimitsLike,
  GEMM_TILE,
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
}

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

/** Read lazily: importing the engine must not need WebGPU globals (browsers without WebGPU, Node before setup). */
const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

export function createMoeEngine(
  device: GPUDevice,
  summary: AdapterSummary,
  shaders: ShaderLibrary,
  options: MoeEngineOptions = {},
): MoeEngine {
  return new Engine(device, summary, shaders, options);
}

class Engine implements MoeEngine {
  device: GPUDevice;
  adapter: AdapterSummary;
  private pipelines: PipelineCache;
  private pool: BufferPool;
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

  destroy(): void {
    this.pool.destroy();
    this.device.destroy();
  }

  async run(cfg: LayerConfig, tensors: LayerTensors, opts: RunOptions): Promise<EngineRun> {
    if (this.busy) throw new Error('the GPU engine is already running a layer; wait for it to finish');
    this.busy = true;
    try {
      return await this.runLocked(cfg, tensors, opts);
    } finally {
      this.busy = false;
    }
  }

  private async runLocked(cfg: LayerConfig, tensors: LayerTensors, opts: RunOptions): Promise<EngineRun> {
    checkLayerConfig(cfg);
    validateLayerTensors(cfg, tensors);
    opts.signal?.throwIfAborted();
    await this.ensureDevice();
    const plan = this.plan(cfg);
    if (!plan.fits) throw new Error(`this layer does not fit the GPU: ${plan.reason}`);
    const device = this.device;
    const compiledAtStart = this.pipelines.compiled;
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');

    const layer = this.allocate(cfg, plan, tensors, this.variantFor(cfg));
    const ec = cfg.routingMode === 'expert-choice';
    const supplied = tensors.logits !== undefined;
    const plannedStages: {
      name: StageName;
      module: KernelModule;
      before?: (enc: GPUCommandEncoder) => void;
    }[] = [];
    const fused = !supplied && layer.variant.fusedGate;
    if (!supplied && !fused) plannedStages.push({ name: 'router', module: routerGemm });
    plannedStages.push({ name: 'gate', module: fused ? routerGate : gate });
    if (!ec) plannedStages.push({ name: 'count', module: countChunked });
    plannedStages.push({ name: 'offsets', module: offsets });
    // Position policy: ranks are token order, so a chunked running count replaces the sort.
    const chunked = !ec && cfg.dropPolicy === 'position';
    plannedStages.push({
      name: 'scatter',
      module: chunked ? scatterChunked : scatter,
      before: (enc) => clearScatter(enc, layer),
    });
    plannedStages.push({ name: 'ffn', module: layer.variant.ffnGemv ? expertFfnGemv : expertFfn });
    if (cfg.sharedExperts > 0 && cfg.sharedFfnSize > 0)
      plannedStages.push({ name: 'shared', module: sharedFfn });
    plannedStages.push({ name: 'combine', module: combine });

    await this.pipelines.prepare(plannedStages.flatMap((s) => s.module.programs(cfg, layer.variant)));
    const ctx = { device, pipelines: this.pipelines };
    const stages: Stage[] = plannedStages.map((s) => ({
      name: s.name,
      before: s.before,
      kernel: s.module.prepare(ctx, layer),
    }));

    const encodeStages = (
      enc: GPUCommandEncoder,
      list: Stage[],
      ts?: (i: number) => GPUComputePassTimestampWrites,
    ) => {
      list.forEach((s, i) => {
        s.before?.(enc);
        const pass = enc.beginComputePass(ts ? { label: s.name, timestampWrites: ts(i) } : { label: s.name });
        s.kernel.encode(pass);
        pass.end();
      });
    };

    for (let w = 0; w < Math.max(0, opts.warmup); w++) {
      opts.signal?.throwIfAborted();
      const enc = device.createCommandEncoder();
      encodeStages(enc, stages);
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    }

    const trials = Math.max(1, Math.floor(opts.trials));
    const useTs = hasTimestamps(device);
    const rec = useTs ? new TimestampRecorder(device, stages.length, trials) : null;
    const totals: number[] = [];
    const wallPerStage: number[][] = stages.map(() => []);
    try {
      for (let t = 0; t < trials; t++) {
        opts.signal?.throwIfAborted();
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
      const perStage = rec ? await rec.read() : wallPerStage;
      const result = await this.readBack(layer);
      const oom = await device.popErrorScope();
      const invalid = await device.popErrorScope();
      if (invalid || oom)
        throw new Error(`WebGPU error while running the layer: ${(invalid ?? oom)?.message}`);
      if (this.lostMessage) throw new Error(`the GPU device was lost during the run (${this.lostMessage})`);

      const source = rec ? 'timestamp' : 'wall';
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
      return {
        result,
        timing,
        stages: reports,
        total: summarize(totals, 'wall'),
        timingNote: rec ? TIMESTAMP_NOTE : WALL_NOTE,
        adapter: this.adapter,
        plan,
        compiledPipelines: this.pipelines.compiled - compiledAtStart,
      };
    } finally {
      rec?.destroy();
    }
  }

  /** The kernel paths a layer runs here (part of the pipeline cache key through the programs they select). */
  private variantFor(cfg: LayerConfig): KernelVariant {
    const k = this.options.kernels ?? {};
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
      gemvSplitK: k.gemvSplitK ?? (this.adapter.isSoftware ? 1 : GEMV_GPU_SPLIT_K),
    };
  }

  private allocate(cfg: LayerConfig, plan: MemoryPlan, t: LayerTensors, variant: KernelVariant): LayerGpu {
    const device = this.device;
    const pool = this.pool;
    const buffers = {} as Record<BufferName, GPUBuffer>;
    for (const [name, bytes] of Object.entries(plan.buffers) as [BufferName, number][]) {
      buffers[name] = pool.get(name, bytes, storageUsage());
    }
    const steps = sortSteps(plan.sortSize);
    const layer: LayerGpu = {
      cfg,
      variant,
      memory: plan,
      params: pool.get('params', LAYER_PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      buffers,
      args: pool.get('args', 32, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_SRC),
      ffnParams: pool.get(
        'ffnParams',
        UNIFORM_SLOT * (1 + cfg.sharedExperts),
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      ),
      sortSteps: steps,
      sortParams: pool.get(
        'sortParams',
        UNIFORM_SLOT * steps.length,
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      ),
    };
    const q = device.queue;
    q.writeBuffer(
      layer.params,
      0,
      packLayerParams(cfg, {
        sortSize: plan.sortSize,
        sortValid: plan.sortValid,
        chunkSize: plan.chunkSize,
        chunks: plan.chunks,
        rowsMax: plan.rowsMax,
        ffnTileRows: GEMM_TILE.TM,
        ffnTileCols: GEMM_TILE.TN,
      }),
    );
    const ffnSlots = new Uint32Array(((1 + cfg.sharedExperts) * UNIFORM_SLOT) / 4);
    ffnSlots.set(packFfnParams({ dense: false, expert: 0, rows: 0, ffn: cfg.ffnSize, accumulate: false }), 0);
    for (let s = 0; s < cfg.sharedExperts; s++) {
      ffnSlots.set(
        packFfnParams({
          dense: true,
          expert: s,
          rows: cfg.tokens,
          ffn: cfg.sharedFfnSize,
          accumulate: s > 0,
        }),
        ((1 + s) * UNIFORM_SLOT) / 4,
      );
    }
    q.writeBuffer(layer.ffnParams, 0, ffnSlots);
    q.writeBuffer(layer.sortParams, 0, packSortSteps(steps));
    const upload = (name: BufferName, data: Float32Array | undefined) => {
      if (data && data.length > 0)
        q.writeBuffer(buffers[name], 0, data.buffer, data.byteOffset, data.byteLength);
    };
    upload('x', t.x);
    upload('router', t.router);
    upload('bias', cfg.useBias ? t.bias : new Float32Array(cfg.experts));
    upload('logits', t.logits);
    upload('w1', t.w1);
    upload('w3', t.w3);
    upload('w2', t.w2);
    if (cfg.sharedExperts > 0) {
      upload('sharedW1', t.sharedW1);
      upload('sharedW3', t.sharedW3);
      upload('sharedW2', t.sharedW2);
    }
    return layer;
  }

  private async readBack(l: LayerGpu): Promise<LayerResult> {
    const { cfg } = l;
    const T = cfg.tokens;
    const E = cfg.experts;
    const ec = cfg.routingMode === 'expert-choice';
    const k = ec ? 0 : cfg.topK;
    const C = capacityOf(cfg);
    const parts: { name: BufferName; bytes: number }[] = [
      { name: 'logits', bytes: T * E * 4 },
      { name: 'ids', bytes: T * k * 4 },
      { name: 'weights', bytes: T * k * 4 },
      { name: 'counts', bytes: E * 4 },
      { name: 'info', bytes: (4 * E + 2) * 4 },
      { name: 'positions', bytes: T * k * 4 },
      { name: 'ecTokens', bytes: ec ? E * C * 4 : 0 },
      { name: 'out', bytes: T * cfg.dModel * 4 },
    ];
    let total = 0;
    const at: number[] = [];
    for (const p of parts) {
      at.push(total);
      total += Math.ceil(p.bytes / 256) * 256;
    }
    const staging = this.device.createBuffer({
      size: Math.max(256, total),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const enc = this.device.createCommandEncoder();
      parts.forEach((p, i) => {
        if (p.bytes > 0) enc.copyBufferToBuffer(l.buffers[p.name], 0, staging, at[i], p.bytes);
      });
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const all = staging.getMappedRange().slice(0);
      staging.unmap();
      const slice = (i: number) => all.slice(at[i], at[i] + parts[i].bytes);
      const info = new Int32Array(slice(4));
      const lay = infoLayout(E);
      return {
        logits: new Float32Array(slice(0)),
        topkIds: new Int32Array(slice(1)),
        topkWeights: new Float32Array(slice(2)),
        counts: new Int32Array(slice(3)),
        kept: info.slice(lay.kept, lay.kept + E),
        offsets: info.slice(lay.offsets, lay.offsets + E + 1),
        positions: new Int32Array(slice(5)),
        ecTokens: new Int32Array(slice(6)),
        capacity: C,
        y: new Float32Array(slice(7)),
      };
    } finally {
      staging.destroy();
    }
  }
}
