/**
 * Layout search: each chip at its best parallel layout for every speed per user, the frontier InferenceX and
 * NVIDIA's AIConfigurator draw (output tokens/s per chip against tokens/s per user), and from the same candidates
 * the cheapest layout at every speed ($/M tokens against tokens/s per user).
 *
 * Candidate space (docs/COST_MODEL.md, "Layout search and the frontier"):
 * - chips per pipeline stage N: powers of two up to the scale-up domain D, D itself, then D·2, D·4, …; at most
 *   MAX_STAGE_CHIPS and at most CHIPS_PER_NEED × the chips the weights need (at least 8): wide layouts only for
 *   models big enough to use them;
 * - tensor parallel TP: 1, 2, 4, 8 (within the domain, dividing N); attention data parallel is then N / TP;
 * - expert TP: off, or equal to TP (the serving stacks' two settings), and expert parallel EP = N / expert TP;
 * - batch: the sequences decoding together (prefill: prompt tokens), powers of two 1 … 16384 (with max-throughput
 *   serving, the cap T the KV cache may lower);
 * - pipeline stages only for a stage layout whose weights do not fit (it does not fit at the smallest batch):
 *   the fewest stages that fit, as fitPolicy 'grow' builds them (wider stages when one layer per stage is not
 *   enough). A layout whose weights fit is searched at one stage up to the largest batch its KV cache holds.
 * Two-pool systems (attention apart from experts) search N expert chips and TP ≤ the attention pool; their expert
 * split is the one planSystem gives.
 *
 * Pruning, all exact (the brute force in layoutSearch.test.ts enumerates the same space without it): the batch scan
 * of a stage layout that fits stops at the first batch that does not (KV bytes only grow with the batch), and a
 * resolved layout already evaluated at the same sequences is not evaluated again (grown layouts and the KV-capped
 * batches of max-throughput serving repeat).
 */

import type { Scenario } from '../scenario';
import { type Prepared, planOnly, prepare } from './prepare';
import { quickHeadline } from './project';
import type { BatchWork } from './serving';
import { type ModelShape, modelShape } from './shape';
import type { HardwareSpec, LoadProfile, SystemLayout } from './types';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** A parallel layout as projected (after growing to fit). */
export interface ParallelLayout {
  /** Every chip of one model replica (all stages; both pools of a two-pool system). */
  chips: number;
  /** Chips in one pipeline stage (the expert pool on a two-pool system). */
  stageChips: number;
  tensorParallel: number;
  expertParallel: number;
  /** Chips each expert is split over (expert TP). */
  expertTensorParallel: number;
  /** Attention data-parallel groups per stage: stage chips / TP. */
  dataParallel: number;
  stages: number;
  /** Attention-pool chips of a two-pool system (0 otherwise). */
  attentionChips: number;
  /** Sequences decoding together (prefill: prompt tokens per step). */
  batch: number;
}

export interface LayoutPoint {
  tokensPerSecPerUser: number;
  /** Output tokens/s per chip (decode; prefill: prompt tokens/s per chip). */
  throughputPerChip: number;
  throughput: number;
  usdPerMTokens: number;
  jPerToken: number;
  stepTime: number;
  layout: ParallelLayout;
}

export interface LayoutFrontier {
  chipId: string;
  chipName: string;
  status: string;
  /** Best throughput per chip at each speed per user (no point has both more speed and more throughput). */
  throughput: LayoutPoint[];
  /** Cheapest layout at each speed per user (no point is both faster and cheaper). */
  cost: LayoutPoint[];
  /** Stage layouts × batches in the candidate space, and how many the search projected. */
  candidates: number;
  evaluated: number;
  ms: number;
  /** Why there is no frontier (nothing fits, or the projection failed). */
  message?: string;
}

/** One stage layout the search tries (before growing to fit). */
export interface StageCandidate {
  chips: number;
  tensorParallel: number;
  expertParallel: number;
  expertTensorParallel: number;
}

