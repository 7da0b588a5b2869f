/**
 * A battery of deterministic random projections serialised to JSON, to show that a refactor of the cost model
 * changes no result: run it before and after and compare the files byte for byte.
 *
 *   npx tsx scripts/costmodelBattery.ts > before.json   (then again after the change, and `cmp` the two)
 *
 * Scenarios draw model presets, chips, placements, phases, overlap, system sizes and loads (uniform, exact, kept,
 * scaled, per-step traces, measured network factors) from a seeded generator.
 */
import {
  batchFrontier,
  type LoadProfile,
  loadFromCounts,
  projectionRanks,
  projectScenario,
} from '../src/costmodel';
import { applyModelPreset, defaultScenario, MODEL_PRESET_IDS, type Scenario } from '../src/scenario';

const CHIPS = [
  'h100',
  'h800',
  'h200',
  'b200',
  'mi300x',
  'tpu-v5e',
  'tpu-v6e',
  'gaudi3',
  'groq-lpu',
  'cerebras-wse3',
  'sram-7nm',
  'dyn-native',
  'compute-heavy',
  'pair-h100-sram',
];

let state = 12345;
function rand(): number {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function randomLoad(s: Scenario, kind: string): LoadProfile | undefined {
  if (kind === 'uniform') return undefined;
  const layers = pick([1, 2, 4, s.moeLayers]);
  const tokens = kind === 'exact' ? s.tokens : pick([64, 1000, 200000]);
  const counts: number[][] = [];
  const kept: number[][] = [];
  const steps: number[][][] = [];
  for (let l = 0; l < layers; l++) {
    const w = Array.from({ length: s.experts }, () => rand() ** 3 + (rand() < 0.1 ? 0 : 0.01));
    const sum = w.reduce((a, b) => a + b, 0);
    const c = w.map((x) => Math.round((x / sum) * tokens * s.topK));
    counts.push(c);
    kept.push(c.map((x) => Math.floor(x * (0.7 + 0.3 * rand()))));
    if (kind === 'trace') {
      const st: number[][] = [];
      for (let i = 0; i < 3; i++) st.push(c.map((x) => Math.round((x * s.tokens) / tokens)));
      steps.push(st);
    }
  }
  const load = loadFromCounts({
    counts,
    topK: s.topK,
    tokens,
    kept: kind === 'kept' ? kept : undefined,
    phase: s.phase,
    source: 'synthetic',
  });
  if (kind === 'trace') {
    load.layers.forEach((layer, l) => {
      layer.steps = steps[l];
      layer.stepTokens = s.tokens;
    });
  }
  if (kind === 'network') {
    load.layers.forEach((layer) => {
      const sendFactor = 1 + rand();
      layer.network = {
        sendRowsPerToken: sendFactor * s.topK,
        sendFactor,
        recvFactor: 1 + rand(),
        upShare: rand(),
      };
    });
  }
  return load;
}

const out: unknown[] = [];
const models = MODEL_PRESET_IDS.filter((m) => m !== 'custom');
for (let i = 0; i < 700; i++) {
  let s = defaultScenario();
  if (rand() < 0.8) s = applyModelPreset(s, pick(models));
  s.phase = pick(['prefill', 'decode'] as const);
  s.tokens = pick([1, 7, 32, 256, 4096, 65536]);
  s.contextLength = pick([1, 512, 4096, 32768]);
  s.chipCount = pick([1, 2, 8, 16, 64, 144]);
  s.expertParallel = Math.min(s.chipCount, pick([1, 2, 8, 16, 64, 144, 256]));
  s.tensorParallel = pick([1, 1, 2, 8]);
  s.expertPlacement = pick(['round-robin', 'load-aware', 'eplb'] as const);
  s.redundantExperts = s.expertPlacement === 'eplb' ? pick([0, 8, 32]) : 0;
  s.overlap = pick(['max', 'sum', 'dual-batch'] as const);
  s.fitPolicy = pick(['grow', 'fixed'] as const);
  s.costBasis = pick(['ownership', 'rental'] as const);
  const kind = pick(['uniform', 'exact', 'kept', 'scaled', 'trace', 'network']);
  const load = randomLoad(s, kind);
  const chip = pick(CHIPS);
  const p = projectScenario(s, chip, load);
  out.push({ i, chip, kind, p, ranks: projectionRanks(s, chip, load, 0) });
  if (rand() < 0.3) out.push({ i, again: projectScenario(s, chip, load, { detail: false }) });
}
const fs = defaultScenario();
out.push(batchFrontier(applyModelPreset(fs, 'mixtral-8x7b'), ['h100', 'sram-7nm', 'dyn-native']));
process.stdout.write(JSON.stringify(out));
