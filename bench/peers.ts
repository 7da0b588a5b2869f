/**
 * Peer benchmark: `npm run bench -- peers [--trials N] [--warmup N] [--slow-limit-s S] [--only name,...] [--quick]
 * [--out file.json] [--from file.json]`.
 * One headless Chromium run (system Chromium, SwiftShader WebGPU, as playwright.config.ts launches it) on a page
 * served by Vite (bench/page/): moe-lab's layer against three tfjs-backend-webgpu compositions, ONNX Runtime
 * Web's WebGPU MoE operator and the CPU reference, after checking that they agree with the reference; whole-layer
 * times on one clock in interleaved rounds (bench/page/contenders.ts). Prints tables and the targets of issues 7
 * and 15, and writes JSON to bench/results/ (peers.json; peers-quick.json with --quick, not committed).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { findChromium, WEBGPU_CHROMIUM_ARGS } from '../e2e/chromium';
import type { EngineId, EngineResult, PeerReport, PeerSize, PeerSpec, SizeResult, Timing } from './peerTypes';
import { meanRoof } from './peerTypes';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const PEER_SIZES: PeerSize[] = [
  { name: 'decode step', tokens: 32, dModel: 128, ffnSize: 256, experts: 16, topK: 2, peers: true },
  { name: 'medium prefill', tokens: 256, dModel: 256, ffnSize: 256, experts: 32, topK: 4, peers: true },
  { name: 'large prefill', tokens: 1024, dModel: 128, ffnSize: 256, experts: 32, topK: 4, peers: true },
  { name: 'dispatch at T=16K', tokens: 16384, dModel: 32, ffnSize: 32, experts: 64, topK: 4, peers: true },
  // moe-lab alone (still checked against the CPU reference): DeepSeek-V3's routing width, and 4× the tokens.
  { name: 'E=256 k=8 at T=16K', tokens: 16384, dModel: 64, ffnSize: 16, experts: 256, topK: 8, peers: false },
  { name: 'dispatch at T=64K', tokens: 65536, dModel: 32, ffnSize: 8, experts: 64, topK: 4, peers: false },
];
const SKEW_SIZE: PeerSize = {
  name: 'skew',
  tokens: 256,
  dModel: 256,
  ffnSize: 256,
  experts: 32,
  topK: 4,
  peers: false,
};
const QUICK_SIZES: PeerSize[] = [
  { name: 'decode step', tokens: 8, dModel: 32, ffnSize: 32, experts: 8, topK: 2, peers: true },
  { name: 'small prefill', tokens: 64, dModel: 32, ffnSize: 64, experts: 8, topK: 2, peers: true },
];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** HEAD and the benchmarked code's uncommitted files (a shared working tree: the run uses what is on disk). */
function sourceState(): { commit: string; uncommitted: string[] } {
  const git = (args: string[]) => {
    try {
      // trimEnd only: a porcelain line starts with its status columns, a space among them.
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trimEnd();
    } catch {
      return '';
    }
  };
  const status = git([
    'status',
    '--porcelain',
    '--',
    'src/gpu',
    'shaders',
    'bench',
    'src/reference',
    'src/workload',
  ]);
  return {
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    uncommitted: status ? status.split('\n').map((l) => l.slice(3)) : [],
  };
}

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

export async function runPeerBench(argv: string[]): Promise<PeerReport> {
  const from = arg(argv, '--from');
  if (from) {
    // Re-print the tables of an earlier run (no browser).
    const report = JSON.parse(readFileSync(from, 'utf8')) as PeerReport;
    process.stdout.write(`${formatReport(report)}\n`);
    return report;
  }
  const quick = argv.includes('--quick');
  // --only a,b: the sizes whose name contains one of these (a partial run; the JSON says which sizes ran).
  const only = arg(argv, '--only')?.split(',');
  const all = quick ? QUICK_SIZES : PEER_SIZES;
  const spec: PeerSpec = {
    sizes: only ? all.filter((s) => only.some((o) => s.name.includes(o))) : all,
    trials: Number(arg(argv, '--trials') ?? 5),
    warmup: Number(arg(argv, '--warmup') ?? 1),
    slowLimitS: Number(arg(argv, '--slow-limit-s') ?? 30),
    skew: quick ? { ...QUICK_SIZES[1], name: 'skew' } : SKEW_SIZE,
  };
  const port = await freePort();
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    server: { port, strictPort: true, host: '127.0.0.1', hmr: false },
    optimizeDeps: {
      entries: ['bench/page/index.html'],
      include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'],
      // ORT finds its wasm next to its own module (ortLayer.ts points wasmPaths at node_modules): not pre-bundled.
      exclude: ['onnxruntime-web'],
    },
  });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: [
      ...WEBGPU_CHROMIUM_ARGS,
      // Unquantised GPU timestamps (Chrome rounds them to 100 µs otherwise).
      '--enable-webgpu-developer-features',
    ],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => process.stderr.write(`[page] ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    await page.goto(`http://127.0.0.1:${port}/bench/page/index.html`);
    await page.waitForFunction(() => window.moeBench?.ready === true, undefined, { timeout: 120_000 });
    const source = sourceState();
    const loadBefore = loadavg();
    const report = await page.evaluate((s) => window.moeBench.run(s), spec);
    report.machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '?',
      loadBefore,
      loadAfter: loadavg(),
    };
    report.source = source;
    const text = formatReport(report);
    process.stdout.write(`${text}\n`);
    const out = arg(argv, '--out') ?? join(ROOT, 'bench/results', quick ? 'peers-quick.json' : 'peers.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nJSON: ${out}\n`);
    return report;
  } finally {
    await browser.close();
    await server.close();
  }
}