export interface LayoutSearchOptions {
  batches?: readonly number[];
  /** Speed buckets per decade: the frontier keeps one point per bucket (the best). */
  bucketsPerDecade?: number;
}

export const LAYOUT_BATCHES: readonly number[] = [
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
];
export const MAX_STAGE_CHIPS = 256;
export const CHIPS_PER_NEED = 16;
export const TENSOR_PARALLEL_DEGREES: readonly number[] = [1, 2, 4, 8];
export const BUCKETS_PER_DECADE = 12;

/** Chips per stage worth trying: powers of two within the domain, the domain, then multiples of it. */
export function chipCountCandidates(domain: number, chipsNeeded: number): number[] {
  const max = Math.min(MAX_STAGE_CHIPS, Math.max(8, CHIPS_PER_NEED * Math.max(1, chipsNeeded)));
  const d = Math.max(1, Math.floor(domain));
  const out = new Set<number>();
  for (let n = 1; n <= Math.min(d, max); n *= 2) out.add(n);
  for (let n = d; n <= max; n *= 2) out.add(n);
  return [...out].sort((a, b) => a - b);
}

/** Every stage layout of the candidate space for one chip (or two-pool system). */
export function stageCandidates(s: Scenario, hw: HardwareSpec, m: ModelShape): StageCandidate[] {
  const domain = hw.experts.scaleUpDomain;
  const twoPool = s.attentionChips > 0 || hw.attentionChips > 0;
  const pool = s.attentionChips > 0 ? s.attentionChips : hw.attentionChips;
  const probe = prepare(
    {
      ...s,
      chipCount: 1,
      tensorParallel: 1,
      expertParallel: 1,
      expertTensorParallel: 1,
      tokens: 1,
      fitPolicy: 'fixed',
    },
    hw,
    undefined,
    { shape: m, quiet: true },
  );
  const out: StageCandidate[] = [];
  for (const chips of chipCountCandidates(domain, probe.layout.chipsNeeded)) {
    for (const tp of TENSOR_PARALLEL_DEGREES) {
      if (tp > chips || chips % tp !== 0) continue;
      if (twoPool) {
        if (tp <= pool)
          out.push({ chips, tensorParallel: tp, expertParallel: chips, expertTensorParallel: 1 });
        continue;
      }
      if (tp > Math.max(1, domain)) continue;
      out.push({ chips, tensorParallel: tp, expertParallel: chips, expertTensorParallel: 1 });
      if (tp > 1)
        out.push({ chips, tensorParallel: tp, expertParallel: chips / tp, expertTensorParallel: tp });
    }
  }
  return out;
}

/** The scenario a candidate is projected as. */
function candidateScenario(s: Scenario, c: StageCandidate, batch: number, grow: boolean): Scenario {
  return {
    ...s,
    chipCount: c.chips,
    tensorParallel: c.tensorParallel,
    expertParallel: c.expertParallel,
    expertTensorParallel: c.expertTensorParallel,
    tokens: batch,
    fitPolicy: grow ? 'grow' : 'fixed',
  };
}

interface Plan {
  s: Scenario;
  work: BatchWork;
  layout: SystemLayout;
}

function layoutOf(p: { layout: SystemLayout; work: BatchWork }): ParallelLayout {
  const l = p.layout;
  return {
    chips: l.totalChips,
    stageChips: l.stageChips,
    tensorParallel: l.tensorParallel,
    expertParallel: l.expertRanks,
    expertTensorParallel: l.expertShard,
    dataParallel: l.dataParallel,
    stages: l.stages,
    attentionChips: l.attentionChips,
    batch: p.work.seqs,
  };
}

function layoutKey(l: ParallelLayout): string {
  return `${l.chips}|${l.stageChips}|${l.tensorParallel}|${l.expertParallel}|${l.expertTensorParallel}|${l.dataParallel}|${l.stages}|${l.attentionChips}|${l.batch}`;
}

