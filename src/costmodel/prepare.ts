/**
 * Everything a projection fixes before the per-step model runs: the model shape, the system layout, the load's
 * profile layers for each model layer, and their per-rank resources (cached per load and geometry).
 */
import type { Scenario } from '../scenario';
import { loadMismatch, profileLayerFor, uniformLoad } from './load';
import { type LayerResources, layerResources } from './resources';
import { type BatchWork, batchWork } from './serving';
import { type ModelShape, modelShape } from './shape';
import { hardwareUnder, STACKS, type StackProfile } from './software';
import { planSystem } from './system';
import type { HardwareSpec, LoadProfile, SystemLayout } from './types';

export interface Prepared {
  s: Scenario;
  m: ModelShape;
  /** What one step processes (sequences, tokens per sequence, mixed-in prompt tokens, KV length). */
  work: BatchWork;
  /** The serving stack's constants; `hw` already has its launch gaps and ceilings folded in. */
  stack: StackProfile;
  hw: HardwareSpec;
  layout: SystemLayout;
  load: LoadProfile;
  /** Unique profile layers used, how many model MoE layers each serves, and their resources. */
  unique: number[];
  multiplicity: number[];
  resources: LayerResources[];
  /** Expert replica groups per stage (chips / (ranks · shard)) and tokens each group sees. */
  groups: number;
  expertTokens: number;
  residentSlots: number;
  notes: string[];
}

/**
 * Resources per load, per geometry (tokens, ranks, tile, placement, redundant replicas), per profile layer. The
 * geometry key is built once per projection, not once per layer.
 */
const resourceCache = new WeakMap<LoadProfile, Map<string, (LayerResources | undefined)[]>>();

function cachedResources(
  load: LoadProfile,
  unique: number[],
  tokens: number,
  ranks: number,
  s: Scenario,
  tile: number,
  staticCapacityFactor: number | undefined,
): LayerResources[] {
  let map = resourceCache.get(load);
  if (!map) {
    map = new Map();
    resourceCache.set(load, map);
  }
  const key = `${tokens}|${ranks}|${tile}|${s.expertPlacement}|${s.redundantExperts}|${staticCapacityFactor}`;
  let byLayer = map.get(key);
  if (!byLayer) {
    if (map.size >= 64) map.clear();
    byLayer = [];
    map.set(key, byLayer);
  }
  const out: LayerResources[] = new Array(unique.length);
  for (let u = 0; u < unique.length; u++) {
    const li = unique[u];
    let r = byLayer[li];
    if (!r) {
      r = layerResources(load, li, tokens, {
        ranks,
        placement: s.expertPlacement,
        redundant: s.redundantExperts,
        tile,
        ...(staticCapacityFactor !== undefined ? { staticCapacityFactor } : {}),
      });
      byLayer[li] = r;
    }
    out[u] = r;
  }
  return out;
}

/**
 * Sequences in the batch: the scenario's T, or for a max-throughput run the most whose KV cache fits beside the
 * weights (at the mean KV length), up to T. On a two-pool system the KV lives on the attention pool: T is used.
 */
function servedSequences(s: Scenario, m: ModelShape, hw: HardwareSpec): number {
  if (s.phase !== 'decode' || s.servingMode !== 'max-throughput') return s.tokens;
  if (s.attentionChips > 0 || hw.attentionChips > 0) return s.tokens;
  const weightsOnly = planSystem({ ...s, fitPolicy: 'fixed' }, m, hw, batchWork(s, 0));
  const tp = weightsOnly.tensorParallel;
  const kvPerSeq =
    (batchWork(s, 1).kvTokens * m.kvBytesPerToken * m.layers * tp) /
    (weightsOnly.stageChips * Math.min(tp, m.kvSplit));
  const room = weightsOnly.capacityPerChip - weightsOnly.bytesPerChip;
  return Math.max(1, Math.min(s.tokens, Math.floor(room / kvPerSeq)));
}

export interface PrepareOptions {
  /** Reuse a model shape computed once (sweeps). */
  shape?: ModelShape;
  /** Skip the human-readable notes (sweeps). */
  quiet?: boolean;
}

/**
 * The layout and batch a projection would use, without its per-rank resources: cheap enough for a search to
 * check fit and skip repeated layouts before projecting (layoutSearch.ts).
 */
export function planOnly(
  s: Scenario,
  hwIn: HardwareSpec,
  m: ModelShape,
): { stack: StackProfile; hw: HardwareSpec; work: BatchWork; layout: SystemLayout } {
  const stack = STACKS[s.stackLevel] ?? STACKS.tuned;
  const hw = hardwareUnder(hwIn, stack);
  const work = batchWork(s, servedSequences(s, m, hw));
  return { stack, hw, work, layout: planSystem(s, m, hw, work) };
}

