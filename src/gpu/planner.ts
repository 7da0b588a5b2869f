/**
 * Memory planner: sizes every buffer of a layer before anything is allocated, checks them against the device's
 * limits (maxStorageBufferBindingSize, maxBufferSize) and a total budget, and — for a scenario — picks the
 * measurement scale: the fraction of the expert FFN size kept on this device (0 in the scenario = automatic:
 * shrink only as far as needed to fit).
 */
import type { Scenario } from '../scenario';
import { capacityOf, chooseScale, type LayerConfig } from '../workload';

/** FFN and router GEMM tiling: TM × TN outputs per workgroup (4 × 4 per invocation), TK-deep shared slices. */
export const GEMM_TILE = { TM: 32, TN: 32, TK: 32 } as const;
/**
 * vec4 GEMM tiles (shaders/gemmVec4.wgsl): a workgroup covers TM×TN outputs as (TN/4)×(TM/4) = 64 invocations
 * of 4×4 each — within every WebGPU device's limits (maxComputeInvocationsPerWorkgroup ≥ 256, no workgroup
 * memory). TM is also the FFN tile list's row granularity, but invocations past a segment's end return at once.
 */
export const VEC4_TILE = { TM: 32, TN: 32 } as const;
/** Elements sorted in one workgroup's shared memory (shaders/sortLocal.wgsl CHUNK). */
export const SORT_CHUNK = 512;
/** Largest E the engine runs (the limit the UI and CLI check against). */
export const MAX_EXPERTS = 1024;
/** Groups in the gate's 64-bit group mask. */
export const MAX_GROUPS = 64;

export interface DeviceLimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export type BufferName =
  | 'x'
  | 'router'
  | 'bias'
  | 'logits'
  | 'scores'
  | 'ids'
  | 'weights'
  | 'slotScores'
  | 'counts'
  | 'chunkHist'
  | 'info'
  | 'keys'
  | 'positions'
  | 'rowToken'
  | 'ecTokens'
  | 'ecRow'
  | 'hidden'
  | 'rows'
  | 'w1'
  | 'w3'
  | 'w2'
  | 'sharedW1'
  | 'sharedW3'
  | 'sharedW2'
  | 'sharedHidden'
  | 'sharedOut'
  | 'out';

export interface MemoryPlan {
  /** Bytes of each storage buffer (at least 16 so every binding is valid). */
  buffers: Record<BufferName, number>;
  totalBytes: number;
  largest: { name: BufferName; bytes: number };
  /** Worst-case dispatched rows (kept pairs plus block padding), what hidden/rows are sized for. */
  rowsMax: number;
  /** Sort length (power of two ≥ 512) and real elements in it. */
  sortSize: number;
  sortValid: number;
  /** Token-choice count/scatter chunks: pairs per chunk and how many (hist is chunks × E). */
  chunkSize: number;
  chunks: number;
  capacity: number;
  fits: boolean;
  /** Why it does not fit (one line), when it does not. */
  reason?: string;
}

export const DEFAULT_MEMORY_BUDGET = 1024 * 1024 * 1024;

const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Reject configs the kernels (and the CPU reference) cannot run; the messages match src/reference/gate.ts. */
export function checkLayerConfig(cfg: LayerConfig): void {
  const E = cfg.experts;
  const k = cfg.topK;
  if (!Number.isInteger(cfg.tokens) || cfg.tokens < 1)
    throw new Error(`tokens T = ${cfg.tokens} must be ≥ 1`);
  if (E < 1 || E > MAX_EXPERTS) throw new Error(`E = ${E} experts: the GPU engine runs 1..${MAX_EXPERTS}`);
  if (cfg.routingMode === 'token-choice' && (k < 1 || k > E)) {
    throw new Error(`top-k ${k} must be between 1 and E = ${E}`);
  }
  if (cfg.groups > 1) {
    if (cfg.groups > MAX_GROUPS)
      throw new Error(`${cfg.groups} groups: the GPU engine runs at most ${MAX_GROUPS}`);
    if (E % cfg.groups !== 0) throw new Error(`${cfg.groups} groups do not divide E = ${E}`);
    if (cfg.routingMode === 'token-choice' && Math.min(cfg.topGroups, cfg.groups) * (E / cfg.groups) < k) {
      throw new Error(
        `${cfg.topGroups} top groups of ${E / cfg.groups} experts hold fewer than k = ${k} experts`,
      );
    }
  }
  if (cfg.dModel < 1 || cfg.ffnSize < 1) throw new Error('d and f must be ≥ 1');
}

