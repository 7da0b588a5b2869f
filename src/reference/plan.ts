/**
 * Memory planner of the CPU engine: sizes every typed array the CPU reference allocates for one layer (the
 * tensor generator, ../workload/tensors.ts, and the seven steps, ./runLayer.ts) before anything is allocated,
 * checks them against a budget and the largest typed array an engine holds, and picks the measurement scale
 * the way the GPU planner does (../gpu/planner.ts planScenario; both use chooseScale).
 */
import type { Scenario } from '../scenario';
import { capacityOf, chooseScale, type LayerConfig } from '../workload';

/**
 * Bytes of typed arrays one CPU layer may allocate, inputs and results included: 1 GiB, as for the GPU engine
 * (../gpu/planner.ts DEFAULT_MEMORY_BUDGET). In the app the CPU engine runs in a browser tab's Web Worker (the
 * inputs are moved there, not copied), and a tab holds a few GiB at most before the browser kills it: 1 GiB
 * leaves room for the page itself. It is also about as much as the engine computes in reasonable time: a layer
 * this size already takes minutes in plain TypeScript. The figure is a sum over every array, not the peak.
 */
export const CPU_MEMORY_BUDGET = 2 ** 30;

/**
 * Largest single typed array planned: 2 GiB. V8 (Node 20, Chromium) refuses more than 2^32 elements
 * ("Invalid typed array length") and browsers refuse or kill far smaller ArrayBuffers in practice; no array of
 * the layer is allowed past this, whatever budget is given.
 */
export const MAX_TYPED_ARRAY_BYTES = 2 ** 31;

/** One array (or a group of same-sized arrays) the CPU engine allocates. */
export interface CpuArray {
  /** What it is, with its shape in the layer's letters: "T·E logits". */
  label: string;
  /** Scenario fields that size it, for the message: "tokens T or experts E". */
  sizedBy: string;
  /** Bytes of the largest single array in the group (what the typed-array limit applies to). */
  single: number;
  /** Bytes of the whole group. */
  bytes: number;
}

export interface CpuMemoryPlan {
  arrays: CpuArray[];
  totalBytes: number;
  /** The group with the most bytes. */
  largest: CpuArray;
  fits: boolean;
  /** Why it does not fit (one line, with what to change), when it does not. */
  reason?: string;
}

export interface CpuPlanOptions {
  /** Gate, count, offsets and scatter only (the stream's routing-only runner): no FFN rows, no combine. */
  routingOnly?: boolean;
  budget?: number;
  /** Multiply-adds one layer run may take (default CPU_WORK_BUDGET). */
  workBudget?: number;
}

const F32 = 4;
const I32 = 4;
const F64 = 8;

const fmtBytes = (b: number) =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;

/**
 * Every typed array one CPU layer allocates, counted as the code allocates it (element type included). Small
 * scratch (per row, per group, random stream state) is counted too; plain JS arrays are not. The total is
 * the sum over the whole layer, not the peak: temporaries of the generator are freed before the layer runs, so
 * the budget is checked against an upper bound.
 */
