/**
 * `moe run`: run one MoE layer of a scenario headless on this machine's GPU (or the CPU reference), with tensors
 * from .npy files or generated from the scenario's seed, and write the routing, the output and a report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMoeEngine, type EngineRun, type MoeEngine, type ScenarioPlan } from '../gpu';
import { acquireNodeDevice, loadNodeShaders } from '../gpu/node';
import { type LoadMetrics, loadMetrics } from '../metrics';
import { cpuPlan, runReferenceLayer, scoresFromLogits } from '../reference';
import type { Scenario } from '../scenario';
import {
  checkFinite,
  generateLayerTensors,
  InputError,
  type LayerConfig,
  type LayerResult,
  type LayerTensors,
  readNpy,
  type ShapedTensor,
  type TensorName,
  validateTensorShapes,
  writeNpy,
} from '../workload';
import { type Args, boolFlag, checkFlags, engineArg, intFlag, scenarioArg, stringFlag } from './args';
import type { Command } from './commands';
import { readInputFile, withOutputDir } from './files';

const TENSOR_FLAGS: Partial<Record<string, TensorName>> = {
  x: 'x',
  router: 'router',
  bias: 'bias',
  logits: 'logits',
  w1: 'w1',
  w3: 'w3',
  w2: 'w2',
};
const KNOWN = ['scenario', 'out', 'engine', 'json', 'trials', 'warmup', ...Object.keys(TENSOR_FLAGS)];

const USAGE =
  'usage: npm run moe -- run --scenario s.json [--x x.npy] [--router w.npy] [--bias b.npy] [--logits l.npy] ' +
  '[--w1 a.npy --w3 b.npy --w2 c.npy] --out DIR [--engine gpu|cpu] [--trials N] [--warmup N] [--json]';

const SOFTWARE_NOTE =
  'software adapter: the GPU is emulated on the CPU (e.g. SwiftShader), so times are CPU times, not GPU times';

type TensorFiles = Partial<Record<TensorName, { file: string; data: Float32Array; shape: number[] }>>;

/**
 * Read the tensor flags: each a regular .npy file of at most 1 GiB, float32 after conversion, every value finite
 * (the message names the flag, the file and the first bad index).
 */
function readTensorFiles(args: Args): TensorFiles {
  const out: TensorFiles = {};
  for (const [flag, name] of Object.entries(TENSOR_FLAGS)) {
    const file = stringFlag(args, flag);
    if (!file || !name) continue;
    const bytes = readInputFile(file, `--${flag}`, 'tensor');
    const arr = readNpy(bytes, file);
    if (arr.dtype !== 'float32') throw new Error(`--${flag} ${file} is ${arr.dtype}; it must be float32`);
    checkFinite(`--${flag} ${file}`, arr.data, arr.shape);
    for (const note of arr.notes ?? []) process.stderr.write(`moe: note: --${flag} ${file}: ${note}\n`);
    out[name] = { file, data: arr.data, shape: arr.shape };
  }
  return out;
}

/**
 * Refuse tensors the run would not use, or would mix with generated ones, instead of dropping them silently:
 * a bias without bias routing (or with expert-choice routing, which has no selection bias), a router matrix
 * beside logits (logits replace the router GEMM), and part of the expert weights.
 */
export function checkTensorUse(s: Scenario, given: readonly string[]): void {
  const has = (flag: string) => given.includes(flag);
  if (has('bias') && !s.useBias) {
    throw new InputError(
      '--bias is given but the scenario\'s selection bias is off ("useBias": false), so it would be ignored; ' +
        'set "useBias": true or leave --bias out',
    );
  }
  if (has('bias') && s.routingMode === 'expert-choice') {
    throw new InputError(
      '--bias is given but expert-choice routing uses no selection bias, so it would be ignored; leave --bias out',
    );
  }
  if (has('router') && has('logits')) {
    throw new InputError(
      '--router and --logits are both given, but given logits replace the router GEMM, so the router would be ' +
        'ignored; give one of them',
    );
  }
  const weights = ['w1', 'w3', 'w2'].filter(has);
  if (weights.length > 0 && weights.length < 3) {
    const missing = ['w1', 'w3', 'w2'].filter((w) => !has(w));
    throw new InputError(
      `${weights.map((w) => `--${w}`).join(' and ')} given without ${missing.map((w) => `--${w}`).join(' and ')}: ` +
        'the expert weights are given all three or none (a generated matrix would be mixed with yours)',
    );
  }
}

function tensorsFor(s: Scenario, cfg: LayerConfig, files: TensorFiles): LayerTensors {
  const given: Partial<Record<TensorName, ShapedTensor>> = {};
  const labels: Partial<Record<TensorName, string>> = {};
  for (const [name, f] of Object.entries(files) as [
    TensorName,
    { file: string; data: Float32Array; shape: number[] },
  ][]) {
    given[name] = { shape: f.shape, dtype: 'float32', data: f.data };
    labels[name] = f.file;
  }
  validateTensorShapes(cfg, given, labels);
  const t = generateLayerTensors(s, cfg);
  for (const [name, f] of Object.entries(files) as [TensorName, { data: Float32Array }][]) t[name] = f.data;
  if (files.logits && !files.router) t.router = new Float32Array(0);
  return t;
}