export function planMemory(
  cfg: LayerConfig,
  limits: DeviceLimitsLike,
  budget: number = DEFAULT_MEMORY_BUDGET,
): MemoryPlan {
  const T = cfg.tokens;
  const d = cfg.dModel;
  const E = cfg.experts;
  const f = cfg.ffnSize;
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? 0 : cfg.topK;
  const S = cfg.sharedExperts;
  const fs = S > 0 ? cfg.sharedFfnSize : 0;
  const B = Math.max(1, cfg.blockSize);
  const C = capacityOf(cfg);
  const pairs = ec ? E * C : C > 0 ? Math.min(T * k, E * C) : T * k;
  const rowsMax = Math.max(1, pairs + E * (B - 1));
  const sortValid = ec ? T * E : T * k;
  const sortSize = Math.max(SORT_CHUNK, nextPow2(sortValid));
  const f4 = (n: number) => Math.max(16, n * 4);
  const { chunkSize, chunks } = chunkPlan(T * k, E);
  const buffers: Record<BufferName, number> = {
    x: f4(T * d),
    router: f4(d * E),
    bias: f4(E),
    logits: f4(T * E),
    scores: f4(T * E),
    // Padded to whole vec4s: count and scatter read ids four at a time.
    ids: f4(Math.ceil((T * k) / 4) * 4),
    weights: f4(T * k),
    slotScores: f4(T * k),
    counts: f4(E),
    chunkHist: f4(chunks * E),
    info: f4(4 * E + 2),
    keys: Math.max(16, sortSize * 16),
    positions: f4(Math.ceil((T * k) / 4) * 4),
    // One spare row past rowsMax: the chunked scatter parks dropped pairs there instead of branching.
    rowToken: f4(rowsMax + 1),
    ecTokens: f4(ec ? E * C : 0),
    ecRow: f4(ec ? T * E : 0),
    hidden: f4(rowsMax * f),
    rows: f4(rowsMax * d),
    w1: f4(E * d * f),
    w3: f4(E * d * f),
    w2: f4(E * f * d),
    sharedW1: f4(S * d * fs),
    sharedW3: f4(S * d * fs),
    sharedW2: f4(S * fs * d),
    sharedHidden: f4(S > 0 ? T * fs : 0),
    sharedOut: f4(S > 0 ? T * d : 0),
    out: f4(T * d),
  };
  let totalBytes = 0;
  let largest: MemoryPlan['largest'] = { name: 'x', bytes: 0 };
  for (const [name, bytes] of Object.entries(buffers) as [BufferName, number][]) {
    totalBytes += bytes;
    if (bytes > largest.bytes) largest = { name, bytes };
  }
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let reason: string | undefined;
  if (largest.bytes > maxBinding) {
    reason = `buffer "${largest.name}" needs ${MB(largest.bytes)}, more than this device binds (${MB(maxBinding)})`;
  } else if (totalBytes > budget) {
    reason = `the layer needs ${MB(totalBytes)} of GPU memory, more than the budget of ${MB(budget)}`;
  } else if (Math.ceil(T / GEMM_TILE.TM) > 65535 || sortSize / 2 / 256 > 32768 * 65535) {
    reason = `T = ${T} tokens is too many for one dispatch on this device`;
  }
  return {
    buffers,
    totalBytes,
    largest,
    rowsMax,
    sortSize,
    sortValid,
    chunkSize,
    chunks,
    capacity: C,
    fits: !reason,
    reason,
  };
}

/**
 * Chunks of the serial count/scatter kernels: at least 64 pairs and 2·E per chunk, so the chunks × E histogram
 * stays at most half the pairs (its traffic is small next to the ids) while T·k / chunkSize invocations run.
 */
export function chunkPlan(pairs: number, experts: number): { chunkSize: number; chunks: number } {
  if (pairs <= 0) return { chunkSize: 0, chunks: 0 };
  const chunkSize = Math.max(256, nextPow2(4 * experts));
  return { chunkSize, chunks: Math.ceil(pairs / chunkSize) };
}

export interface ScenarioPlan {
  /** The layer as it runs here: the expert FFN shrunk by `scale`. */
  cfg: LayerConfig;
  /** Fraction of f kept (1 = full size). */
  scale: number;
  /** True when the scale was chosen automatically to fit this device. */
  auto: boolean;
  memory: MemoryPlan;
  /** One line for reports and the UI. */
  note: string;
}

/**
 * Plan a scenario on a device: the scenario's measurement scale when it sets one, otherwise full size if it fits,
 * else the largest scale that fits. Throws a one-line Error when even the smallest expert FFN does not fit.
 */
export function planScenario(
  s: Scenario,
  limits: DeviceLimitsLike,
  budget: number = DEFAULT_MEMORY_BUDGET,
): ScenarioPlan {
  const choice = chooseScale(s, (cfg) => planMemory(cfg, limits, budget).reason, 'this device');
  return { ...choice, memory: planMemory(choice.cfg, limits, budget) };
}