function pointOf(p: Prepared): LayoutPoint | undefined {
  const h = quickHeadline(p);
  const chips = p.layout.totalChips;
  const point = {
    tokensPerSecPerUser: h.tokensPerSecPerUser,
    throughputPerChip: chips > 0 ? h.throughput / chips : 0,
    throughput: h.throughput,
    usdPerMTokens: h.usdPerMTokens,
    jPerToken: h.jPerToken,
    stepTime: h.stepTime,
    layout: layoutOf(p),
  };
  const ok = [point.tokensPerSecPerUser, point.throughputPerChip, point.usdPerMTokens].every(
    (v) => Number.isFinite(v) && v > 0,
  );
  return ok ? point : undefined;
}

/** Per-chip state shared by the search and the brute force: the model shape per batch, the load. */
class Projector {
  private shapes = new Map<number, ModelShape>();
  evaluated = 0;
  constructor(
    readonly s: Scenario,
    readonly hw: HardwareSpec,
    readonly load: LoadProfile | undefined,
  ) {}
  shape(batch: number): ModelShape {
    let m = this.shapes.get(batch);
    if (!m) {
      m = modelShape({ ...this.s, tokens: batch });
      this.shapes.set(batch, m);
    }
    return m;
  }
  /** Layout and batch only (no resources): what fit checks and repeat checks need. */
  plan(c: StageCandidate, batch: number, grow: boolean): Plan {
    const s = candidateScenario(this.s, c, batch, grow);
    return { s, ...planOnly(s, this.hw, this.shape(batch)) };
  }
  project(plan: Plan, batch: number): LayoutPoint | undefined {
    this.evaluated++;
    return pointOf(prepare(plan.s, this.hw, this.load, { shape: this.shape(batch), quiet: true }));
  }
}

// ---- frontier reduction --------------------------------------------------------------------------------

/** The figure a frontier maximises: throughput per chip, or minus the price. */
type Figure = (p: LayoutPoint) => number;

/** Ties (equal figure) go to fewer chips, then to the layout that sorts first: the same answer in any order. */
function better(a: LayoutPoint, b: LayoutPoint, figure: Figure): boolean {
  const fa = figure(a);
  const fb = figure(b);
  if (fa !== fb) return fa > fb;
  if (a.layout.chips !== b.layout.chips) return a.layout.chips < b.layout.chips;
  return layoutKey(a.layout) < layoutKey(b.layout);
}

/**
 * The best point per speed bucket, then the Pareto front of those: walking from the fastest bucket down, a point
 * stays only when its figure beats every faster one's. Equals the Pareto front of all points, thinned to one per
 * bucket (a dominated point loses to its dominator's bucket winner, which is faster and at least as good).
 */
export function paretoByBucket(
  points: readonly LayoutPoint[],
  figure: Figure,
  bucketsPerDecade = BUCKETS_PER_DECADE,
): LayoutPoint[] {
  const best = new Map<number, LayoutPoint>();
  for (const p of points) {
    const b = Math.floor(Math.log10(p.tokensPerSecPerUser) * bucketsPerDecade);
    const cur = best.get(b);
    if (!cur || better(p, cur, figure)) best.set(b, p);
  }
  const fastestFirst = [...best.entries()].sort((a, b) => b[0] - a[0]).map(([, p]) => p);
  const front: LayoutPoint[] = [];
  for (const p of fastestFirst) {
    const last = front[front.length - 1];
    if (!last || figure(p) > figure(last)) front.push(p);
  }
  return front.reverse();
}

export const throughputFrontierOf = (pts: readonly LayoutPoint[], k?: number) =>
  paretoByBucket(pts, (p) => p.throughputPerChip, k);
export const costFrontierOf = (pts: readonly LayoutPoint[], k?: number) =>
  paretoByBucket(pts, (p) => -p.usdPerMTokens, k);

// ---- the search ----------------------------------------------------------------------------------------