/** Load metrics with everything a run knows beyond counts: drops per token, router probabilities, z-loss. */
export function runMetrics(cfg: LayerConfig, r: LayerResult): LoadMetrics {
  const T = cfg.tokens;
  const E = cfg.experts;
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? Math.max(1, Math.round(r.counts.reduce((a, b) => a + b, 0) / T)) : cfg.topK;
  const scores = scoresFromLogits(r.logits, T, E, cfg.scoreFn);
  const meanRouterProb = new Float64Array(E);
  for (let i = 0; i < scores.length; i++) meanRouterProb[i % E] += scores[i] / T;
  let z = 0;
  for (let t = 0; t < T; t++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let e = 0; e < E; e++) m = Math.max(m, r.logits[t * E + e]);
    let sum = 0;
    for (let e = 0; e < E; e++) sum += Math.exp(r.logits[t * E + e] - m);
    z += (m + Math.log(sum)) ** 2 / T;
  }
  let leftBehind = 0;
  if (ec) {
    const seen = new Uint8Array(T);
    for (const t of r.ecTokens) if (t >= 0) seen[t] = 1;
    leftBehind = T - seen.reduce((a, b) => a + b, 0);
  } else {
    for (let t = 0; t < T; t++) {
      let any = false;
      for (let j = 0; j < k; j++) if (r.positions[t * k + j] >= 0) any = true;
      if (!any) leftBehind++;
    }
  }
  return loadMetrics({
    counts: r.counts,
    tokens: T,
    topK: k,
    kept: r.kept,
    blockSize: cfg.blockSize,
    tokensLeftBehind: leftBehind,
    meanRouterProb,
    zLoss: z,
  });
}

interface CpuRun {
  result: LayerResult;
  totalMs: { medianMs: number; minMs: number; source: 'wall' };
}

