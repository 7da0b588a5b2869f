import {
  concatSeries,
  type NetworkComparison,
  networkBeforeAfter,
  type Placement,
  type SeriesSummary,
  type StepSeries,
  stepSeries,
  summarizeSeries,
} from '../metrics';
import { allToAllBytesPerRow, findChipPreset, type Scenario } from '../scenario';
import { capacityOf, type LayerConfig, layerConfigFromScenario } from '../workload';
import { type BiasBalancing, biasBalancing } from './bias';
import { type DriftOptions, type PlacementReport, placementReport, placementTopology } from './placement';
import type { LayerRunner, RunnerInfo } from './runners';
import { generatedSource, MAX_MEASURED_LAYERS, type StepSource, uniformSource } from './sources';
import { decodeSparsity, defaultBatchSizes, type SparsityCurve } from './sparsity';

/**
 * A stream on an engine: every step × measured MoE layer runs the whole layer (GPU or CPU reference), and the
 * counts become per-layer steps × experts matrices, per-step metrics with percentiles, a layers × experts matrix,
 * and (optionally) the bias-balancing what-if, the decode sparsity curve and plain vs EPLB placement.
 */

export interface StreamLayer {
  /** Model MoE layer index (imported: the file's layer id). */
  layerId: number;
  /** [steps, E] c_e per step, before capacity. */
  counts: Int32Array;
  /** [steps, E] kept after capacity. */
  kept: Int32Array;
  /** [E] Σ of counts over the steps. */
  total: Int32Array;
  series: StepSeries;
  summary: SeriesSummary;
}

/** One measured layer's network under round-robin, load-aware and EPLB, over the stream's kept steps. */
export interface StreamNetworkLayer extends NetworkComparison {
  layerId: number;
}

/** Dispatch and combine traffic per measured layer (metrics/network), when StreamOptions.network asks for it. */
export interface StreamNetwork {
  /** The scenario's expertPlacement when the stream ran: the placement its projection charges. */
  placement: Placement;
  ranks: number;
  /** Ranks per scale-up domain. */
  domain: number;
  redundant: number;
  dispatchBytesPerRow: number;
  combineBytesPerRow: number;
  /** Steps whose choices were kept (the first ones, within the byte budget), each a batch of tokensPerStep. */
  steps: number;
  tokensPerStep: number;
  layers: StreamNetworkLayer[];
  note: string;
}

export interface StreamResult {
  source: StepSource['kind'];
  label: string;
  phase: 'prefill' | 'decode';
  seed: number;
  steps: number;
  tokensPerStep: number;
  experts: number;
  topK: number;
  blockSize: number;
  /** Capacity per expert per step (0 = dropless). */
  capacity: number;
  /** The layer as it ran. */
  cfg: LayerConfig;
  planNote: string;
  /** Layers in the model (or the file), and the measured ones. */
  totalLayers: number;
  layers: StreamLayer[];
  /** [measured layers, E] Σ counts over the steps. */
  layerMatrix: Int32Array;
  /** Percentiles pooled over every measured layer and step. */
  summary: SeriesSummary;
  bias?: BiasBalancing;
  sparsity?: SparsityCurve;
  placement?: PlacementReport;
  network?: StreamNetwork;
  runner: RunnerInfo;
  /** Layer runs, their summed wall time (uploads and readback included), and the whole call's wall time. */
  runs: number;
  runMs: number;
  wallMs: number;
  /** The engine's own time for those runs, when the runner reports it (GPU: submit until idle). */
  engineMs?: number;
  /** One line per limit, skip or caveat. */
  notes: string[];
}

export type StreamStage = 'stream' | 'bias' | 'sparsity';

