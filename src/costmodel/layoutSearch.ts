/**
 * Layout search: each chip at its best parallel layout for every speed per user, the frontier InferenceX and
 * NVIDIA's AIConfigurator draw (output tokens/s per chip against tokens/s per user). Every point carries its layout
 * and $/M tokens, so the cost-versus-speed chart is drawn from the same search.
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
 * Pruning, checked against the brute force in layoutSearch.test.ts (the same space, nothing pruned):
 * - a stage layout that fits stops at the first batch that does not (KV bytes only grow with the batch);
 * - a resolved layout already projected at the same sequences is not projected again;
 * - dominated batches: throughput = sequences × speed per user, and within one resolved layout a bigger batch is
 *   never faster per user, so a batch's point lies at or below (speed of a smaller batch, sequences / chips × that
 *   speed); when a projected point is strictly faster and higher than that corner, the batch is skipped unprojected.
 *   Only strictly dominated points are skipped, and those never change the front (paretoByBucket).
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
  /**
   * Best throughput per chip at each speed per user (no point has both more speed and more throughput), slowest
   * first; each point's $/M tokens is its layout's (owning a chip costs about the same per hour whatever it runs,
   * so the layout with the most tokens per chip is the cheapest at that speed to within its power draw).
   */
  throughput: LayoutPoint[];
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
  /** The resolved layout and sequences: two plans with one key project to the same point. */
  key: string;
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
    const planned = planOnly(s, this.hw, this.shape(batch));
    return { s, ...planned, key: layoutKey(layoutOf(planned)) };
  }
  project(plan: Plan): LayoutPoint | undefined {
    this.evaluated++;
    return pointOf(prepare(plan.s, this.hw, this.load, { shape: this.shape(plan.s.tokens), quiet: true }));
  }
}

// ---- frontier reduction --------------------------------------------------------------------------------

/** Ties (equal throughput) go to fewer chips, then to the layout that sorts first: the same answer in any order. */
function better(a: LayoutPoint, b: LayoutPoint): boolean {
  if (a.throughputPerChip !== b.throughputPerChip) return a.throughputPerChip > b.throughputPerChip;
  if (a.layout.chips !== b.layout.chips) return a.layout.chips < b.layout.chips;
  return layoutKey(a.layout) < layoutKey(b.layout);
}

/**
 * The best point per speed bucket (and the fastest point of all), then the Pareto front of those: walking from the
 * fastest down, a point stays only when it beats every faster one's throughput. This is the Pareto front of all
 * points thinned to one per bucket, and a strictly dominated point never changes it: it is neither the fastest nor a
 * kept bucket winner, and the faster bucket of its dominator already bounds every slower bucket.
 */
export function paretoByBucket(
  points: readonly LayoutPoint[],
  bucketsPerDecade = BUCKETS_PER_DECADE,
): LayoutPoint[] {
  const best = new Map<number, LayoutPoint>();
  for (const p of points) {
    const b = Math.floor(Math.log10(p.tokensPerSecPerUser) * bucketsPerDecade);
    const cur = best.get(b);
    if (!cur || better(p, cur)) best.set(b, p);
  }
  const fastestFirst = [...best.entries()].sort((a, b) => b[0] - a[0]).map(([, p]) => p);
  // The fastest point of all is kept beside its bucket's winner: the speed limit is what a reader looks for at
  // that end, and nothing can dominate it.
  let fastest: LayoutPoint | undefined;
  for (const p of points) {
    if (!fastest || p.tokensPerSecPerUser > fastest.tokensPerSecPerUser) fastest = p;
    else if (p.tokensPerSecPerUser === fastest.tokensPerSecPerUser && better(p, fastest)) fastest = p;
  }
  if (fastest && fastest !== fastestFirst[0]) fastestFirst.unshift(fastest);
  const front: LayoutPoint[] = [];
  for (const p of fastestFirst) {
    const last = front[front.length - 1];
    if (!last || p.throughputPerChip > last.throughputPerChip) front.push(p);
  }
  return front.reverse();
}

// ---- the search ----------------------------------------------------------------------------------------

/** A stage layout's batches that share one resolved layout (same stages and chips): where batches are ordered. */
type Run = Plan[];

/**
 * A stage layout's candidate batches, cheaply planned (no projection): a layout whose weights fit stops at the
 * first batch its KV cache cannot hold; one whose weights do not fit grows stages as fitPolicy 'grow' does. Split
 * into runs of one resolved layout (stages and chips only grow with the batch, so a run is contiguous).
 */
function stageRuns(proj: Projector, c: StageCandidate, batches: readonly number[]): Run[] {
  const runs: Run[] = [];
  let weightsFit: boolean | undefined;
  let lastShape = '';
  for (const batch of batches) {
    let plan = weightsFit === false ? undefined : proj.plan(c, batch, false);
    weightsFit ??= plan?.layout.fits;
    if (weightsFit && !plan?.layout.fits) break;
    if (!weightsFit) plan = proj.plan(c, batch, true);
    if (!plan) continue;
    const shape = layoutKey({ ...layoutOf(plan), batch: 0 });
    if (shape !== lastShape || runs.length === 0) runs.push([]);
    lastShape = shape;
    runs[runs.length - 1].push(plan);
  }
  return runs;
}

/**
 * Output tokens per step over output tokens per user per step, per chip: throughput per chip = this × speed per
 * user (headline.ts: decode emits sequences × accepted tokens per step, each user gets the accepted tokens; prefill
 * serves T prompt tokens, each request min(T, context)).
 */
