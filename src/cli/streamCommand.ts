/**
 * `moe stream`: run a scenario's stream (or an imported trace) step by step through every measured MoE layer on
 * this machine's GPU (or the CPU reference), and write the load matrices as .npy plus report.json: percentiles,
 * the bias-balancing curve, the decode sparsity curve, plain vs EPLB placement, the network under each placement
 * (./streamNetwork.ts) and the adapter.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hardwareSpec, importToLoadProfile } from '../costmodel';
import { createMoeEngine, type MoeEngine } from '../gpu';
import { acquireNodeDevice, loadNodeShaders } from '../gpu/node';
import { STEP_SERIES_KEYS } from '../metrics';
import { cpuPlan } from '../reference';
import type { Scenario } from '../scenario';
import {
  cpuRunner,
  defaultBatchSizes,
  gpuRunner,
  importedSource,
  type LayerRunner,
  MAX_MEASURED_LAYERS,
  runStream,
  type StepSource,
  type StreamResult,
} from '../stream';
import { importKindOf, layerConfigFromScenario, parseImport, writeNpy } from '../workload';
import { boolFlag, checkFlags, engineArg, filterFlag, intFlag, scenarioArg, stringFlag } from './args';
import type { Command } from './commands';
import { readInputFile, withOutputDir } from './files';
import { NETWORK_FILES, networkJson, networkLine, writeNetworkFiles } from './streamNetwork';

const KNOWN = [
  'scenario',
  'out',
  'engine',
  'json',
  'steps',
  'max-layers',
  'import',
  'filter',
  'routing-only',
];
const USAGE =
  'usage: npm run moe -- stream --scenario s.json --out DIR [--engine gpu|cpu] [--steps N] [--max-layers N] ' +
  '[--import trace.{csv,json,npy} [--filter col=value,...]] [--routing-only] [--json]';
const SOFTWARE_NOTE =
  'software adapter: the GPU is emulated on the CPU (e.g. SwiftShader), so times are CPU times, not GPU times';

const arr = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/** The report: everything but the big matrices (those are .npy files). */
function streamReport(r: StreamResult): Record<string, unknown> {
  return {
    source: r.source,
    label: r.label,
    phase: r.phase,
    seed: r.seed,
    steps: r.steps,
    tokensPerStep: r.tokensPerStep,
    experts: r.experts,
    topK: r.topK,
    blockSize: r.blockSize,
    capacity: r.capacity,
    layer: r.cfg,
    plan: r.planNote,
    totalLayers: r.totalLayers,
    measuredLayers: r.layers.map((l) => l.layerId),
    percentiles: { pooled: r.summary, perLayer: r.layers.map((l) => ({ layerId: l.layerId, ...l.summary })) },
    biasBalancing: r.bias && {
      rate: r.bias.rate,
      rateNote: r.bias.rateNote,
      steps: r.bias.steps,
      layers: r.bias.layers.map((l) => l.layerId),
      baseline: arr(r.bias.baseline),
      balanced: arr(r.bias.balanced),
      tailBaseline: r.bias.tailBaseline,
      tailBalanced: r.bias.tailBalanced,
      stepsToHalve: r.bias.stepsToHalve,
      finalBias: r.bias.layers.map((l) => arr(l.finalBias)),
    },
    sparsity: r.sparsity,
    placement: r.placement && {
      ...r.placement,
      layers: r.placement.layers.map((l) => ({ ...l, replicas: arr(l.replicas) })),
    },
    network: r.network && networkJson(r.network),
    adapter: {
      engine: r.runner.engine,
      label: r.runner.label,
      isSoftware: r.runner.isSoftware,
      note:
        r.runner.engine === 'gpu'
          ? r.runner.isSoftware
            ? SOFTWARE_NOTE
            : 'hardware adapter'
          : 'CPU reference',
      routingOnly: r.runner.routingOnly,
      details: r.runner.adapter ?? null,
    },
    timing: {
      runs: r.runs,
      runMs: r.runMs,
      msPerRun: r.runs ? r.runMs / r.runs : null,
      engineMsPerRun: r.engineMs !== undefined && r.runs ? r.engineMs / r.runs : null,
      wallMs: r.wallMs,
      note:
        r.runner.engine === 'gpu'
          ? 'whole layer per run, one trial, no warm-up (the first run of a shape compiles pipelines); msPerRun ' +
            'includes uploading the tensors and reading results back, engineMsPerRun is submit until the queue is idle'
          : 'wall time of the CPU reference',
    },
    notes: r.notes,
  };
}

/**
 * Multiply-adds a CPU stream may take in all: 2^35 (3.4·10¹⁰), about a minute of plain TypeScript. Each layer run
 * is within CPU_WORK_BUDGET already (cpuPlan); this bounds their number.
 */