export interface StreamOptions {
  /** Steps of the main stream (default the scenario's). */
  steps?: number;
  /** Most MoE layers measured (default 8). */
  maxLayers?: number;
  /** The layer as it runs (default: the runner's plan for the scenario, else full size). */
  cfg?: LayerConfig;
  /** Replace the generated stream (e.g. importedSource). */
  source?: StepSource;
  /**
   * Bias-balancing what-if (token-choice only). `steps` default: the stream's steps, at least 32 for a generated
   * stream; `layers`: how many measured layers (default 1, the first); `rate` default defaultBiasRate.
   */
  bias?: false | { rate?: number; steps?: number; layers?: number };
  /** Decode sparsity curve (generated streams). Defaults: defaultBatchSizes, 16 steps each, first measured layer. */
  sparsity?: false | { batchSizes?: number[]; steps?: number; uniform?: boolean };
  /**
   * Plain vs EPLB placement. Defaults: the scenario's expert-parallel degree and redundant replicas (or one per chip).
   * `drift`: the drift analysis' windows (false: none).
   */
  placement?: false | { ranks?: number; redundant?: number; drift?: false | DriftOptions };
  /**
   * Network view (token-choice only; off unless given): each step's per-token top-k ids are kept (dropped pairs
   * left out) while they fit `maxBytes` (default 64 MiB; later steps are left out, and said so), and every measured
   * layer gets its dispatch/combine byte matrices under round-robin, load-aware and EPLB. Each step is a batch of T tokens
   * split over the ranks in contiguous blocks. Defaults: ranks = the scenario's expert-parallel degree, domain =
   * the first compared chip's scale-up domain (else all ranks), redundant = as for `placement`, bytes per row = dModel × the dispatch
   * element bytes (allToAllBytesPerRow, as the cost model) and dModel × activation bytes for the combine.
   */
  network?: {
    ranks?: number;
    domain?: number;
    redundant?: number;
    dispatchBytesPerRow?: number;
    combineBytesPerRow?: number;
    maxBytes?: number;
  };
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; stage: StreamStage }) => void;
}

const BIAS_MIN_STEPS = 32;
/** Per-token choices kept for the network view, at most this many bytes. */
const NETWORK_BYTES = 64 * 2 ** 20;
const SPARSITY_STEPS = 16;