export function prepare(
  s: Scenario,
  hwIn: HardwareSpec,
  loadIn?: LoadProfile,
  opt: PrepareOptions = {},
): Prepared {
  const load = loadIn ?? uniformLoad(s);
  const bad = loadMismatch(s, load);
  if (bad) throw new Error(bad);
  const m = opt.shape ?? modelShape(s);
  const { stack, hw, work, layout } = planOnly(s, hwIn, m);
  const X = hw.experts;
  const notes: string[] = [];
  const groups = Math.max(1, Math.floor(layout.stageChips / (layout.expertRanks * layout.expertShard)));
  const disagg = layout.attentionChips > 0;
  const expertTokens = disagg ? layout.microBatch : layout.microBatch / groups;
  const tile = Math.max(X.tileRows, 1);
  const unique: number[] = [];
  const multiplicity: number[] = [];
  // Model layer i uses profile layer ⌊i·L_p/L_moe⌋, which never decreases with i: equal layers are adjacent.
  for (let i = 0; i < m.moeLayers; i++) {
    const li = load.uniform ? 0 : profileLayerFor(load, i, m.moeLayers);
    if (unique.length > 0 && unique[unique.length - 1] === li) multiplicity[multiplicity.length - 1]++;
    else {
      unique.push(li);
      multiplicity.push(1);
    }
  }
  // A static-shape chip is compiled for a capacity factor; a dropless scenario runs it at 1 (docs/COST_MODEL.md §1).
  const staticCapacityFactor = X.staticShapes ? (s.capacityFactor > 0 ? s.capacityFactor : 1) : undefined;
  const resources = cachedResources(
    load,
    unique,
    expertTokens,
    layout.expertRanks,
    s,
    tile,
    staticCapacityFactor,
  );
  const moePerStage = m.moeLayers / layout.stages;
  const residentSlots =
    X.memBytes > 0 && X.sramResidentShare > 0 && moePerStage > 0
      ? (X.sramBytes * X.sramResidentShare) / ((m.expertBytes / layout.expertShard) * moePerStage)
      : 0;
  const prepared = {
    s,
    m,
    work,
    stack,
    hw,
    layout,
    load,
    unique,
    multiplicity,
    resources,
    groups,
    expertTokens,
    residentSlots,
    notes,
  };
  // The notes below only explain the projection; sweeps ask for it quietly.
  if (opt.quiet) return prepared;
  if (m.mla) notes.push(`MLA attention dimensions from ${m.mla.source}.`);
  if (s.phase === 'decode') notes.push(...servingNotes(s, work));
  if (load.uniform)
    notes.push('No measured counts: uniform routing (each expert chosen with probability k/E).');
  else {
    const l0 = load.layers[unique[0]];
    if (!(l0.tokens === expertTokens || l0.stepTokens === expertTokens)) {
      notes.push(
        `Counts measured over ${fmt(l0.tokens)} tokens, scaled to ${fmt(expertTokens)} tokens per expert group ` +
          '(expected distinct experts and padding from per-expert probabilities).',
      );
    }
    if (load.layers.length !== m.moeLayers) {
      notes.push(`${load.layers.length} measured layer(s) stretched over ${m.moeLayers} MoE layers.`);
    }
    if (load.phase !== s.phase) notes.push(`Counts come from ${load.phase}; projecting ${s.phase}.`);
  }
  if (!layout.fits) {
    notes.push(
      layout.grown
        ? `The model does not fit ${s.chipCount} chip(s); grown to ${layout.stages} pipeline stage(s) of ` +
            `${layout.stageChips} chips${disagg ? ` plus ${layout.attentionChips} attention chips` : ''}.`
        : `The model does not fit ${s.chipCount} chip(s) (${fmt(layout.bytesPerChip / 1e9)} GB per chip, ` +
            `${fmt(layout.capacityPerChip / 1e9)} GB usable); projected anyway.`,
    );
  }
  if (s.costBasis === 'rental' && [hw.experts, hw.attention].some((c) => c.rentalPerHour === undefined)) {
    notes.push('No published rental price: cost from ownership (purchase amortised plus electricity).');
  }
  if (disagg)
    notes.push(
      `Attention on ${layout.attentionChips} × ${hw.attention.name}; experts on ${hw.experts.name}.`,
    );
  if (layout.expertShard > 1) notes.push(`Each expert is split over ${layout.expertShard} chips.`);
  if (staticCapacityFactor !== undefined) {
    notes.push(
      `Static shapes: every expert computes ⌈${staticCapacityFactor} · T·k/E⌉ rows and reads its weights on every ` +
        `step (capacity factor ${staticCapacityFactor}${s.capacityFactor > 0 ? '' : ', as the scenario is dropless'}); rows over it are dropped.`,
    );
  }
  return prepared;
}

function servingNotes(s: Scenario, w: BatchWork): string[] {
  const notes: string[] = [];
  if (s.servingMode === 'max-throughput')
    notes.push(
      `Max throughput: ${fmt(w.seqs)} sequences${w.seqs < s.tokens ? ' (as many as the KV cache holds)' : ` (the cap T = ${fmt(s.tokens)})`} at a mean KV length of ${fmt(w.kvLength)}.`,
    );
  if (s.servingMode !== 'fixed')
    notes.push(
      `Served decode: ${fmt(w.prefillTokens)} prompt tokens (inputs of ${fmt(s.inputLength)} for outputs of ${fmt(s.outputLength)}) computed in each step beside ${fmt(w.seqs)} decoding sequences.`,
    );
  if (s.speculative !== 'none')
    notes.push(
      `Speculative decoding (${s.speculative === 'mtp' ? 'MTP heads' : `a ${fmt(s.draftParams)} B draft model`}): ${s.draftTokens} draft token(s) checked per step, ${fmt(w.emitted)} tokens emitted per step; the draft's cost is charged.`,
    );
  return notes;
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}