/** The CPU reference: `warmup` untimed runs (as on the GPU), then `trials` timed ones. */
function runCpu(cfg: LayerConfig, t: LayerTensors, trials: number, warmup: number): CpuRun {
  for (let i = 0; i < warmup; i++) runReferenceLayer(cfg, t);
  const times: number[] = [];
  let result: LayerResult | null = null;
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    result = runReferenceLayer(cfg, t);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    result: result as LayerResult,
    totalMs: { medianMs: times[times.length >> 1], minMs: times[0], source: 'wall' },
  };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(3)} ms` : '—');

export const runCommand: Command = {
  name: 'run',
  summary: 'run one MoE layer of a scenario on this GPU (or the CPU reference) and write .npy results',
  async run(args) {
    checkFlags(args, KNOWN);
    const outDir = stringFlag(args, 'out');
    if (!stringFlag(args, 'scenario') || !outDir)
      throw new Error(`--scenario and --out are required (${USAGE})`);
    const json = boolFlag(args, 'json');
    const { scenario: s, file: scenarioFile, issues } = scenarioArg(args);
    const engineFlag = engineArg(args, s);
    // --trials 0 is refused (it used to become 1 silently); the scenario's trials are at least 1.
    const trials = intFlag(args, 'trials', 1) ?? Math.max(1, s.trials);
    const warmup = intFlag(args, 'warmup', 0) ?? 1;
    checkTensorUse(
      s,
      Object.keys(TENSOR_FLAGS).filter((f) => args.flags[f] !== undefined),
    );
    const files = readTensorFiles(args);

    // Every input is read and checked; the output folder is made ready before any computation, so an
    // unwritable or foreign destination fails at once, and results are moved into place only when all are written.
    const { full, cfg, report } = await withOutputDir(outDir, 'run', async (tmp) => {
      let cfg: LayerConfig;
      let result: LayerResult;
      let report: Record<string, unknown>;
      if (engineFlag === 'gpu') {
        const status = await acquireNodeDevice();
        if (!status.ok) throw new Error(`${status.message} (use --engine cpu to run the CPU reference)`);
        const engine: MoeEngine = createMoeEngine(status.device, status.summary, loadNodeShaders());
        try {
          const plan: ScenarioPlan = engine.planScenario(s);
          cfg = plan.cfg;
          const tensors = tensorsFor(s, cfg, files);
          const roofline = await engine.microbench({ copyBytes: 8 * 2 ** 20, matmulSize: 256, trials: 3 });
          const run: EngineRun = await engine.run(cfg, tensors, { trials, warmup, roofline });
          result = run.result;
          report = {
            engine: 'gpu',
            adapter: { ...run.adapter, note: run.adapter.isSoftware ? SOFTWARE_NOTE : 'hardware adapter' },
            plan: {
              measurementScale: plan.scale,
              auto: plan.auto,
              note: plan.note,
              ffnSizeRun: cfg.ffnSize,
              sharedFfnSizeRun: cfg.sharedFfnSize,
              gpuBytes: run.plan.totalBytes,
            },
            timing: { note: run.timingNote, trials, warmup, total: run.total, stages: run.stages },
            microbench: roofline,
            compiledPipelines: run.compiledPipelines,
          };
        } finally {
          engine.destroy();
        }
      } else {
        // The CPU engine's own memory plan: the scenario's measurement scale, or the largest f that fits.
        const plan = cpuPlan(s);
        cfg = plan.cfg;
        const tensors = tensorsFor(s, cfg, files);
        const run = runCpu(cfg, tensors, trials, warmup);
        result = run.result;
        report = {
          engine: 'cpu',
          adapter: null,
          plan: {
            measurementScale: plan.scale,
            auto: !(s.measureScale > 0),
            note: plan.note,
            ffnSizeRun: cfg.ffnSize,
            sharedFfnSizeRun: cfg.sharedFfnSize,
          },
          timing: {
            note: 'CPU reference (plain TypeScript), wall time of the whole layer after the warm-up runs',
            trials,
            warmup,
            total: run.totalMs,
          },
        };
      }

      const T = cfg.tokens;
      const k = cfg.routingMode === 'expert-choice' ? 0 : cfg.topK;
      const write = (name: string, data: Float32Array | Int32Array, shape: number[]) =>
        writeFileSync(join(tmp, name), writeNpy(data, shape));
      write('topk_ids.npy', result.topkIds, [T, k]);
      write('topk_weights.npy', result.topkWeights, [T, k]);
      write('counts.npy', result.counts, [cfg.experts]);
      write('y.npy', result.y, [T, cfg.dModel]);
      const outputs = ['topk_ids.npy', 'topk_weights.npy', 'counts.npy', 'y.npy'];
      if (cfg.routingMode === 'expert-choice') {
        write('ec_tokens.npy', result.ecTokens, [cfg.experts, result.capacity]);
        outputs.push('ec_tokens.npy');
      }
      const full: Record<string, unknown> = {
        moeLab: { command: 'run' },
        scenarioFile,
        warnings: issues,
        layer: cfg,
        capacity: result.capacity,
        metrics: runMetrics(cfg, result),
        counts: Array.from(result.counts),
        kept: Array.from(result.kept),
        tensorsFrom: Object.fromEntries(
          (['x', 'router', 'bias', 'logits', 'w1', 'w3', 'w2'] as TensorName[]).map((n) => [
            n,
            files[n]?.file ??
              (n === 'logits'
                ? 'router GEMM'
                : n === 'router' && files.logits
                  ? 'not used (logits given)'
                  : n === 'bias' && (!cfg.useBias || cfg.routingMode === 'expert-choice')
                    ? 'not used (no selection bias)'
                    : `generated (seed ${s.seed})`),
          ]),
        ),
        ...report,
        outputs: [...outputs, 'report.json'],
      };
      writeFileSync(join(tmp, 'report.json'), `${JSON.stringify(full, null, 2)}\n`);
      return { full, cfg, report };
    });
    const outputs = full.outputs as string[];
    const T = cfg.tokens;

    if (json) {
      process.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
      return 0;
    }
    const m = full.metrics as LoadMetrics;
    const lines = [
      `moe run: T=${T} d=${cfg.dModel} f=${cfg.ffnSize} E=${cfg.experts} k=${cfg.topK} ${cfg.routingMode}, ${engineFlag} engine`,
    ];
    const adapter = report.adapter as { label: string; note: string } | null;
    if (adapter)
      lines.push(`adapter: ${adapter.label}${adapter.note === SOFTWARE_NOTE ? ` — ${SOFTWARE_NOTE}` : ''}`);
    const plan = report.plan as { note?: string };
    if (plan.note) lines.push(`plan: ${plan.note}`);
    lines.push(
      `load: max/mean ${m.maxOverMean.toFixed(2)}, dropped ${(m.droppedFraction * 100).toFixed(1)}%, ` +
        `padding rows ${m.paddingRows}, experts touched ${m.distinctExperts}/${m.experts}`,
    );
    const timing = report.timing as {
      total: { medianMs: number; minMs: number };
      stages?: EngineRun['stages'];
    };
    for (const st of timing.stages ?? []) {
      const eff =
        st.efficiency !== undefined && Number.isFinite(st.efficiency)
          ? ` ${(st.efficiency * 100).toFixed(1)}% of roofline`
          : '';
      lines.push(`  ${st.label.padEnd(15)} median ${fmt(st.medianMs)}  min ${fmt(st.minMs)}${eff}`);
    }
    lines.push(`total median ${fmt(timing.total.medianMs)}, min ${fmt(timing.total.minMs)}`);
    lines.push(`wrote ${outputs.join(', ')} to ${outDir}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