export async function runStream(
  engine: LayerRunner,
  s: Scenario,
  opts: StreamOptions = {},
): Promise<StreamResult> {
  const t0 = performance.now();
  const engineRuns0 = engine.stats?.runs ?? 0;
  const engineMs0 = engine.stats?.ms ?? 0;
  let runs = 0;
  let runMs = 0;
  /** The engine, with every call counted and timed here (whatever the engine reports itself). */
  const runner: LayerRunner = {
    info: engine.info,
    plan: engine.plan?.bind(engine),
    async run(cfg, tensors) {
      const r0 = performance.now();
      const out = await engine.run(cfg, tensors);
      runs++;
      runMs += performance.now() - r0;
      return out;
    },
  };
  const planned = opts.cfg
    ? { cfg: opts.cfg, note: 'layer config as given' }
    : (runner.plan?.(s) ?? { cfg: layerConfigFromScenario(s), note: 'full size' });
  const source =
    opts.source ??
    generatedSource(s, planned.cfg, { steps: opts.steps, maxLayers: opts.maxLayers ?? MAX_MEASURED_LAYERS });
  const cfg = source.cfg;
  const E = cfg.experts;
  const S = source.steps;
  const notes = [...source.notes];
  if (runner.info.routingOnly) notes.push('routing only: the expert FFN and combine were not run');

  // ---- plan the work, for progress ----
  const tokenChoice = cfg.routingMode === 'token-choice';
  const biasOpts = opts.bias === false ? null : (opts.bias ?? {});
  let biasSource: StepSource | null = null;
  if (biasOpts) {
    if (!tokenChoice) notes.push('bias balancing skipped: it needs token-choice routing');
    else if (source.fixedChoices) {
      notes.push(
        'bias balancing skipped: replayed choices are fixed by their logits, a bias cannot move them',
      );
    } else {
      const want = biasOpts.steps ?? (source.kind === 'generated' ? Math.max(S, BIAS_MIN_STEPS) : S);
      const layers = Math.max(1, Math.min(source.layerIds.length, biasOpts.layers ?? 1));
      if (want < 2) notes.push('bias balancing skipped: it needs at least 2 steps');
      else if (source.kind === 'generated') {
        biasSource = generatedSource(s, cfg, {
          steps: want,
          layers: source.layerIds.slice(0, layers),
          phase: source.phase,
        });
      } else {
        biasSource = { ...source, layerIds: source.layerIds.slice(0, layers) };
      }
    }
  }
  const sparsityOpts = opts.sparsity === false ? null : (opts.sparsity ?? {});
  const batchSizes = sparsityOpts ? (sparsityOpts.batchSizes ?? defaultBatchSizes(cfg.tokens, E)) : [];
  const sparsitySteps = sparsityOpts?.steps ?? SPARSITY_STEPS;
  const doSparsity = sparsityOpts !== null && source.kind === 'generated' && tokenChoice;
  if (sparsityOpts && !doSparsity) {
    notes.push(
      tokenChoice
        ? 'decode sparsity curve skipped: it is generated from the scenario, not from an imported trace'
        : 'decode sparsity curve skipped: expert-choice routing touches every expert by construction',
    );
  }
  // The bias what-if reuses the stream's own max/mean as its baseline when it runs the same steps.
  const biasReuse = biasSource !== null && biasSource.steps === S;
  const total =
    S * source.layerIds.length +
    (biasSource ? biasSource.steps * biasSource.layerIds.length * (biasReuse ? 1 : 2) : 0) +
    (doSparsity ? batchSizes.length * sparsitySteps : 0);
  let done = 0;
  const tick = (stage: StreamStage) => () => opts.onProgress?.({ done: ++done, total, stage });

  // ---- network view: which steps' choices to keep ----
  const netOpts = opts.network;
  const K = cfg.topK;
  const T = cfg.tokens;
  let keepSteps = 0;
  if (netOpts) {
    if (!tokenChoice)
      notes.push('network view skipped: it needs token-choice routing (per-token expert ids)');
    else {
      const budget = netOpts.maxBytes ?? NETWORK_BYTES;
      const perStep = source.layerIds.length * T * K * 4;
      keepSteps = Math.min(S, Math.floor(budget / Math.max(1, perStep)));
      if (keepSteps < 1)
        notes.push(`network view skipped: one step's choices need more than ${budget} bytes`);
      else if (keepSteps < S)
        notes.push(
          `network view over the first ${keepSteps} of ${S} steps (choices kept within ${budget} bytes)`,
        );
    }
  }
  const keptIds: Int32Array[] = [];

  // ---- the stream ----
  const layers: StreamLayer[] = [];
  const step = tick('stream');
  for (let i = 0; i < source.layerIds.length; i++) {
    const ids = keepSteps > 0 ? new Int32Array(keepSteps * T * K) : null;
    if (ids) keptIds.push(ids);
    const counts = new Int32Array(S * E);
    const kept = new Int32Array(S * E);
    const totalRow = new Int32Array(E);
    for (let n = 0; n < S; n++) {
      opts.signal?.throwIfAborted();
      const r = await runner.run(cfg, source.tensors(i, n));
      counts.set(r.counts, n * E);
      kept.set(r.kept, n * E);
      for (let e = 0; e < E; e++) totalRow[e] += r.counts[e];
      if (ids && n < keepSteps) {
        // Dropped (token, slot) pairs (position −1 under a capacity) are never sent: left out as −1.
        const at = n * T * K;
        const dropping = r.positions.length === T * K && capacityOf(cfg) > 0;
        for (let q = 0; q < T * K; q++) ids[at + q] = dropping && r.positions[q] < 0 ? -1 : r.topkIds[q];
      }
      step();
    }
    const series = stepSeries({
      counts,
      kept,
      experts: E,
      tokens: cfg.tokens,
      topK: cfg.topK,
      blockSize: cfg.blockSize,
    });
    layers.push({
      layerId: source.layerIds[i],
      counts,
      kept,
      total: totalRow,
      series,
      summary: summarizeSeries(series),
    });
  }
  const layerMatrix = new Int32Array(layers.length * E);
  layers.forEach((l, i) => {
    layerMatrix.set(l.total, i * E);
  });

  // ---- what-ifs ----
  let bias: BiasBalancing | undefined;
  if (biasSource) {
    bias = await biasBalancing(runner, biasSource, {
      rate: biasOpts?.rate,
      signal: opts.signal,
      onRun: tick('bias'),
      baseline: biasReuse
        ? layers.slice(0, biasSource.layerIds.length).map((l) => l.series.maxOverMean)
        : undefined,
    });
  }
  let sparsity: SparsityCurve | undefined;
  if (doSparsity) {
    const layer = source.layerIds[0];
    sparsity = await decodeSparsity(
      runner,
      batchSizes,
      (batch) =>
        sparsityOpts?.uniform
          ? uniformSource(s, cfg, { steps: sparsitySteps, tokens: batch })
          : generatedSource(s, cfg, {
              steps: sparsitySteps,
              tokens: batch,
              phase: 'decode',
              layers: [layer],
            }),
      { signal: opts.signal, onRun: tick('sparsity') },
    );
  }
  let placement: PlacementReport | undefined;
  if (opts.placement !== false) {
    const ranks = opts.placement?.ranks ?? s.expertParallel;
    const redundant = opts.placement?.redundant ?? (s.redundantExperts > 0 ? s.redundantExperts : ranks);
    placement = placementReport(layers, E, ranks, redundant, {
      topology: placementTopology(s, ranks),
      drift: opts.placement?.drift,
    });
    if (opts.placement?.redundant === undefined && s.redundantExperts === 0)
      notes.push(`EPLB what-if uses ${redundant} redundant replicas (one per chip); the scenario sets none`);
  }

  let network: StreamNetwork | undefined;
  if (netOpts && keepSteps > 0) {
    const ranks = Math.max(1, Math.floor(netOpts.ranks ?? s.expertParallel));
    const redundant =
      netOpts.redundant ??
      (opts.placement || undefined)?.redundant ??
      (s.redundantExperts > 0 ? s.redundantExperts : ranks);
    const chip = s.chips.length ? findChipPreset(s.chips[0]) : undefined;
    const domain = Math.max(
      1,
      Math.min(ranks, Math.floor(netOpts.domain ?? chip?.model.scaleUpDomain.value ?? ranks)),
    );
    const dispatchBytesPerRow = netOpts.dispatchBytesPerRow ?? allToAllBytesPerRow(s).dispatch;
    const combineBytesPerRow = netOpts.combineBytesPerRow ?? allToAllBytesPerRow(s).combine;
    const net = { dispatchBytesPerRow, combineBytesPerRow, domain, stepTokens: T };
    network = {
      placement: s.expertPlacement,
      ranks,
      domain,
      redundant,
      dispatchBytesPerRow,
      combineBytesPerRow,
      steps: keepSteps,
      tokensPerStep: T,
      layers: layers.map((l, i) => ({
        layerId: l.layerId,
        // Load-aware and EPLB placed from the layer's load over the whole stream, as `placement` does.
        ...networkBeforeAfter({ tokens: keepSteps * T, topK: K, ids: keptIds[i] }, E, ranks, redundant, {
          ...net,
          history: l.total,
        }),
      })),
      note:
        `${ranks} ranks in scale-up domains of ${domain}; each step's ${T} tokens split over the ranks in ` +
        'contiguous blocks (attention data parallel); one row per (token, destination rank); load-aware and ' +
        `EPLB (${redundant} redundant replicas) placed from each layer's load over the stream`,
    };
  }

  return {
    source: source.kind,
    label: source.label,
    phase: source.phase,
    seed: s.seed,
    steps: S,
    tokensPerStep: cfg.tokens,
    experts: E,
    topK: cfg.topK,
    blockSize: cfg.blockSize,
    capacity: capacityOf(cfg),
    cfg,
    planNote: planned.note,
    totalLayers: source.totalLayers,
    layers,
    layerMatrix,
    summary: summarizeSeries(concatSeries(layers.map((l) => l.series))),
    bias,
    sparsity,
    placement,
    network,
    runner: runner.info,
    runs,
    runMs,
    wallMs: performance.now() - t0,
    ...(engine.stats && engine.stats.runs - engineRuns0 === runs
      ? { engineMs: engine.stats.ms - engineMs0 }
      : {}),
    notes,
  };
}
