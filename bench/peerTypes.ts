/** Shapes shared by the peer benchmark's Node driver (bench/peers.ts) and its page (bench/page/main.ts). */

export interface PeerSize {
  name: string;
  tokens: number;
  dModel: number;
  ffnSize: number;
  experts: number;
  topK: number;
  /** Run the tfjs composition and the CPU reference at this size (false: moe-lab alone, e.g. T ≥ 16K). */
  peers: boolean;
}

export interface PeerSpec {
  sizes: PeerSize[];
  trials: number;
  warmup: number;
  /** An engine whose warm-up layer takes longer than this (seconds) is not timed at that size. */
  slowLimitS: number;
  /** Size of the skewed-vs-balanced expert FFN experiment (supplied logits force the routing). */
  skew: PeerSize;
}

/** Median and min of a set of trials, ms. */
export interface Timing {
  medianMs: number;
  minMs: number;
  samples: number;
}

/** The engines a size is timed on, in the order every round runs them. */
export type EngineId =
  | 'moe-lab'
  | 'tfjs-loop'
  | 'tfjs-dense'
  | 'tfjs-gathered'
  | 'ort-webgpu'
  | 'cpu-reference';

/** One engine's whole-layer time at one size, on the common clock (PeerReport.clock). */
export interface EngineResult {
  engine: EngineId;
  label: string;
  /** 'webgpu' engines compete for "strongest WebGPU peer"; the CPU reference is reported on its own. */
  kind: 'webgpu' | 'cpu';
  /** How this engine's start and stop are taken (the same points as every other engine's, by construction). */
  clock: string;
  /** What the timed region contains beyond the layer's kernels (transfers the composition itself makes). */
  includes: string;
  /** What is outside the timed region. */
  excludes: string;
  /** Median and min of the timed trials (NaN when skipped). */
  total: Timing;
  /** Every timed trial in the order it ran (round 1, 2, ...). */
  samplesMs: number[];
  /** max |y − y_ref| / max |y_ref| against the CPU reference (null for the reference itself). */
  yErr: number | null;
  /** The peer's untimed agreement run (y read back, first-call compilation included), ms. */
  agreementRunMs?: number;
  /** Why the engine has no timed trials at this size (too slow, disagrees, failed to run), if so. */
  skipped?: string;
}

/** One step of the interleaved schedule: round r of phase p ran engine e. */
export interface ScheduleStep {
  phase: 'warm-up' | 'trial';
  round: number;
  engine: EngineId;
}

export interface MoeStageRow {
  name: string;
  label: string;
  medianMs: number;
  minMs: number;
  flops: number;
  bytes: number;
  /** Achieved rate: GFLOP/s for GEMM stages, GB/s otherwise. */
  rate: number;
  rateUnit: 'GFLOP/s' | 'GB/s';
  /** Fraction of the micro-benchmark roof for that unit (matmul rate or copy bandwidth). */
  ofRoof: number;
}

export interface DeviceRoofPoint {
  copyGBps: number;
  matmulGflops: number;
}

export interface SizeResult {
  size: PeerSize;
  shape: string;
  agreement: {
    /** moe-lab and the tfjs per-expert loop (the engines that expose ids and counts) against the reference. */
    idsEqual: boolean;
    countsEqual: boolean;
    idMismatches: { moe: number; tfjs: number | null };
  };
  /** Whole-layer times, one entry per engine, all from the same interleaved rounds. */
  engines: EngineResult[];
  /** The interleaved schedule as it ran (warm-up rounds, then trial rounds, engines in the same order each round). */
  order: ScheduleStep[];
  /** The fastest WebGPU engine other than moe-lab that agreed with the reference (null: none ran). */
  strongestWebgpuPeer: EngineId | null;
  /** moe-lab's own per-stage GPU timestamps (separate trials, moe-lab only: no peer is timed per stage). */
  moeStages: { rows: MoeStageRow[]; compiledPipelines: number; recompiledOnRerun: number; note: string };
  /**
   * The roofline the rows are measured against: the micro-benchmark run just before and just after this size's
   * per-stage trials (a shared machine's load drifts); the fractions use their mean (meanRoof).
   */
  roof?: { before: DeviceRoofPoint; after: DeviceRoofPoint };
}

export interface SkewResult {
  shape: string;
  maxOverMean: number;
  balancedFfnMs: number;
  skewedFfnMs: number;
  /** 6·T·k·d·f / time. */
  skewedGflops: number;
  balancedGflops: number;
  /**
   * tfjs dense matMuls ([T·k, d]×[d, f] twice, [T·k, f]×[f, d]) on the same FLOPs. A different clock from the
   * FFN times above (wall time from the first op to a queue drain, vs GPU timestamps of moe-lab's FFN pass).
   */
  tfjsDenseMs: number;
  tfjsDenseGflops: number;
}

export interface PeerReport {
  when: string;
  userAgent: string;
  adapter: { label: string; isSoftware: boolean; architecture: string; features: string[] };
  tfjsVersion: string;
  ortVersion: string;
  /**
   * The machine as the Node driver saw it (os.cpus, os.loadavg before and after the run): SwiftShader's threads and
   * the CPU reference share these cores with whatever else runs there.
   */
  machine?: { cpus: number; cpuModel: string; loadBefore: number[]; loadAfter: number[] };
  /** The code that ran: HEAD and the engine's files (src/gpu, shaders, bench) that differed from it. */
  source?: { commit: string; uncommitted: string[] };
  /** The one clock every engine's whole-layer time uses: start, stop, inclusions. */
  clock: { start: string; stop: string; included: string; excluded: string; schedule: string };
  microbench: { copyGBps: number; matmulGflops: number; matmulSize: number; source: string };
  trials: number;
  warmup: number;
  sizes: SizeResult[];
  skew: SkewResult;
}

/** The roof a size's fractions use: the mean of the micro-benchmarks before and after its trials. */
export function meanRoof(r: { before: DeviceRoofPoint; after: DeviceRoofPoint }): DeviceRoofPoint {
  return {
    copyGBps: (r.before.copyGBps + r.after.copyGBps) / 2,
    matmulGflops: (r.before.matmulGflops + r.after.matmulGflops) / 2,
  };
}
