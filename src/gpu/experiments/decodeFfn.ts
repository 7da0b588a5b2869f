/**
 * Experiment (not a test): the expert FFN at decode sizes, GEMV-shaped kernels against the tiled GEMMs, and the
 * whole layer against the CPU reference, on one device. Prints per T: rows per expert, FFN median ms of each path
 * (GPU timestamps), the GEMV path's fraction of this device's copy bandwidth on the weight bytes of the touched
 * experts, and whole-layer medians. Runs of the two paths and of the CPU reference are interleaved trial by trial.
 *
 *   npx tsx src/gpu/experiments/decodeFfn.ts [--trials N] [--tokens 8,16,32] [--json]
 *
 * On a software adapter (SwiftShader) every number is a CPU number, and the output says so.
 *
 * The limit it shows: with r rows per expert the FFN does 2·r FLOPs per weight float (r/2 FLOP per byte), and a
 * device whose own best GEMM rate (micro-benchmark) over its copy bandwidth is below that is compute-bound at
 * decode, not bandwidth-bound. `floorMs` = max(FLOPs / matmul rate, weight bytes / copy bandwidth) is then the
 * fastest the FFN can run without beating the device's own GEMM, and `floorCopyFraction` the most of the copy
 * bandwidth it can reach on the weight bytes. SwiftShader's ridge is about 0.7 FLOP/B, so at 4 rows (2 FLOP/B)
 * the ceiling is about a third of the copy bandwidth: the 50% target needs a real GPU (ridge 20–300 FLOP/B).
 */
import { runReferenceLayer } from '../../reference';
import { type LayerConfig, makeLayerConfig } from '../../workload';
import { createMoeEngine, type MoeEngine } from '../index';
import { acquireNodeDevice, loadNodeShaders } from '../node';
import { median, randomLayerTensors } from './common';

export interface DecodeFfnRow {
  tokens: number;
  rowsPerExpert: number;
  touchedExperts: number;
  weightBytes: number;
  gemvFfnMs: number;
  tiledFfnMs: number;
  /** Minimum over trials (on a loaded machine the least disturbed trial). */
  gemvFfnMinMs: number;
  tiledFfnMinMs: number;
  /** Weight bytes of the touched experts / GEMV FFN median, as a fraction of the copy bandwidth measured beside it. */
  gemvCopyFraction: number;
  copyGBps: number;
  matmulGflops: number;
  /** Useful FLOPs of the routed experts (6 · kept rows · d · f). */
  flops: number;
  /** max(FLOPs / matmul rate, weight bytes / copy bandwidth): the FFN's floor on this device. */
  floorMs: number;
  /** Weight bytes / floorMs as a fraction of the copy bandwidth: the most this device allows. */
  floorCopyFraction: number;
  gemvLayerMs: number;
  tiledLayerMs: number;
  cpuLayerMs: number;
}

export interface DecodeFfnResult {
  adapter: string;
  isSoftware: boolean;
  /** The last size's copy bandwidth (each row carries its own). */
  copyGBps: number;
  shape: string;
  rows: DecodeFfnRow[];
}

const minOf = (a: number[]) => Math.min(...a);
const tensorsFor = (cfg: LayerConfig, seed: number) => randomLayerTensors(cfg, seed, 'decode-ffn');