const ms = (t: Timing | undefined) => (t && Number.isFinite(t.medianMs) ? t.medianMs.toFixed(2) : '—');
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(a / b).toFixed(2)}×`
    : '—';
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : '—');

const engineOf = (r: SizeResult, id: EngineId | null) =>
  id === null ? undefined : r.engines.find((e) => e.engine === id);

/** Whole-layer ratios of one size: the strongest WebGPU peer's time and the CPU reference's over moe-lab's. */
export function sizeRatios(r: SizeResult): {
  moeMs: number;
  peer?: EngineResult;
  cpu?: EngineResult;
  vsPeer: number;
  vsCpu: number;
} {
  const moe = engineOf(r, 'moe-lab');
  const peer = engineOf(r, r.strongestWebgpuPeer);
  const cpu = r.engines.find((e) => e.engine === 'cpu-reference' && !e.skipped);
  const moeMs = moe?.total.medianMs ?? Number.NaN;
  return {
    moeMs,
    peer,
    cpu,
    vsPeer: peer ? peer.total.medianMs / moeMs : Number.NaN,
    vsCpu: cpu ? cpu.total.medianMs / moeMs : Number.NaN,
  };
}

function sizeTable(r: SizeResult): string[] {
  const moe = engineOf(r, 'moe-lab');
  const lines = [
    `\n### ${r.size.name}: ${r.shape}`,
    '',
    '| engine | median ms | min ms | trials | engine / moe-lab | y error vs CPU |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const e of r.engines) {
    const strongest = e.engine === r.strongestWebgpuPeer ? ' (strongest WebGPU peer)' : '';
    if (e.skipped) {
      lines.push(
        `| ${e.label}${strongest} | — | — | 0 | ${e.skipped} | ${e.yErr?.toExponential(1) ?? '—'} |`,
      );
      continue;
    }
    const minMs = Number.isFinite(e.total.minMs) ? e.total.minMs.toFixed(2) : '—';
    lines.push(
      `| ${e.label}${strongest} | ${ms(e.total)} | ${minMs} | ${e.total.samples} | ${e.engine === 'moe-lab' ? '1×' : ratio(e.total.medianMs, moe?.total.medianMs)} | ${e.yErr === null ? 'reference' : e.yErr.toExponential(1)} |`,
    );
  }
  const q = sizeRatios(r);
  lines.push(
    '',
    `whole layer: moe-lab ${q.peer ? `${q.vsPeer.toFixed(2)}× the strongest WebGPU peer (${q.peer.label})` : 'has no WebGPU peer at this size'}; ${q.cpu ? `${q.vsCpu.toFixed(2)}× the CPU reference` : 'no CPU reference'}. Agreement: ids ${r.agreement.idsEqual ? 'equal' : 'DIFFER'}, counts ${r.agreement.countsEqual ? 'equal' : 'DIFFER'} (moe-lab, tfjs loop, CPU).`,
    '',
    `moe-lab alone, per stage (GPU timestamps, ${r.size.name}; separate trials after the interleaved rounds; pipelines compiled ${r.moeStages.compiledPipelines}, on a re-run with other T and route scale ${r.moeStages.recompiledOnRerun}).`,
    r.roof
      ? `Micro-benchmark around these trials: copy ${r.roof.before.copyGBps.toFixed(2)} → ${r.roof.after.copyGBps.toFixed(2)} GB/s, matmul ${r.roof.before.matmulGflops.toFixed(2)} → ${r.roof.after.matmulGflops.toFixed(2)} GFLOP/s; the fractions use the mean.`
      : 'Micro-benchmark: the one at the start of the run.',
    '',
    '| moe-lab stage | median ms | achieved | roof (micro-benchmark) |',
    '|---|---:|---:|---:|',
  );
  for (const row of r.moeStages.rows) {
    lines.push(
      `| ${row.label} | ${row.medianMs.toFixed(3)} | ${row.rate.toFixed(row.rateUnit === 'GB/s' ? 3 : 2)} ${row.rateUnit} | ${pct(row.ofRoof)} |`,
    );
  }
  return lines;
}