export function cpuMemory(cfg: LayerConfig, topics: number, opts: CpuPlanOptions = {}): CpuMemoryPlan {
  const budget = opts.budget ?? CPU_MEMORY_BUDGET;
  const routingOnly = opts.routingOnly ?? false;
  const T = cfg.tokens;
  const d = cfg.dModel;
  const E = cfg.experts;
  const f = cfg.ffnSize;
  const M = topics;
  const S = cfg.sharedExperts;
  const fs = S > 0 ? cfg.sharedFfnSize : 0;
  const B = Math.max(1, cfg.blockSize);
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? 0 : cfg.topK;
  const arrays: CpuArray[] = [];
  const add = (label: string, sizedBy: string, single: number, count = 1) => {
    if (single > 0 && count > 0) arrays.push({ label, sizedBy, single, bytes: single * count });
  };

  // ---- the generator (generateLayerTensors) ----
  // directions(): basis, mean and topic directions, built twice (hidden states and router).
  const basisRows = 1 + Math.max(0, Math.min(M, d - 2));
  add('topic directions (f64, while generating)', 'topics or hidden size d', M * d * F64, 2);
  add('topic basis (f64, while generating)', 'topics or hidden size d', basisRows * d * F64, 2);
  add('mean direction (f64)', 'hidden size d', d * F64, 2);
  // tokenTopics(): log-ranks, mix and cumulative mix (M each), the topic of each token.
  add('topic mix (f64)', 'topics', M * F64, 3);
  add('token topics (i32)', 'tokens T', T * I32);
  add('T·d hidden states x', 'tokens T or hidden size d', T * d * F32);
  // generateRouter(): affinities, popularity (twice more with a bias), random directions, one column, the router.
  add('topic affinities (f64, while generating)', 'topics or experts E', M * E * F64);
  add('expert popularity (f64)', 'experts E', E * F64, cfg.useBias ? 4 : 2);
  add('E·d router directions (f64, while generating)', 'hidden size d or experts E', E * d * F64);
  add('router column (f64)', 'hidden size d', d * F64);
  add('d·E router', 'hidden size d or experts E', d * E * F32);
  add('bias', 'experts E', E * F32);
  add('E·d·f expert weights w1, w3, w2', 'expert FFN size f, hidden size d or experts E', E * d * f * F32, 3);
  add('S·d·fs shared expert weights', 'shared experts or their FFN size', S * d * fs * F32, 3);
  // Each random stream keeps two f64 of state: at most 4 (hidden states) + 8 (router) + 3 (bias) + 6 (weights).
  const streams = 12 + (cfg.useBias ? 3 : 0) + 3 + (S > 0 ? 3 : 0);
  add('random stream state', 'nothing (fixed)', 2 * F64, streams);

  // ---- the layer (runReferenceLayer) ----
  add('T·E logits', 'tokens T or experts E', T * E * F32);
  add('router GEMM row (f64)', 'experts E', E * F64);
  add('T·E scores', 'tokens T or experts E', T * E * F32);
  add('softmax row (f64)', 'experts E', E * F64);
  // count, offsets: counts, kept, starts.
  add('per-expert counts (i32)', 'experts E', E * I32, 2);
  add('offsets (i32)', 'experts E', (E + 1) * I32);
  let rows = 0;
  if (ec) {
    const C = capacityOf(cfg);
    const taken = Math.min(C, T);
    add('E·C expert-choice tokens and weights', 'tokens T or top-k', E * C * I32, 2);
    add('expert-choice column and order', 'tokens T', T * F32, 2);
    rows = E * Math.ceil(taken / B) * B;
  } else {
    if (cfg.useBias) add('T·E selection scores (scores + bias)', 'tokens T or experts E', T * E * F32);
    add('T·k ids, weights, pairs and positions', 'tokens T or top-k', T * k * I32, 4);
    add('top-k scratch', 'top-k', k * (I32 + F64));
    add('group scratch', 'groups', (cfg.groups > 1 ? E : 0) + cfg.groups * (F32 + I32 + F64));
    add('scatter buckets (i32)', 'experts E', (E + 1) * I32, 2);
    const C = capacityOf(cfg);
    const pairs = C > 0 ? Math.min(T * k, E * C) : T * k;
    rows = pairs + Math.min(E, pairs) * (B - 1);
  }
  // Expert-choice routing-only stops before the scatter.
  if (!(ec && routingOnly)) add('row tokens (i32)', 'tokens T or top-k', rows * I32);
  if (routingOnly) {
    add('T·d output y (zeros)', 'tokens T or hidden size d', T * d * F32);
  } else {
    add(
      ec ? 'E·C·d dispatched rows' : 'T·k·d dispatched rows',
      'tokens T, top-k or hidden size d',
      rows * d * F32,
    );
    add('FFN scratch (f64)', 'expert FFN size f or hidden size d', 4 * (2 * f + d) * F64 + 8 * I32);
    if (S > 0 && fs > 0) {
      add('T·d shared expert output', 'tokens T or hidden size d', T * d * F32);
      add('shared FFN scratch (f64)', 'shared FFN size or hidden size d', (2 * fs + 2 * d) * F64);
    }
    add('T·d output y', 'tokens T or hidden size d', T * d * F32);
    if (ec) add('T·d combine sums (f64)', 'tokens T or hidden size d', T * d * F64);
    else add('combine row (f64)', 'hidden size d', d * F64);
  }

  let totalBytes = 0;
  let largest = arrays[0];
  let widest = arrays[0];
  for (const a of arrays) {
    totalBytes += a.bytes;
    if (a.bytes > largest.bytes) largest = a;
    if (a.single > widest.single) widest = a;
  }
  let reason: string | undefined;
  if (widest.single > MAX_TYPED_ARRAY_BYTES) {
    reason =
      `the ${widest.label} would be one array of ${fmtBytes(widest.single)}, more than the ` +
      `${fmtBytes(MAX_TYPED_ARRAY_BYTES)} one JavaScript typed array may hold; lower ${widest.sizedBy}`;
  } else if (totalBytes > budget) {
    reason =
      `the layer needs ${fmtBytes(totalBytes)} of CPU memory, more than the budget of ${fmtBytes(budget)} ` +
      `(the most is the ${largest.label}, ${fmtBytes(largest.bytes)}; lower ${largest.sizedBy})`;
  }
  return { arrays, totalBytes, largest, fits: reason === undefined, reason };
}

/**
 * Multiply-adds one CPU layer run may take: 2^33 (8.6·10⁹). Plain TypeScript does about 0.5–1·10⁹ a second on
 * one core, so this is some ten seconds a run; a larger layer would run for minutes (a run is warm-up plus
 * trials, a stream many runs), so it is shrunk (the expert FFN) or refused as memory is.
 */