/** One size: GEMV, tiled and CPU reference interleaved trial by trial, then the copy bandwidth beside them. */
async function measureSize(
  engines: { gemv: MoeEngine; tiled: MoeEngine },
  cfg: LayerConfig,
  trials: number,
): Promise<DecodeFfnRow> {
  const { gemv, tiled } = engines;
  const { tokens: T, dModel: d, ffnSize: f, experts: E, topK: k } = cfg;
  const t = tensorsFor(cfg, T);
  const once = { trials: 1, warmup: 0 };
  await gemv.run(cfg, t, { trials: 1, warmup: 1 });
  await tiled.run(cfg, t, { trials: 1, warmup: 1 });
  const s = {
    gemvFfn: [] as number[],
    tiledFfn: [] as number[],
    gemv: [] as number[],
    tiled: [] as number[],
  };
  const cpu: number[] = [];
  let kept: number[] = [];
  for (let i = 0; i < trials; i++) {
    const g = await gemv.run(cfg, t, once);
    const b = await tiled.run(cfg, t, once);
    const c0 = performance.now();
    runReferenceLayer(cfg, t);
    cpu.push(performance.now() - c0);
    s.gemvFfn.push(g.timing.ffn?.medianMs ?? Number.NaN);
    s.tiledFfn.push(b.timing.ffn?.medianMs ?? Number.NaN);
    s.gemv.push(g.total.medianMs);
    s.tiled.push(b.total.medianMs);
    kept = Array.from(g.result.kept);
  }
  // The copy bandwidth measured right after this size's trials: on a shared machine it drifts within minutes.
  const roof = await gemv.microbench({ fresh: true });
  const touched = kept.filter((n) => n > 0).length;
  const weightBytes = touched * 3 * d * f * 4;
  const gemvFfnMs = median(s.gemvFfn);
  const flops = 6 * kept.reduce((a, n) => a + n, 0) * d * f;
  const floorMs = Math.max(flops / (roof.matmulGflops * 1e6), weightBytes / (roof.copyGBps * 1e6));
  return {
    tokens: T,
    rowsPerExpert: (T * k) / E,
    touchedExperts: touched,
    weightBytes,
    gemvFfnMs,
    tiledFfnMs: median(s.tiledFfn),
    gemvFfnMinMs: minOf(s.gemvFfn),
    tiledFfnMinMs: minOf(s.tiledFfn),
    gemvCopyFraction: weightBytes / (gemvFfnMs * 1e6) / roof.copyGBps,
    copyGBps: roof.copyGBps,
    matmulGflops: roof.matmulGflops,
    flops,
    floorMs,
    floorCopyFraction: weightBytes / (floorMs * 1e6) / roof.copyGBps,
    gemvLayerMs: median(s.gemv),
    tiledLayerMs: median(s.tiled),
    cpuLayerMs: median(cpu),
  };
}

export async function runDecodeFfnExperiment(
  opts: {
    trials?: number;
    tokens?: number[];
    dModel?: number;
    ffnSize?: number;
    experts?: number;
    topK?: number;
  } = {},
): Promise<DecodeFfnResult> {
  const status = await acquireNodeDevice();
  if (!status.ok) throw new Error(status.message);
  const shaders = loadNodeShaders();
  const engines = {
    gemv: createMoeEngine(status.device, status.summary, shaders, { kernels: { gemvFfn: true } }),
    tiled: createMoeEngine(status.device, status.summary, shaders, { kernels: { gemvFfn: false } }),
  };
  const shape = { dModel: opts.dModel ?? 128, ffnSize: opts.ffnSize ?? 256, experts: opts.experts ?? 16 };
  const k = opts.topK ?? 2;
  const rows: DecodeFfnRow[] = [];
  try {
    for (const T of opts.tokens ?? [1, 8, 16, 32, 64, 128, 256]) {
      const cfg = makeLayerConfig({ tokens: T, ...shape, topK: k });
      rows.push(await measureSize(engines, cfg, opts.trials ?? 7));
    }
  } finally {
    status.device.destroy();
  }
  return {
    adapter: status.summary.label,
    isSoftware: status.summary.isSoftware,
    copyGBps: rows.at(-1)?.copyGBps ?? Number.NaN,
    shape: `d=${shape.dModel} f=${shape.ffnSize} E=${shape.experts} k=${k}`,
    rows,
  };
}

function printTable(r: DecodeFfnResult): void {
  const soft = r.isSoftware ? ' (SOFTWARE ADAPTER: every time is a CPU time)' : '';
  console.log(`adapter: ${r.adapter}${soft}; ${r.shape}`);
  console.log(
    '| T | rows/expert | GEMV FFN ms (min) | tiled FFN ms (min) | copy GB/s | matmul GFLOP/s | FFN floor ms | GEMV % of copy BW | ceiling % | layer GEMV ms | layer tiled ms | CPU ref ms |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.rows) {
    console.log(
      `| ${x.tokens} | ${x.rowsPerExpert} | ${x.gemvFfnMs.toFixed(3)} (${x.gemvFfnMinMs.toFixed(3)}) | ${x.tiledFfnMs.toFixed(3)} (${x.tiledFfnMinMs.toFixed(3)}) | ${x.copyGBps.toFixed(2)} | ${x.matmulGflops.toFixed(2)} | ${x.floorMs.toFixed(3)} | ${(100 * x.gemvCopyFraction).toFixed(0)}% | ${(100 * x.floorCopyFraction).toFixed(0)}% | ${x.gemvLayerMs.toFixed(3)} | ${x.tiledLayerMs.toFixed(3)} | ${x.cpuLayerMs.toFixed(3)} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const tokens = arg('--tokens')?.split(',').map(Number);
  const result = await runDecodeFfnExperiment({ trials: Number(arg('--trials') ?? 7), tokens });
  if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else printTable(result);
  process.exit(0);
}
