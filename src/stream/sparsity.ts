import { distinctExpertsVariance, expectedDistinctExperts } from '../metrics';
import type { LayerRunner } from './runners';
import type { StepSource } from './sources';

/**
 * The decode sparsity curve: distinct experts a decode step touches against the batch size B, measured, beside the
 * uniform-routing expectation E·(1 − (1 − k/E)^B). Weight traffic in decode grows with the distinct experts, so the
 * cost model takes the measured curve (through per-step counts) instead of the formula.
 */

export interface SparsityPoint {
  batch: number;
  steps: number;
  /** Mean distinct experts per step, measured, and its standard deviation over steps. */
  measured: number;
  measuredStd: number;
  /** Smallest and largest step. */
  min: number;
  max: number;
  /** E·(1 − (1 − k/E)^B), and the standard deviation of one step under uniform routing. */
  uniform: number;
  uniformStd: number;
  /** measured / uniform. */
  ratio: number;
}

export interface SparsityCurve {
  layerId: number;
  experts: number;
  topK: number;
  source: StepSource['kind'];
  points: SparsityPoint[];
  note: string;
}

/** Default batch sizes: powers of two from 1 up to max(64, the scenario's batch), at most 256, plus that batch. */
export function defaultBatchSizes(tokens: number, experts: number): number[] {
  const top = Math.min(256, Math.max(64, tokens, experts));
  const out = new Set<number>();
  for (let b = 1; b <= top; b *= 2) out.add(b);
  if (tokens <= 256) out.add(tokens);
  return [...out].sort((a, b) => a - b);
}

export interface SparsityOptions {
  signal?: AbortSignal;
  onRun?: () => void;
}

/** Measures the curve: one source per batch size (its first measured layer), every step run on the runner. */
export async function decodeSparsity(
  runner: LayerRunner,
  batchSizes: readonly number[],
  sourceFor: (batch: number) => StepSource,
  opts: SparsityOptions = {},
): Promise<SparsityCurve> {
  const points: SparsityPoint[] = [];
  let first: StepSource | null = null;
  for (const batch of batchSizes) {
    const source = sourceFor(batch);
    first ??= source;
    const { experts: E, topK: k } = source.cfg;
    const distinct = new Float64Array(source.steps);
    for (let step = 0; step < source.steps; step++) {
      opts.signal?.throwIfAborted();
      const r = await runner.run(source.cfg, source.tensors(0, step));
      let n = 0;
      for (const c of r.counts) if (c > 0) n++;
      distinct[step] = n;
      opts.onRun?.();
    }
    const mean = distinct.reduce((a, v) => a + v, 0) / distinct.length;
    const variance =
      distinct.length > 1 ? distinct.reduce((a, v) => a + (v - mean) ** 2, 0) / (distinct.length - 1) : 0;
    const uniform = expectedDistinctExperts(E, k, batch);
    points.push({
      batch,
      steps: source.steps,
      measured: mean,
      measuredStd: Math.sqrt(variance),
      min: Math.min(...distinct),
      max: Math.max(...distinct),
      uniform,
      uniformStd: Math.sqrt(distinctExpertsVariance(E, k, batch)),
      ratio: uniform > 0 ? mean / uniform : 1,
    });
  }
  const src = first as StepSource;
  return {
    layerId: src.layerIds[0],
    experts: src.cfg.experts,
    topK: src.cfg.topK,
    source: src.kind,
    points,
    note:
      `distinct experts per decode step over ${src.steps} steps per batch size, MoE layer ${src.layerIds[0]} ` +
      `(${src.kind === 'uniform' ? 'uniform routing: i.i.d. logits' : "the scenario's generator"}); uniform: E·(1 − (1 − k/E)^B)`,
  };
}
