/**
 * Cost-model benchmark: one projection (budget 5 ms) and a 10,000-point design sweep (budget 1 s), plus the
 * validation table. `npx tsx bench/costmodel.ts`, or runCostModelBench() from bench/run.ts.
 */
import { pathToFileURL } from 'node:url';
import { type LoadProfile, loadFromCounts, projectScenario, runSweep } from '../src/costmodel';
import { type ValidationPoint, validationPoints } from '../src/costmodel/validation';
import { applyModelPreset, defaultScenario, type Scenario } from '../src/scenario';

export interface CostModelBenchRow {
  case: string;
  runs: number;
  medianMs: number;
  minMs: number;
  budgetMs: number;
  pass: boolean;
}

export interface CostModelBenchResult {
  rows: CostModelBenchRow[];
  validation: ValidationPoint[];
}

/** Zipf-skewed counts for L layers × E experts (a deterministic stand-in for measured load). */
function skewedLoad(
  layers: number,
  experts: number,
  topK: number,
  tokens: number,
  seed: number,
): LoadProfile {
  const counts: number[][] = [];
  for (let l = 0; l < layers; l++) {
    const w = Array.from({ length: experts }, (_, e) => 1 / (1 + ((e * 7 + l * 13 + seed) % experts)) ** 0.8);
    const sum = w.reduce((a, b) => a + b, 0);
    counts.push(w.map((x) => Math.round((x / sum) * tokens * topK)));
  }
  return loadFromCounts({ counts, topK, tokens, phase: 'decode', source: 'synthetic' });
}

const SIX_CHIPS = ['h100', 'h200', 'b200', 'mi300x', 'groq-lpu', 'dyn-native'];

function time(runs: number, fn: (i: number) => void): { median: number; min: number } {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[ms.length >> 1], min: ms[0] };
}

function row(name: string, runs: number, budgetMs: number, fn: (i: number) => void): CostModelBenchRow {
  fn(-1); // warm-up: JIT and shared caches
  const t = time(runs, fn);
  return { case: name, runs, medianMs: t.median, minMs: t.min, budgetMs, pass: t.median < budgetMs };
}

export function runCostModelBench(print = true): CostModelBenchResult {
  const v3: Scenario = {
    ...applyModelPreset(defaultScenario(), 'deepseek-v3'),
    weightFormat: 'fp8',
    expertFormat: 'fp8',
    phase: 'decode',
    tokens: 88 * 144,
    contextLength: 4989,
    chipCount: 144,
    expertParallel: 144,
    expertPlacement: 'eplb',
    redundantExperts: 32,
    overlap: 'dual-batch',
  };
  const mixtral: Scenario = {
    ...applyModelPreset(defaultScenario(), 'mixtral-8x7b'),
    phase: 'decode',
    tokens: 256,
  };
  // The layout search picks chips, TP, EP and batch itself; the scenario gives the model, formats and workload.
  const v3Serving: Scenario = { ...v3, expertPlacement: 'round-robin', redundantExperts: 0, overlap: 'max' };
  const loads = Array.from({ length: 40 }, (_, i) => skewedLoad(58, 256, 8, v3.tokens, i));
  // What the app projects: a few measured layers (the GPU engine runs one layer per step) on an 8-chip system.
  const olmoe: Scenario = {
    ...applyModelPreset(defaultScenario(), 'olmoe-1b-7b'),
    phase: 'prefill',
    tokens: 1024,
    expertPlacement: 'load-aware',
  };
  const small = Array.from({ length: 40 }, (_, i) => skewedLoad(4, 64, 8, 1024, i));
  const rows: CostModelBenchRow[] = [
    row('projection, DeepSeek-V3 on 144 × H800, uniform load', 50, 5, () => {
      projectScenario(v3, 'h800');
    }),
    row('projection, OLMoE, 4 measured layers on 8 × H100, new load each run', 30, 5, (i) => {
      projectScenario(olmoe, 'h100', small[(i + 40) % 40]);
    }),
    row('projection, OLMoE, 4 measured layers on the dynamism-native chip', 50, 5, () => {
      projectScenario(olmoe, 'dyn-native', small[0]);
    }),
    row('stress: DeepSeek-V3, 58 measured layers × 144 ranks, new load (cold)', 30, 5, (i) => {
      projectScenario(v3, 'h800', loads[(i + 40) % 40]);
    }),
    row('stress: DeepSeek-V3, 58 measured layers × 144 ranks (warm)', 50, 5, () => {
      projectScenario(v3, 'h800', loads[0]);
    }),
    row('stress: DeepSeek-V3, 58 measured layers, H100 + SRAM-chip pair', 50, 5, () => {
      projectScenario(v3, 'pair-h100-sram', loads[0]);
    }),
    row('projection, Mixtral 8x7B on 8 × H100', 50, 5, () => {
      projectScenario(mixtral, 'h100');
    }),
    row('batch frontier, 15 batches × 3 chips, DeepSeek-V3', 5, 1000, () => {
      runSweep({ kind: 'frontier', scenario: v3, chips: ['h800', 'dyn-native', 'sram-7nm'] });
    }),
    row('layout search, one chip: DeepSeek-V3 on H100 (TP, EP, expert TP, batch, stages)', 9, 200, () => {
      runSweep({ kind: 'layouts', scenario: v3Serving, chips: ['h100'] });
    }),
    row(
      'layout search, 6 chips: DeepSeek-V3 (H100, H200, B200, MI300X, Groq LPU, dyn-native)',
      5,
      1000,
      () => {
        runSweep({ kind: 'layouts', scenario: v3Serving, chips: SIX_CHIPS });
      },
    ),
    row('design sweep, 10,000 designs, Mixtral 8x7B', 3, 1000, () => {
      runSweep({ kind: 'design', scenario: mixtral, baseChip: 'dyn-native', target: 100 });
    }),
    row('design sweep, 10,000 designs, DeepSeek-V3 (8 chips)', 3, 1000, () => {
      runSweep({
        kind: 'design',
        scenario: { ...v3, chipCount: 8, expertParallel: 8, tokens: 1024 },
        target: 50,
      });
    }),
  ];
  const validation = validationPoints();
  if (print) {
    const w = Math.max(...rows.map((r) => r.case.length));
    const lines = [
      'cost model benchmark (median of runs after one warm-up)',
      `${'case'.padEnd(w)}  runs  median ms   min ms  budget  ok`,
      ...rows.map(
        (r) =>
          `${r.case.padEnd(w)}  ${String(r.runs).padStart(4)}  ${r.medianMs.toFixed(3).padStart(9)}  ${r.minMs
            .toFixed(3)
            .padStart(7)}  ${String(r.budgetMs).padStart(6)}  ${r.pass ? 'yes' : 'NO'}`,
      ),
      '',
      'validation against published measurements (docs/COST_MODEL.md)',
      ...validation.map(
        (p) =>
          `${p.what.padEnd(60)} published ${p.published.toPrecision(4).padStart(8)} ${p.unit.padEnd(8)} model ${p.model
            .toPrecision(4)
            .padStart(8)}  error ${p.errorPct >= 0 ? '+' : ''}${p.errorPct.toFixed(1)} %`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return { rows, validation };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { rows } = runCostModelBench();
  process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
}
