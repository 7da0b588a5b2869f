/**
 * Peer benchmark: `npm run bench -- peers [--trials N] [--warmup N] [--quick] [--out file.json]`.
 * One headless Chromium run (system Chromium, SwiftShader WebGPU, as playwright.config.ts launches it) on a page
 * served by Vite (bench/page/): moe-lab's layer vs the same layer from tfjs-backend-webgpu ops vs the CPU
 * reference, after checking that they agree on ids and counts. Prints tables and the targets of issue 7, and
 * writes JSON to bench/results/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { findChromium, WEBGPU_CHROMIUM_ARGS } from '../e2e/chromium';
import type { PeerReport, PeerSize, PeerSpec, PeerStage, SizeResult, Timing } from './peerTypes';

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
  const spec: PeerSpec = {
    sizes: quick ? QUICK_SIZES : PEER_SIZES,
    trials: Number(arg(argv, '--trials') ?? 3),
    warmup: Number(arg(argv, '--warmup') ?? 1),
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
    const report = await page.evaluate((s) => window.moeBench.run(s), spec);
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

const STAGES: [PeerStage, string][] = [
  ['router', 'router GEMM'],
  ['gate', 'gate / top-k'],
  ['dispatch', 'dispatch (count, offsets, scatter; tfjs: readback + gather)'],
  ['ffn', 'expert FFN'],
  ['combine', 'combine'],
];

/** Router GEMM → scatter: the sum of the router, gate and dispatch stage medians. */
export function gateDispatchMs(stages: Partial<Record<PeerStage, Timing>>): number {
  return (['router', 'gate', 'dispatch'] as PeerStage[]).reduce((a, s) => a + (stages[s]?.medianMs ?? 0), 0);
}

function sizeTable(r: SizeResult): string[] {
  const lines = [
    `\n### ${r.size.name}: ${r.shape}`,
    '',
    '| stage | moe-lab ms | tfjs-webgpu ms | CPU ref ms | tfjs / moe-lab | CPU / moe-lab |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [s, label] of STAGES) {
    const m = r.moe.stages[s];
    const t = r.tfjs?.stages[s];
    const c = r.cpu?.stages[s];
    lines.push(
      `| ${label} | ${ms(m)} | ${ms(t)} | ${ms(c)} | ${ratio(t?.medianMs, m?.medianMs)} | ${ratio(c?.medianMs, m?.medianMs)} |`,
    );
  }
  const gm = gateDispatchMs(r.moe.stages);
  const gt = r.tfjs ? gateDispatchMs(r.tfjs.stages) : undefined;
  const gc = r.cpu ? gateDispatchMs(r.cpu.stages) : undefined;
  lines.push(
    `| gate + dispatch (router → scatter) | ${gm.toFixed(2)} | ${gt?.toFixed(2) ?? '—'} | ${gc?.toFixed(2) ?? '—'} | ${ratio(gt, gm)} | ${ratio(gc, gm)} |`,
    `| **whole layer** | **${ms(r.moe.total)}** | **${ms(r.tfjs?.total)}** | **${ms(r.cpu?.total)}** | **${ratio(r.tfjs?.total.medianMs, r.moe.total.medianMs)}** | **${ratio(r.cpu?.total.medianMs, r.moe.total.medianMs)}** |`,
    '',
    `agreement: ids ${r.agreement.idsEqual ? 'equal' : 'DIFFER'}, counts ${r.agreement.countsEqual ? 'equal' : 'DIFFER'}; y vs CPU: moe-lab ${r.agreement.moeYErr.toExponential(1)}, tfjs ${r.agreement.tfjsYErr?.toExponential(1) ?? '—'} (max abs error / max |y|); pipelines compiled ${r.moe.compiledPipelines}, on a re-run with other T and route scale ${r.moe.recompiledOnRerun}`,
    '',
    r.roof
      ? `micro-benchmark around these trials: copy ${r.roof.before.copyGBps.toFixed(2)} → ${r.roof.after.copyGBps.toFixed(2)} GB/s, matmul ${r.roof.before.matmulGflops.toFixed(2)} → ${r.roof.after.matmulGflops.toFixed(2)} GFLOP/s; the fractions use the mean`
      : 'micro-benchmark: the one at the start of the run',
    '',
    '| moe-lab stage | median ms | achieved | roof (micro-benchmark) |',
    '|---|---:|---:|---:|',
  );
  for (const row of r.moe.rows) {
    lines.push(
      `| ${row.label} | ${row.medianMs.toFixed(3)} | ${row.rate.toFixed(row.rateUnit === 'GB/s' ? 3 : 2)} ${row.rateUnit} | ${pct(row.ofRoof)} |`,
    );
  }
  return lines;
}