export const CPU_STREAM_WORK_BUDGET = 2 ** 35;

/**
 * Refuse, before any run, a CPU stream whose runs (steps × measured layers, the bias what-if's steps and the
 * sparsity curve's batches, each counted at a full layer run) would take minutes, naming what to lower.
 */
function checkCpuStreamWork(
  s: Scenario,
  routingOnly: boolean,
  source: StepSource | undefined,
  steps: number | undefined,
  maxLayers: number | undefined,
): void {
  const plan = cpuPlan(s, { routingOnly });
  const S = source?.steps ?? steps ?? s.steps;
  const layers = source?.layerIds.length ?? Math.min(maxLayers ?? MAX_MEASURED_LAYERS, s.moeLayers);
  const tokenChoice = s.routingMode === 'token-choice';
  const bias = tokenChoice && !source?.fixedChoices ? Math.max(S, 32) : 0;
  // The decode sparsity curve: 16 steps per batch size, for generated token-choice streams (runStream's own).
  const sparsity =
    tokenChoice && !source ? 16 * defaultBatchSizes(plan.cfg.tokens, plan.cfg.experts).length : 0;
  const runs = S * layers + bias + sparsity;
  if (runs * plan.work <= CPU_STREAM_WORK_BUDGET) return;
  const g = (n: number) => `${Number((n / 1e9).toPrecision(3)).toLocaleString('en-US')}·10⁹`;
  throw new Error(
    `the CPU stream would be at least ${runs} layer runs of about ${g(plan.work)} multiply-adds each ` +
      `(${g(runs * plan.work)} in all, more than ${g(CPU_STREAM_WORK_BUDGET)}: minutes in plain TypeScript); ` +
      'lower --steps or --max-layers, use --routing-only, or lower tokens T',
  );
}