export const CPU_WORK_BUDGET = 2 ** 33;

/** One part of a layer run's arithmetic, in multiply-adds (the inner loop's iterations). */
interface CpuWorkPart {
  label: string;
  sizedBy: string;
  ops: number;
}

/**
 * The multiply-adds of one CPU layer run (generating its tensors, then the seven steps), largest part first.
 * An estimate of the inner loops, not a count of instructions: it sizes a run against CPU_WORK_BUDGET.
 */
export function cpuWork(cfg: LayerConfig, topics: number, opts: CpuPlanOptions = {}): CpuWorkPart[] {
  const { tokens: T, dModel: d, experts: E, ffnSize: f, sharedExperts: S } = cfg;
  const fs = S > 0 ? cfg.sharedFfnSize : 0;
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? 0 : cfg.topK;
  const basis = 1 + Math.max(0, Math.min(topics, d - 2));
  const C = capacityOf(cfg);
  const B = Math.max(1, cfg.blockSize);
  const pairs = ec ? E * Math.min(C, T) : C > 0 ? Math.min(T * k, E * C) : T * k;
  const rows = pairs + Math.min(E, pairs) * (B - 1);
  const parts: CpuWorkPart[] = [
    {
      label: 'generated router (topics and random directions)',
      sizedBy: 'experts E, hidden size d or topics',
      ops: E * d * (topics + 2 * basis + 2),
    },
    {
      label: 'generated expert weights',
      sizedBy: 'expert FFN size f, hidden size d or experts E',
      ops: 3 * E * d * f + 3 * S * d * fs,
    },
    { label: 'router GEMM (T·d·E)', sizedBy: 'tokens T, hidden size d or experts E', ops: T * d * (E + 1) },
    { label: 'gate (T·E scores, top-k)', sizedBy: 'tokens T or experts E', ops: T * E * (2 + k) },
  ];
  if (!opts.routingOnly) {
    parts.push(
      {
        label: 'expert FFN (3·rows·d·f)',
        sizedBy: 'tokens T, top-k, hidden size d or expert FFN size f',
        ops: 3 * rows * d * f,
      },
      {
        label: 'shared experts (3·T·d·fs per expert)',
        sizedBy: 'tokens T, shared experts or their FFN size',
        ops: 3 * S * T * d * fs,
      },
      { label: 'dispatch and combine', sizedBy: 'tokens T, top-k or hidden size d', ops: 2 * rows * d },
    );
  }
  return parts.sort((a, b) => b.ops - a.ops);
}

/** Why one layer run is too much arithmetic for the CPU engine, or undefined when it is within `budget`. */
export function cpuWorkReason(parts: CpuWorkPart[], budget = CPU_WORK_BUDGET): string | undefined {
  const total = parts.reduce((a, p) => a + p.ops, 0);
  if (total <= budget) return undefined;
  const g = (n: number) => `${Number((n / 1e9).toPrecision(3)).toLocaleString('en-US')}·10⁹`;
  return (
    `one layer run is about ${g(total)} multiply-adds, more than the CPU engine's ${g(budget)} (minutes in ` +
    `plain TypeScript; the most is the ${parts[0].label}, ${g(parts[0].ops)}; lower ${parts[0].sizedBy})`
  );
}

export interface CpuPlan {
  /** The layer as the CPU engine runs it: the expert FFN shrunk by `scale`. */
  cfg: LayerConfig;
  /** Fraction of f kept (1 = full size). */
  scale: number;
  /** True when the scale was chosen automatically to fit the budget. */
  auto: boolean;
  /** One line for reports and the UI. */
  note: string;
  /** Bytes of typed arrays the layer allocates (cpuMemory's total). */
  bytes: number;
  /** Multiply-adds of one layer run (cpuWork's total), at most CPU_WORK_BUDGET. */
  work: number;
}

/**
 * The layer the CPU engine runs, planned before anything is allocated: the scenario's measurement scale when it
 * sets one, else full size when it fits CPU_MEMORY_BUDGET and CPU_WORK_BUDGET, else the largest expert FFN that
 * fits both (the note says so). Throws a one-line Error naming what does not fit and what to change when nothing fits.
 */
export function cpuPlan(s: Scenario, opts: CpuPlanOptions = {}): CpuPlan {
  const choice = chooseScale(
    s,
    (cfg) =>
      cpuMemory(cfg, s.topics, opts).reason ?? cpuWorkReason(cpuWork(cfg, s.topics, opts), opts.workBudget),
    'the CPU engine',
  );
  const work = cpuWork(choice.cfg, s.topics, opts).reduce((a, p) => a + p.ops, 0);
  return { ...choice, bytes: cpuMemory(choice.cfg, s.topics, opts).totalBytes, work };
}