/** The batch scan of one stage layout, pruned: stop when a layout that fits runs out of KV room. */
function scanStage(
  proj: Projector,
  c: StageCandidate,
  batches: readonly number[],
  seen: Set<string>,
  out: LayoutPoint[],
): void {
  let weightsFit: boolean | undefined;
  for (const batch of batches) {
    let plan: Plan | undefined;
    if (weightsFit !== false) {
      plan = proj.plan(c, batch, false);
      weightsFit ??= plan.layout.fits;
      if (weightsFit && !plan.layout.fits) return;
    }
    if (!weightsFit) plan = proj.plan(c, batch, true);
    if (!plan) continue;
    const key = layoutKey(layoutOf(plan));
    if (seen.has(key)) continue;
    seen.add(key);
    const point = proj.project(plan, batch);
    if (point) out.push(point);
  }
}

const noFrontier = (hw: HardwareSpec) =>
  `No layout of up to ${MAX_STAGE_CHIPS} chips per stage gives a finite projection on ${hw.name}.`;

function frontierFrom(
  proj: Projector,
  points: LayoutPoint[],
  candidates: number,
  t0: number,
  k: number | undefined,
): LayoutFrontier {
  const throughput = throughputFrontierOf(points, k);
  return {
    chipId: proj.hw.id,
    chipName: proj.hw.name,
    status: proj.hw.status,
    throughput,
    cost: costFrontierOf(points, k),
    candidates,
    evaluated: proj.evaluated,
    ms: now() - t0,
    message: throughput.length === 0 ? noFrontier(proj.hw) : undefined,
  };
}

function sortedBatches(opt: LayoutSearchOptions): number[] {
  return [...(opt.batches ?? LAYOUT_BATCHES)].filter((b) => b >= 1).sort((a, b) => a - b);
}

/** Search one chip's (or two-pool system's) layouts for the scenario's model, workload and serving stack. */
export function searchLayouts(
  s: Scenario,
  hw: HardwareSpec,
  load?: LoadProfile,
  opt: LayoutSearchOptions = {},
): LayoutFrontier {
  const t0 = now();
  const batches = sortedBatches(opt);
  const proj = new Projector(s, hw, load);
  const stages = stageCandidates(s, hw, proj.shape(batches[0] ?? 1));
  const seen = new Set<string>();
  const points: LayoutPoint[] = [];
  for (const c of stages) scanStage(proj, c, batches, seen, points);
  return frontierFrom(proj, points, stages.length * batches.length, t0, opt.bucketsPerDecade);
}

/** Every candidate of the space projected, with no pruning (the brute force's points; slow on purpose). */
export function enumerateLayoutPoints(
  s: Scenario,
  hw: HardwareSpec,
  load?: LoadProfile,
  opt: LayoutSearchOptions = {},
): { points: LayoutPoint[]; candidates: number; evaluated: number } {
  const batches = sortedBatches(opt);
  const proj = new Projector(s, hw, load);
  const stages = stageCandidates(s, hw, proj.shape(batches[0] ?? 1));
  const points: LayoutPoint[] = [];
  for (const c of stages) {
    const weightsFit = proj.plan(c, batches[0], false).layout.fits;
    for (const batch of batches) {
      if (weightsFit && !proj.plan(c, batch, false).layout.fits) continue;
      const point = proj.project(proj.plan(c, batch, !weightsFit), batch);
      if (point) points.push(point);
    }
  }
  return { points, candidates: stages.length * batches.length, evaluated: proj.evaluated };
}

/** The frontier of every candidate, unpruned: the search must give exactly this (layoutSearch.test.ts). */
export function bruteForceLayouts(
  s: Scenario,
  hw: HardwareSpec,
  load?: LoadProfile,
  opt: LayoutSearchOptions = {},
): LayoutFrontier {
  const t0 = now();
  const all = enumerateLayoutPoints(s, hw, load, opt);
  const throughput = throughputFrontierOf(all.points, opt.bucketsPerDecade);
  return {
    chipId: hw.id,
    chipName: hw.name,
    status: hw.status,
    throughput,
    cost: costFrontierOf(all.points, opt.bucketsPerDecade),
    candidates: all.candidates,
    evaluated: all.evaluated,
    ms: now() - t0,
    message: throughput.length === 0 ? noFrontier(hw) : undefined,
  };
}
