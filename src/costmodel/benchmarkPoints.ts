/**
 * A served-model benchmark point (a published row or a user's own measurement) as a scenario, and the model's
 * projection of the same metric. The calibration set (calibrationSet.ts) and the user's CSV overlay both go through
 * here, so what the validation table shows is what a user's points get.
 */
import {
  type ActFormat,
  applyModelPreset,
  defaultScenario,
  findModelPreset,
  type Scenario,
  type WeightFormat,
} from '../scenario';
import { hardwareSpec } from './chips';
import { projectScenario } from './project';
import type { Projection } from './types';

export type BenchmarkMetric = 'tpot-ms' | 'output-tok-s' | 'tok-s-per-user';
export const BENCHMARK_METRICS: readonly BenchmarkMetric[] = ['tpot-ms', 'output-tok-s', 'tok-s-per-user'];
export type StackLevel = Scenario['stackLevel'];

export interface BenchmarkPoint {
  /** A short name for tables (optional for user points). */
  id?: string;
  /** Model preset id (src/scenario/presets/models.ts) and chip preset id. */
  model: string;
  chip: string;
  /** Chips in the whole system; `replicas` independent copies of the model share them (default 1). */
  chips: number;
  replicas?: number;
  /** Attention tensor parallel per replica; expert parallel; expert TP (default tp / ep: vLLM's TP8 = EP1 × TP8). */
  tp: number;
  ep: number;
  etp?: number;
  weightFormat?: WeightFormat;
  expertFormat?: WeightFormat;
  kvFormat?: ActFormat;
  actFormat?: ActFormat;
  inputLength: number;
  outputLength: number;
  /** Concurrent requests in the whole system, or 'max': the largest batch the KV cache holds (offline runs). */
  concurrency: number | 'max';
  /** Largest batch per replica a max-throughput run may use (the engine's max batch size; default 2048). */
  maxBatch?: number;
  metric: BenchmarkMetric;
  value: number;
  /** Where the number comes from and the software that measured it (shown, not used). */
  source?: string;
  software?: string;
}

export interface ProjectedPoint {
  point: BenchmarkPoint;
  scenario: Scenario;
  projection: Projection;
  /** The projection in the point's metric and its signed error (projected − measured) / measured. */
  projected: number;
  error: number;
}

/** Default engine cap on the batch of a max-throughput run (TensorRT-LLM's and vLLM's order of magnitude). */
export const DEFAULT_MAX_BATCH = 2048;

/** Why a point cannot be projected (unknown model or chip, impossible layout), or undefined. */
export function pointProblem(p: BenchmarkPoint): string | undefined {
  if (!findModelPreset(p.model)) return `unknown model "${p.model}"`;
  try {
    hardwareSpec(p.chip);
  } catch {
    return `unknown chip "${p.chip}"`;
  }
  const replicas = p.replicas ?? 1;
  const per = p.chips / replicas;
  if (!Number.isInteger(per) || per < 1) return `${p.chips} chips do not split into ${replicas} replicas`;
  if (p.tp > per || p.ep > per) return `TP ${p.tp} or EP ${p.ep} is more than the ${per} chips per replica`;
  if (!(p.value > 0) || !Number.isFinite(p.value)) return 'the measured value is not a positive number';
  if (p.concurrency !== 'max' && !(p.concurrency >= 1)) return 'concurrency must be at least 1 or "max"';
  return undefined;
}

/** The scenario one replica of the point runs. */
export function scenarioForPoint(p: BenchmarkPoint, stackLevel: StackLevel = 'tuned'): Scenario {
  const replicas = p.replicas ?? 1;
  const chipCount = p.chips / replicas;
  const s = applyModelPreset(defaultScenario(), p.model);
  s.chips = [p.chip];
  s.chipCount = chipCount;
  s.tensorParallel = p.tp;
  s.expertParallel = p.ep;
  s.expertTensorParallel = p.etp ?? Math.max(1, Math.floor(p.tp / p.ep));
  if (p.weightFormat) s.weightFormat = p.weightFormat;
  if (p.expertFormat) s.expertFormat = p.expertFormat;
  if (p.kvFormat) s.kvFormat = p.kvFormat;
  if (p.actFormat) s.actFormat = p.actFormat;
  s.phase = 'decode';
  s.inputLength = p.inputLength;
  s.outputLength = p.outputLength;
  s.contextLength = p.inputLength + Math.ceil(p.outputLength / 2);
  if (p.concurrency === 'max') {
    s.servingMode = 'max-throughput';
    s.tokens = p.maxBatch ?? DEFAULT_MAX_BATCH;
  } else {
    s.servingMode = 'served';
    s.tokens = Math.max(1, Math.round(p.concurrency / replicas));
  }
  s.fitPolicy = 'fixed';
  s.overlap = 'sum';
  s.stackLevel = stackLevel;
  return s;
}

/** The point's metric read off a projection of one replica. */
export function metricOf(p: BenchmarkPoint, proj: Projection): number {
  const replicas = p.replicas ?? 1;
  switch (p.metric) {
    case 'tpot-ms':
      return 1000 / proj.tokensPerSecPerUser;
    case 'tok-s-per-user':
      return proj.tokensPerSecPerUser;
    case 'output-tok-s':
      return proj.throughput * replicas;
  }
}

export function projectPoint(p: BenchmarkPoint, stackLevel: StackLevel = 'tuned'): ProjectedPoint {
  const scenario = scenarioForPoint(p, stackLevel);
  const projection = projectScenario(scenario, p.chip);
  const projected = metricOf(p, projection);
  return { point: p, scenario, projection, projected, error: (projected - p.value) / p.value };
}
