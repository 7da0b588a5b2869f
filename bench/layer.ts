/**
 * Layer benchmark (not a test): per-stage GPU time (median / min over trials after a warm-up) and efficiency
 * against this device's own roofline (micro-benchmark copy bandwidth and matmul rate), at three sizes.
 * `npm run bench -- layer [--trials N] [--json] [--silent]`. On a software adapter (SwiftShader) the numbers are CPU
 * numbers, and the output says so.
 */
import { createMoeEngine, type EngineRun, type MicrobenchResult } from '../src/gpu';
import { acquireNodeDevice } from '../src/gpu/nodeDevice';
import { loadNodeShaders } from '../src/gpu/nodeShaders';
import { defaultScenario, type Scenario } from '../src/scenario';
import { generateLayerTensors } from '../src/workload';

export interface LayerBenchSize {
  name: string;
  scenario: Partial<Scenario>;
}

export const LAYER_BENCH_SIZES: LayerBenchSize[] = [
  { name: 'decode step', scenario: { tokens: 32, dModel: 128, ffnSize: 256, experts: 16, topK: 2 } },
  { name: 'medium prefill', scenario: { tokens: 256, dModel: 256, ffnSize: 256, experts: 32, topK: 4 } },
  { name: 'large prefill', scenario: { tokens: 1024, dModel: 128, ffnSize: 256, experts: 32, topK: 4 } },
];

export interface LayerBenchResult {
  adapter: EngineRun['adapter'];
  microbench: MicrobenchResult;
  runs: { name: string; shape: string; run: Omit<EngineRun, 'result'> }[];
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
const pct = (v: number | undefined) =>
  v !== undefined && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—';

export async function runLayerBench(argv: string[]): Promise<LayerBenchResult> {
  const trialsAt = argv.indexOf('--trials');
  const trials = trialsAt >= 0 ? Number(argv[trialsAt + 1]) : 3;
  const json = argv.includes('--json');
  // --silent: print nothing, only return the result (the packed device check wraps it in its own JSON).
  const silent = argv.includes('--silent');
  const status = await acquireNodeDevice();
  if (!status.ok) throw new Error(status.message);
  const engine = createMoeEngine(status.device, status.summary, loadNodeShaders());
  const log = (s: string) => {
    if (!json && !silent) process.stdout.write(`${s}\n`);
  };
  try {
    const a = engine.adapter;
    log(
      `adapter: ${a.label}${a.isSoftware ? ' — SOFTWARE ADAPTER: GPU emulated on the CPU, times are CPU times' : ''}`,
    );
    const roof = await engine.microbench();
    log(
      `micro-benchmark (${roof.source}): copy ${roof.copyGBps.toFixed(2)} GB/s, f32 matmul ${roof.matmulGflops.toFixed(2)} GFLOP/s (${roof.matmulSize}³)`,
    );
    const runs: LayerBenchResult['runs'] = [];
    for (const size of LAYER_BENCH_SIZES) {
      const s = { ...defaultScenario(), ...size.scenario };
      const plan = engine.planScenario(s);
      const cfg = plan.cfg;
      const tensors = generateLayerTensors(s, cfg);
      const run = await engine.run(cfg, tensors, { trials, warmup: 1, roofline: roof });
      const { result: _result, ...rest } = run;
      const shape = `T=${cfg.tokens} d=${cfg.dModel} f=${cfg.ffnSize} E=${cfg.experts} k=${cfg.topK}`;
      runs.push({ name: size.name, shape, run: rest });
      log(`\n${size.name}: ${shape} (${plan.note}; ${run.timingNote})`);
      log(`| stage | median ms | min ms | GFLOP | MB | efficiency |`);
      log(`|---|---:|---:|---:|---:|---:|`);
      for (const st of run.stages) {
        log(
          `| ${st.label} | ${ms(st.medianMs)} | ${ms(st.minMs)} | ${(st.flops / 1e9).toFixed(3)} | ${(st.bytes / 1e6).toFixed(2)} | ${pct(st.efficiency)} |`,
        );
      }
      log(`| whole layer (wall) | ${ms(run.total.medianMs)} | ${ms(run.total.minMs)} | | | |`);
    }
    const out: LayerBenchResult = { adapter: a, microbench: roof, runs };
    if (json && !silent) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return out;
  } finally {
    engine.destroy();
  }
}