/**
 * Where moe-lab is not faster than the CPU reference: the measured pieces of its time (GPU timestamps from the
 * per-stage trials, a different clock from the whole-layer column, so the gap column also holds load drift
 * between the two sets of trials) and the expert FFN at 100% of this device's own matmul roof, an estimate of
 * the best the FFN kernels could do here.
 */
export function cpuGapTable(r: PeerReport): string[] {
  const lines = [
    '| size | moe-lab whole ms | its stages, sum ms | expert FFN ms | FFN at 100% of the matmul roof ms | other stages ms | whole − stages ms | CPU reference ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  let any = false;
  for (const s of r.sizes) {
    const q = sizeRatios(s);
    if (!q.cpu || !(q.vsCpu < 1)) continue;
    any = true;
    const rows = s.moeStages.rows;
    const sum = rows.reduce((a, x) => a + x.medianMs, 0);
    const ffn = rows.find((x) => x.name === 'ffn');
    const roof = s.roof ? meanRoof(s.roof).matmulGflops : r.microbench.matmulGflops;
    const ffnAtRoof = ffn ? ffn.flops / (roof * 1e6) : Number.NaN;
    const others = sum - (ffn?.medianMs ?? 0);
    lines.push(
      `| ${s.size.name} | ${q.moeMs.toFixed(2)} | ${sum.toFixed(2)} | ${ffn?.medianMs.toFixed(2) ?? '—'} | ${ffnAtRoof.toFixed(2)} | ${others.toFixed(2)} | ${(q.moeMs - sum).toFixed(2)} | ${ms(q.cpu.total)} |`,
    );
  }
  return any ? lines : ['moe-lab is faster than the CPU reference at every size with a CPU reference.'];
}

/** Each engine's clock, inclusions and exclusions, from the first size where it was timed. */
export function engineTable(r: PeerReport): string[] {
  const lines = ['| engine | timed as | inside the timed region | outside |', '|---|---|---|---|'];
  const seen = new Set<EngineId>();
  for (const s of r.sizes) {
    for (const e of s.engines) {
      if (seen.has(e.engine) || e.clock === '—') continue;
      seen.add(e.engine);
      lines.push(`| ${e.label} | ${e.clock} | ${e.includes} | ${e.excludes} |`);
    }
  }
  return lines;
}

/** One line per size: moe-lab against the strongest WebGPU peer and the CPU reference. */
export function summaryTable(r: PeerReport): string[] {
  const lines = [
    '| size | moe-lab ms | strongest WebGPU peer | peer ms | peer / moe-lab | CPU ref ms | CPU / moe-lab |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes) {
    const q = sizeRatios(s);
    lines.push(
      `| ${s.size.name} (${s.shape}) | ${q.moeMs.toFixed(2)} | ${q.peer?.label ?? (s.size.peers ? 'none timed (see the size)' : '— (moe-lab alone)')} | ${ms(q.peer?.total)} | ${ratio(q.peer?.total.medianMs, q.moeMs)} | ${ms(q.cpu?.total)} | ${ratio(q.cpu?.total.medianMs, q.moeMs)} |`,
    );
  }
  return lines;
}

export function formatReport(r: PeerReport): string {
  // The order of one round, as it ran at the first size (engines not timed there are absent).
  const first =
    r.sizes[0]?.order
      .filter((o) => o.phase === 'trial' && o.round === 1)
      .map((o) => o.engine)
      .join(', ') ?? '';
  const lines = [
    `## Peer benchmark (${r.when})`,
    '',
    `adapter: ${r.adapter.label}${r.adapter.isSoftware ? ' — SOFTWARE ADAPTER: WebGPU emulated on the CPU, times are CPU times' : ''}`,
    `browser: ${r.userAgent}`,
    `tfjs ${r.tfjsVersion}; onnxruntime-web ${r.ortVersion}; ${r.warmup} warm-up and ${r.trials} timed rounds per size, every engine once per round in this order: ${first}; medians`,
    r.machine
      ? `machine: ${r.machine.cpus} × ${r.machine.cpuModel}; load average (1, 5, 15 min) ${r.machine.loadBefore.map((v) => v.toFixed(1)).join(', ')} before the run, ${r.machine.loadAfter.map((v) => v.toFixed(1)).join(', ')} after`
      : 'machine: not recorded',
    r.source
      ? `code: commit ${r.source.commit.slice(0, 10)}${r.source.uncommitted.length ? `, with uncommitted changes in ${r.source.uncommitted.join(', ')}` : ', no uncommitted changes in the benchmarked code'}`
      : 'code: not recorded',
    `micro-benchmark (${r.microbench.source}): copy ${r.microbench.copyGBps.toFixed(2)} GB/s, f32 matmul ${r.microbench.matmulGflops.toFixed(2)} GFLOP/s (${r.microbench.matmulSize}³)`,
    '',
    `clock, start: ${r.clock.start}`,
    `clock, stop: ${r.clock.stop}`,
    `included: ${r.clock.included}`,
    `excluded: ${r.clock.excluded}`,
    '',
    '### engines: how each is timed on that clock',
    '',
    ...engineTable(r),
    '',
    '### whole layer, every size',
    '',
    ...summaryTable(r),
  ];
  for (const s of r.sizes) lines.push(...sizeTable(s));
  const k = r.skew;
  lines.push(
    `\n### expert FFN under skew: ${k.shape}`,
    '',
    '| routing | FFN ms | GFLOP/s | clock |',
    '|---|---:|---:|---|',
    `| moe-lab, balanced (max/mean 1) | ${k.balancedFfnMs.toFixed(2)} | ${k.balancedGflops.toFixed(3)} | GPU timestamps of the FFN pass |`,
    `| moe-lab, skewed (max/mean ${k.maxOverMean.toFixed(1)}) | ${k.skewedFfnMs.toFixed(2)} | ${k.skewedGflops.toFixed(3)} | GPU timestamps of the FFN pass |`,
    `| tfjs dense matMul, same FLOPs | ${k.tfjsDenseMs.toFixed(2)} | ${k.tfjsDenseGflops.toFixed(3)} | wall, first op to queue drain (not the same clock) |`,
  );
  lines.push('', '### where moe-lab is not faster than the CPU reference', '', ...cpuGapTable(r));
  lines.push('', '### targets', '', ...targets(r).map((t) => `- ${t}`));
  return lines.join('\n');
}

export function targets(r: PeerReport): string[] {
  const out: string[] = [];
  const mark = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  for (const s of r.sizes) {
    const q = sizeRatios(s);
    if (q.peer)
      out.push(
        `${mark(q.vsPeer >= 3)} whole layer at ${s.size.name}: ${q.vsPeer.toFixed(2)}× the strongest WebGPU peer, ${q.peer.label} (target ≥ 3×)`,
      );
    if (q.cpu && s.size.peers)
      out.push(
        `${mark(q.vsCpu > 1)} whole layer at ${s.size.name}: ${q.vsCpu.toFixed(2)}× the CPU reference (target > 1× on this adapter)`,
      );
  }
  const big = r.sizes.filter((s) => s.size.tokens >= 16384);
  for (const s of big) {
    for (const name of ['count', 'scatter', 'combine', 'offsets']) {
      const row = s.moeStages.rows.find((x) => x.name === name);
      if (!row) continue;
      if (name === 'offsets') {
        out.push(`(report) offsets (${s.size.name}): ${row.medianMs.toFixed(3)} ms (a scan over E)`);
      } else {
        out.push(
          `${mark(row.ofRoof >= 0.5)} ${name} (${s.size.name}): ${pct(row.ofRoof)} of copy bandwidth (target ≥ 50%)`,
        );
      }
    }
  }
  const k = r.skew;
  const sb = k.skewedFfnMs / k.balancedFfnMs;
  out.push(`${mark(sb <= 1.2)} skewed / balanced FFN time ${sb.toFixed(2)}× (target ≤ 1.2×)`);
  const recompiled = r.sizes.reduce((a, s) => a + s.moeStages.recompiledOnRerun, 0);
  out.push(`${mark(recompiled === 0)} pipelines compiled on re-runs after a parameter change: ${recompiled}`);
  return out;
}