function perChipPerSpeed(plan: Plan): number {
  const s = plan.s;
  const ratio =
    s.phase === 'decode' ? plan.work.seqs : s.tokens / Math.max(1, Math.min(s.tokens, s.contextLength));
  return ratio / Math.max(1, plan.layout.totalChips);
}

/** Projected points by resolved layout and sequences (a layout reached from two candidates is projected once). */
class PointSet {
  private byKey = new Map<string, LayoutPoint | null>();
  readonly points: LayoutPoint[] = [];
  /** The points no other point weakly dominates: enough to answer dominance queries, and few. */
  private staircase: LayoutPoint[] = [];
  constructor(private proj: Projector) {}
  get(plan: Plan): LayoutPoint | undefined {
    let p = this.byKey.get(plan.key);
    if (p === undefined) {
      p = this.proj.project(plan) ?? null;
      this.byKey.set(plan.key, p);
      if (p) this.add(p);
    }
    return p ?? undefined;
  }
  private add(p: LayoutPoint): void {
    this.points.push(p);
    const atLeast = (a: LayoutPoint, b: LayoutPoint) =>
      a.tokensPerSecPerUser >= b.tokensPerSecPerUser && a.throughputPerChip >= b.throughputPerChip;
    if (this.staircase.some((q) => atLeast(q, p))) return;
    this.staircase = this.staircase.filter((q) => !atLeast(p, q));
    this.staircase.push(p);
  }
  /** Some projected point is strictly faster per user and strictly higher in throughput per chip. */
  dominates(speed: number, perChip: number): boolean {
    for (const q of this.staircase)
      if (q.tokensPerSecPerUser > speed && q.throughputPerChip > perChip) return true;
    return false;
  }
}

/**
 * A run's batches in order, each skipped when its best possible point (the speed of the last projected smaller
 * batch, at its own sequences per chip) is strictly dominated already.
 */
function scanRun(set: PointSet, run: Run): void {
  let speedBound = Number.POSITIVE_INFINITY;
  for (const plan of run) {
    if (Number.isFinite(speedBound) && set.dominates(speedBound, perChipPerSpeed(plan) * speedBound))
      continue;
    const p = set.get(plan);
    if (p) speedBound = p.tokensPerSecPerUser;
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
  const throughput = paretoByBucket(points, k);
  return {
    chipId: proj.hw.id,
    chipName: proj.hw.name,
    status: proj.hw.status,
    throughput,
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
  const set = new PointSet(proj);
  const runs = stages.flatMap((c) => stageRuns(proj, c, batches));
  // Every run's first batch first (nothing bounds it), so the scans prune against a strong front from the start.
  for (const run of runs) set.get(run[0]);
  for (const run of runs) scanRun(set, run);
  const points = set.points;
  return frontierFrom(proj, points, stages.length * batches.length, t0, opt.bucketsPerDecade);
}

/** Every candidate of the space projected by `proj`, with no pruning (the brute force's points; slow on purpose). */
function enumerateWith(proj: Projector, s: Scenario, hw: HardwareSpec, opt: LayoutSearchOptions) {
  const batches = sortedBatches(opt);
  const stages = stageCandidates(s, hw, proj.shape(batches[0] ?? 1));
  const points: LayoutPoint[] = [];
  for (const c of stages) {
    const weightsFit = proj.plan(c, batches[0], false).layout.fits;
    for (const batch of batches) {
      if (weightsFit && !proj.plan(c, batch, false).layout.fits) continue;
      const point = proj.project(proj.plan(c, batch, !weightsFit));
      if (point) points.push(point);
    }
  }
  return { points, candidates: stages.length * batches.length };
}

/** Every candidate of the space projected, with no pruning (the brute force's points; slow on purpose). */
export function enumerateLayoutPoints(
  s: Scenario,
  hw: HardwareSpec,
  load?: LoadProfile,
  opt: LayoutSearchOptions = {},
): { points: LayoutPoint[]; candidates: number; evaluated: number } {
  const proj = new Projector(s, hw, load);
  const all = enumerateWith(proj, s, hw, opt);
  return { ...all, evaluated: proj.evaluated };
}

/** The frontier of every candidate, unpruned: the search must give exactly this (layoutSearch.test.ts). */
export function bruteForceLayouts(
  s: Scenario,
  hw: HardwareSpec,
  load?: LoadProfile,
  opt: LayoutSearchOptions = {},
): LayoutFrontier {
  const t0 = now();
  const proj = new Projector(s, hw, load);
  const all = enumerateWith(proj, s, hw, opt);
  return frontierFrom(proj, all.points, all.candidates, t0, opt.bucketsPerDecade);
}

/** One line a person reads: "32 chips (2 stages × 16): TP 2 × DP 8, EP 16 × expert TP 1, batch 256". */
export function describeLayout(l: ParallelLayout): string {
  const stages = l.stages > 1 ? ` (${l.stages} stages × ${l.stageChips})` : '';
  const pool = l.attentionChips > 0 ? ` + ${l.attentionChips} attention chips` : '';
  const chips = l.chips - l.attentionChips;
  return (
    `${chips} chip${chips === 1 ? '' : 's'}${stages}${pool}: TP ${l.tensorParallel} × DP ${l.dataParallel}, ` +
    `EP ${l.expertParallel} × expert TP ${l.expertTensorParallel}, batch ${Math.round(l.batch)}`
  );
}