export function formatReport(r: PeerReport): string {
  const lines = [
    `## Peer benchmark (${r.when})`,
    '',
    `adapter: ${r.adapter.label}${r.adapter.isSoftware ? ' — SOFTWARE ADAPTER: WebGPU emulated on the CPU, times are CPU times' : ''}`,
    `browser: ${r.userAgent}`,
    `tfjs ${r.tfjsVersion}; trials ${r.trials} after ${r.warmup} warm-up; medians`,
    `micro-benchmark (${r.microbench.source}): copy ${r.microbench.copyGBps.toFixed(2)} GB/s, f32 matmul ${r.microbench.matmulGflops.toFixed(2)} GFLOP/s (${r.microbench.matmulSize}³)`,
  ];
  for (const s of r.sizes) lines.push(...sizeTable(s));
  const k = r.skew;
  lines.push(
    `\n### expert FFN under skew: ${k.shape}`,
    '',
    '| routing | FFN ms | GFLOP/s |',
    '|---|---:|---:|',
    `| balanced (max/mean 1) | ${k.balancedFfnMs.toFixed(2)} | ${k.balancedGflops.toFixed(3)} |`,
    `| skewed (max/mean ${k.maxOverMean.toFixed(1)}) | ${k.skewedFfnMs.toFixed(2)} | ${k.skewedGflops.toFixed(3)} |`,
    `| tfjs dense matMul, same FLOPs | ${k.tfjsDenseMs.toFixed(2)} | ${k.tfjsDenseGflops.toFixed(3)} |`,
  );
  lines.push('', '### targets (issue 7)', '', ...targets(r).map((t) => `- ${t}`));
  return lines.join('\n');
}

export function targets(r: PeerReport): string[] {
  const out: string[] = [];
  const mark = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  const med =
    r.sizes.find((s) => s.size.name === 'medium prefill') ?? r.sizes[Math.min(1, r.sizes.length - 1)];
  if (med?.tfjs) {
    const x = med.tfjs.total.medianMs / med.moe.total.medianMs;
    out.push(
      `${mark(x >= 3)} whole layer at ${med.size.name} ${x.toFixed(2)}× faster than tfjs (target ≥ 3×)`,
    );
    const g = gateDispatchMs(med.tfjs.stages) / gateDispatchMs(med.moe.stages);
    out.push(
      `${mark(g >= 5)} gate + dispatch at ${med.size.name} ${g.toFixed(2)}× faster than tfjs (target ≥ 5×)`,
    );
  }
  const big = r.sizes.filter((s) => s.size.tokens >= 16384);
  for (const s of big) {
    for (const name of ['count', 'scatter', 'combine', 'offsets']) {
      const row = s.moe.rows.find((x) => x.name === name);
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
  const vsDense = k.skewedGflops / k.tfjsDenseGflops;
  out.push(
    `${mark(vsDense >= 0.9)} skewed expert FFN (max/mean ${k.maxOverMean.toFixed(1)}) at ${pct(vsDense)} of tfjs's dense matMul rate (target ≥ 90%)`,
  );
  const sb = k.skewedFfnMs / k.balancedFfnMs;
  out.push(`${mark(sb <= 1.2)} skewed / balanced FFN time ${sb.toFixed(2)}× (target ≤ 1.2×)`);
  const recompiled = r.sizes.reduce((a, s) => a + s.moe.recompiledOnRerun, 0);
  out.push(`${mark(recompiled === 0)} pipelines compiled on re-runs after a parameter change: ${recompiled}`);
  return out;
}