export const streamCommand: Command = {
  name: 'stream',
  summary: 'run a stream of steps (or an imported trace) over the MoE layers and write load matrices',
  async run(args) {
    checkFlags(args, KNOWN);
    const outDir = stringFlag(args, 'out');
    if (!stringFlag(args, 'scenario') || !outDir)
      throw new Error(`--scenario and --out are required (${USAGE})`);
    const json = boolFlag(args, 'json');
    const { scenario: s, file: scenarioFile, issues } = scenarioArg(args);
    const engineFlag = engineArg(args, s);
    const routingOnly = boolFlag(args, 'routing-only');
    if (routingOnly && engineFlag === 'gpu') throw new Error('--routing-only applies to --engine cpu');
    const steps = intFlag(args, 'steps', 1);
    const maxLayers = intFlag(args, 'max-layers', 1);
    const importFile = stringFlag(args, 'import');
    const given = filterFlag(args);
    const filter = Object.keys(given).length ? given : undefined;
    if (filter && !importFile) throw new Error('--filter applies to --import');
    // An imported trace has its own steps: --steps would be ignored.
    if (importFile && steps !== undefined)
      throw new Error(
        '--steps applies to generated streams; an imported trace has its own steps (leave --steps out)',
      );

    let imported: ReturnType<typeof parseImport> | null = null;
    /** Flags that do nothing for this input, said on stderr and in report.json. */
    const notes: string[] = [];
    if (importFile) {
      const bytes = readInputFile(importFile, '--import', importKindOf(importFile));
      // The model's shape is the scenario's, as in `moe project`: layer ids (dense layers included, as SGLang
      // numbers them) below L, expert ids below E (a trace's largest id + 1 would understate E when the top experts
      // were never chosen), and a recorded trace routes the scenario's k.
      imported = parseImport(basename(importFile), bytes, {
        filter,
        experts: s.experts,
        layers: s.moeLayers + s.denseLayers,
      });
      if (imported.format === 'token-choices' && imported.topK !== s.topK)
        throw new Error(
          `${importFile} routes k = ${imported.topK} experts per token but the scenario has k = ${s.topK}; ` +
            'set "topK" (or a matching "preset") in the scenario',
        );
      for (const note of imported.notes ?? []) process.stderr.write(`moe: note: ${note}\n`);
      if (filter && (imported.format !== 'count-table' || imported.filters.length === 0))
        throw new Error(
          `--filter selects rows of a CSV count table by its extra columns; ${importFile} has none`,
        );
      if (imported.format === 'count-table') {
        // A count table needs no kernels: flags about running layers would be silently ignored.
        const unused = ['max-layers', 'routing-only'].filter((f) => args.flags[f] !== undefined);
        if (unused.length)
          throw new Error(
            `--${unused[0]} does not apply to a count table (${importFile}): count tables need no kernels and all ` +
              'their layers are written; leave it out',
          );
        if (args.flags.engine !== undefined) {
          notes.push(`--engine ${engineFlag} is not used: count tables need no kernels`);
          process.stderr.write(`moe: note: ${notes[notes.length - 1]}\n`);
        }
      }
    }

    const trace = imported?.format === 'count-table' ? null : imported;
    const runAndWrite = async (
      tmp: string,
      write: (name: string, data: Float32Array | Int32Array, shape: number[]) => void,
      outputs: string[],
    ): Promise<number> => {
      let engine: MoeEngine | null = null;
      let runner: LayerRunner;
      if (engineFlag === 'gpu') {
        const status = await acquireNodeDevice();
        if (!status.ok) throw new Error(`${status.message} (use --engine cpu to run the CPU reference)`);
        engine = createMoeEngine(status.device, status.summary, loadNodeShaders());
        runner = gpuRunner(engine);
      } else runner = cpuRunner({ routingOnly });

      let result: StreamResult;
      try {
        const cfg = runner.plan?.(s).cfg ?? layerConfigFromScenario(s);
        const source = trace ? importedSource(s, cfg, trace, { maxLayers, phase: s.phase }) : undefined;
        if (engineFlag === 'cpu') checkCpuStreamWork(s, routingOnly, source, steps, maxLayers);
        // The network view when experts are spread over chips; the scale-up domain is the cost model's (the
        // first compared chip's expert chip).
        let domain: number | undefined;
        try {
          domain = s.chips.length ? hardwareSpec(s.chips[0]).experts.scaleUpDomain : undefined;
        } catch {
          domain = undefined;
        }
        let lastPct = -1;
        result = await runStream(runner, s, {
          steps,
          maxLayers,
          source,
          network: s.expertParallel > 1 ? { ranks: s.expertParallel, domain } : undefined,
          onProgress: ({ done, total, stage }) => {
            const pct = Math.floor((done / total) * 10);
            if (pct !== lastPct && !json) {
              lastPct = pct;
              process.stderr.write(`\r${stage.padEnd(8)} ${done}/${total} runs`);
            }
          },
        });
        if (!json) process.stderr.write('\n');
      } finally {
        engine?.destroy();
      }

      const E = result.experts;
      for (const l of result.layers) {
        write(`counts_layer${l.layerId}.npy`, l.counts, [result.steps, E]);
        if (result.capacity > 0) write(`kept_layer${l.layerId}.npy`, l.kept, [result.steps, E]);
        const m = new Float32Array(result.steps * STEP_SERIES_KEYS.length);
        STEP_SERIES_KEYS.forEach((key, c) => {
          l.series[key].forEach((v, n) => {
            m[n * STEP_SERIES_KEYS.length + c] = v;
          });
        });
        write(`step_metrics_layer${l.layerId}.npy`, m, [result.steps, STEP_SERIES_KEYS.length]);
      }
      write('layers.npy', result.layerMatrix, [result.layers.length, E]);
      if (result.bias) {
        const b = result.bias;
        const curve = new Float32Array(b.steps * 2);
        for (let n = 0; n < b.steps; n++) {
          curve[2 * n] = b.baseline[n];
          curve[2 * n + 1] = b.balanced[n];
        }
        write('bias_curve.npy', curve, [b.steps, 2]);
      }
      if (result.sparsity) {
        const pts = result.sparsity.points;
        write('sparsity.npy', Float32Array.from(pts.flatMap((p) => [p.batch, p.measured, p.uniform])), [
          pts.length,
          3,
        ]);
      }
      if (result.network) writeNetworkFiles(result.network, write);
      const report = {
        moeLab: { command: 'stream' },
        scenarioFile,
        import: importFile ?? null,
        warnings: issues,
        ...streamReport(result),
        files: {
          'counts_layer{L}.npy':
            'int32 [steps, E]: tokens routed to each expert per step (before capacity), L = MoE layer',
          'kept_layer{L}.npy': 'int32 [steps, E]: kept after capacity (only when a capacity is set)',
          'step_metrics_layer{L}.npy': `float32 [steps, ${STEP_SERIES_KEYS.length}]: ${STEP_SERIES_KEYS.join(', ')}`,
          'layers.npy': 'int32 [measured layers, E]: counts summed over the steps',
          'bias_curve.npy':
            'float32 [steps, 2]: max/mean plain, max/mean with bias balancing (mean over its layers)',
          'sparsity.npy': 'float32 [batch sizes, 3]: batch B, measured distinct experts, E·(1 − (1 − k/E)^B)',
          ...NETWORK_FILES,
        },
        outputs: [...outputs, 'report.json'],
      };
      writeFileSync(join(tmp, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

      if (json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      const p = result.summary;
      const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
      const lines = [
        `moe stream: ${result.label}; ${result.layers.length} of ${result.totalLayers} layers; E=${E} k=${result.topK}`,
        `engine: ${result.runner.label}${result.runner.isSoftware && result.runner.engine === 'gpu' ? ` — ${SOFTWARE_NOTE}` : ''}`,
        `max/mean per step: p50 ${f(p.maxOverMean.p50)}, p95 ${f(p.maxOverMean.p95)}, max ${f(p.maxOverMean.max)}`,
        `distinct experts per step: p50 ${f(p.distinctExperts.p50, 1)}, p95 ${f(p.distinctExperts.p95, 1)}; ` +
          `dropped share p95 ${f(p.droppedFraction.p95 * 100, 1)}%`,
      ];
      if (result.bias) {
        lines.push(
          `bias balancing (${result.bias.steps} steps, rate ${result.bias.rate.toPrecision(3)}): max/mean ` +
            `${f(result.bias.tailBaseline)} → ${f(result.bias.tailBalanced)} over the last quarter` +
            (result.bias.stepsToHalve !== null ? `, excess halved by step ${result.bias.stepsToHalve}` : ''),
        );
      }
      if (result.sparsity) {
        lines.push(
          `decode sparsity (distinct experts, measured / uniform): ${result.sparsity.points
            .map((q) => `B=${q.batch} ${f(q.measured, 1)}/${f(q.uniform, 1)}`)
            .join(', ')}`,
        );
      }
      if (result.placement) {
        lines.push(
          `balancedness over ${result.placement.ranks} chips, plain → EPLB (+${result.placement.redundant}): ${result.placement.layers
            .map((l) => `L${l.layerId} ${f(l.plainBalancedness)}→${f(l.eplbBalancedness)}`)
            .join(', ')}`,
        );
        const p = result.placement;
        if (p.deepseek)
          lines.push(
            `EPLB flat vs DeepSeek ${p.deepseek.policy} (${p.deepseek.groups} groups, ${p.deepseek.nodes} nodes): ` +
              p.layers
                .map(
                  (l) =>
                    `L${l.layerId} ${f(l.eplbBalancedness)}/${f(l.deepseek?.balancedness ?? Number.NaN)}`,
                )
                .join(', '),
          );
        else if (p.deepseekNote) lines.push(`note: ${p.deepseekNote}`);
        if (p.layers.some((l) => l.drift))
          lines.push(
            'EPLB drift (a placement computed this many steps earlier keeps half its gain until): ' +
              p.layers
                .map((l) => {
                  const d = l.drift;
                  const longest = d?.points.length ? d.points[d.points.length - 1].lag : 0;
                  return `L${l.layerId} ${d ? (d.halfGainLag ?? `> ${longest}`) : '—'}`;
                })
                .join(', '),
          );
      }
      if (result.network) lines.push(networkLine(result.network, f));
      for (const n of result.notes) lines.push(`note: ${n}`);
      lines.push(
        `${result.runs} layer runs in ${f(result.wallMs / 1000, 1)} s; wrote ${report.outputs.length} files to ${outDir}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    };

    return withOutputDir(outDir, 'stream', async (tmp) => {
      const outputs: string[] = [];
      const write = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
        writeFileSync(join(tmp, name), writeNpy(data, shape));
        outputs.push(name);
      };

      // A count table needs no kernels: its layers × experts matrix and a load profile.
      if (imported?.format === 'count-table') {
        const E = imported.experts;
        const matrix = new Int32Array(imported.counts.length * E);
        imported.counts.forEach((row, l) => {
          for (let e = 0; e < E; e++) {
            if (row[e] > 2147483647)
              throw new Error(`layer ${imported.layerIds[l]}, expert ${e}: count too large for int32`);
            matrix[l * E + e] = row[e];
          }
        });
        write('layers.npy', matrix, [imported.counts.length, E]);
        const profile = importToLoadProfile(imported, { topK: s.topK });
        const report = {
          moeLab: { command: 'stream' },
          source: 'imported count table',
          file: importFile,
          filters: imported.filters,
          layerIds: imported.layerIds,
          experts: E,
          topK: s.topK,
          perLayer: profile.layers.map((l, i) => {
            const row = imported.counts[i];
            const max = Math.max(...row);
            const mean = row.reduce((a, b) => a + b, 0) / E;
            return {
              layerId: imported.layerIds[i],
              tokens: l.tokens,
              maxOverMean: mean > 0 ? max / mean : 1,
            };
          }),
          notes: ['count tables need no kernels: no stream was run', ...notes],
          outputs: [...outputs, 'report.json'],
        };
        writeFileSync(join(tmp, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
        if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else
          process.stdout.write(
            `moe stream: ${imported.layerIds.length} layers of counts from ${importFile}; wrote layers.npy, report.json to ${outDir}\n`,
          );
        return 0;
      }
      return runAndWrite(tmp, write, outputs);
    });
  },
};
