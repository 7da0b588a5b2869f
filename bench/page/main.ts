/**
 * The peer benchmark's page (served by Vite, driven by bench/peers.ts in headless Chromium): the same MoE layer
 * three ways on the same inputs — (a) moe-lab's engine, (b) a tfjs-backend-webgpu composition written the way a
 * framework user would write it (./tfjsLayer.ts), (c) the CPU reference — checked for agreement on ids and
 * counts before anything is timed. Exposes `window.moeBench.run(spec)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { acquireDevice, createMoeEngine, type DeviceRoofline, type MoeEngine } from '../../src/gpu';
import { browserShaders } from '../../src/gpu/browserShaders';
import { count, expertFfn, gate, offsets, routerLogits, scatter } from '../../src/reference';
import { combine } from '../../src/reference/ffn';
import { defaultScenario } from '../../src/scenario';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import { generateLayerTensors, makeLayerConfig } from '../../src/workload';
import type {
  ImplResult,
  MoeStageRow,
  PeerReport,
  PeerSize,
  PeerSpec,
  PeerStage,
  SizeResult,
  SkewResult,
  Timing,
} from '../peerTypes';
import { meanRoof } from '../peerTypes';
import { TfjsMoe, tfjsDenseFfnMs } from './tfjsLayer';

const logEl = document.getElementById('log');
function log(s: string): void {
  console.log(s);
  if (logEl) logEl.textContent += `\n${s}`;
}

export function timing(samples: number[]): Timing {
  const ok = samples.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (ok.length === 0) return { medianMs: Number.NaN, minMs: Number.NaN, samples: 0 };
  const mid = ok.length >> 1;
  return {
    medianMs: ok.length % 2 ? ok[mid] : (ok[mid - 1] + ok[mid]) / 2,
    minMs: ok[0],
    samples: ok.length,
  };
}

export function configOf(size: PeerSize): LayerConfig {
  const { tokens, dModel, ffnSize, experts, topK } = size;
  return makeLayerConfig({ tokens, dModel, ffnSize, experts, topK, renormalize: true });
}

const shapeOf = (c: LayerConfig) => `T=${c.tokens} d=${c.dModel} f=${c.ffnSize} E=${c.experts} k=${c.topK}`;

function tensorsFor(cfg: LayerConfig): LayerTensors {
  const s = { ...defaultScenario(), ...cfg, seed: 7 };
  return generateLayerTensors(s, cfg);
}

function relErr(got: Float32Array, want: Float32Array): number {
  let scale = 1e-30;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return got.length === want.length ? worst / scale : Number.POSITIVE_INFINITY;
}

function mismatches(a: Int32Array, b: Int32Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

function push<K extends string>(m: Partial<Record<K, number[]>>, key: K, v: number): void {
  const list = m[key] ?? [];
  list.push(v);
  m[key] = list;
}

/** The CPU reference, one step at a time (the same functions runReferenceLayer calls). */
function cpuLayer(cfg: LayerConfig, t: LayerTensors) {
  const T = cfg.tokens;
  const E = cfg.experts;
  const marks: [PeerStage, number][] = [];
  let t0 = performance.now();
  const mark = (s: PeerStage) => {
    const t1 = performance.now();
    marks.push([s, t1 - t0]);
    t0 = t1;
  };
  const logits = routerLogits(t.x, t.router, T, cfg.dModel, E);
  mark('router');
  const g = gate(cfg, logits, t.bias);
  mark('gate');
  const counts = count(g.topkIds, E);
  const plan = offsets(cfg, counts);
  const sc = scatter(cfg, g.topkIds, g.scores, plan);
  mark('dispatch');
  const rows = expertFfn(cfg, t.x, sc.rowTokens, plan.offsets, t.w1, t.w3, t.w2);
  mark('ffn');
  const y = combine(cfg, rows, sc.positions, g.topkWeights, null);
  mark('combine');
  return { ids: g.topkIds, counts, y, marks };
}

function cpuTimed(cfg: LayerConfig, t: LayerTensors, trials: number): ImplResult {
  const per: Partial<Record<PeerStage, number[]>> = {};
  const totals: number[] = [];
  for (let i = 0; i < trials; i++) {
    const r = cpuLayer(cfg, t);
    let sum = 0;
    for (const [s, ms] of r.marks) {
      push(per, s, ms);
      sum += ms;
    }
    totals.push(sum);
  }
  const stages: Partial<Record<PeerStage, Timing>> = {};
  for (const [s, v] of Object.entries(per) as [PeerStage, number[]][]) stages[s] = timing(v);
  return { total: timing(totals), stages, note: 'CPU reference (TypeScript, main thread), wall time' };
}

/** moe-lab stage names → the benchmark's stage groups. */
const GROUP: Record<string, PeerStage> = {
  router: 'router',
  gate: 'gate',
  count: 'dispatch',
  offsets: 'dispatch',
  scatter: 'dispatch',
  ffn: 'ffn',
  combine: 'combine',
};

async function runSize(
  engine: MoeEngine,
  tfm: TfjsMoe | null,
  size: PeerSize,
  spec: PeerSpec,
): Promise<SizeResult> {
  const cfg = configOf(size);
  const t = tensorsFor(cfg);
  log(`\n${size.name}: ${shapeOf(cfg)}`);

  // Agreement first: one untimed run of each.
  const check = await engine.run(cfg, t, { trials: 1, warmup: 0 });
  const ref = size.peers || cfg.tokens * cfg.experts <= 1 << 22 ? cpuLayer(cfg, t) : null;
  let tfjsOut: { ids: Int32Array; counts: Int32Array; y: Float32Array } | null = null;
  if (tfm && size.peers) {
    tfm.load(cfg, t);
    tfjsOut = await tfm.forward(false);
  }
  const want = ref ?? {
    ids: check.result.topkIds,
    counts: check.result.counts,
    y: check.result.y,
  };
  const moeIdMis = mismatches(check.result.topkIds, want.ids);
  const tfIdMis = tfjsOut ? mismatches(tfjsOut.ids, want.ids) : null;
  const agreement = {
    idsEqual: moeIdMis === 0 && (tfIdMis ?? 0) === 0,
    countsEqual:
      mismatches(check.result.counts, want.counts) === 0 &&
      (tfjsOut ? mismatches(tfjsOut.counts, want.counts) === 0 : true),
    moeYErr: relErr(check.result.y, want.y),
    tfjsYErr: tfjsOut ? relErr(tfjsOut.y, want.y) : null,
    idMismatches: { moe: moeIdMis, tfjs: tfIdMis },
  };
  log(`agreement: ${JSON.stringify(agreement)}`);
  if (!agreement.idsEqual || !agreement.countsEqual)
    throw new Error(`${size.name}: implementations disagree on ids or counts: ${JSON.stringify(agreement)}`);

  // (a) moe-lab: warm-up + trials in one go (timestamps per stage, wall time for the whole submission),
  // between two micro-benchmarks, so each stage is compared with the device as it was during its own trials.
  const compiledBefore = engine.compileCount;
  const roofBefore = await engine.microbench({ fresh: true });
  const run = await engine.run(cfg, t, { trials: spec.trials, warmup: spec.warmup });
  const roofAfter = await engine.microbench({ fresh: true });
  const point = (m: DeviceRoofline) => ({ copyGBps: m.copyGBps, matmulGflops: m.matmulGflops });
  const around = { before: point(roofBefore), after: point(roofAfter) };
  const roof = meanRoof(around);
  log(
    `roofline around the trials: copy ${roofBefore.copyGBps.toFixed(2)} → ${roofAfter.copyGBps.toFixed(2)} GB/s, matmul ${roofBefore.matmulGflops.toFixed(2)} → ${roofAfter.matmulGflops.toFixed(2)} GFLOP/s`,
  );
  const rows: MoeStageRow[] = run.stages.map((s) => {
    // Rate in the unit that bounds the stage on this device's roofline (FLOPs for GEMMs, bytes otherwise).
    const gemm = s.flops / roof.matmulGflops > s.bytes / roof.copyGBps;
    const rate = gemm ? s.flops / (s.medianMs * 1e6) : s.bytes / (s.medianMs * 1e6);
    return {
      name: s.name,
      label: s.label,
      medianMs: s.medianMs,
      minMs: s.minMs,
      flops: s.flops,
      bytes: s.bytes,
      rate,
      rateUnit: gemm ? 'GFLOP/s' : 'GB/s',
      ofRoof: gemm ? rate / roof.matmulGflops : rate / roof.copyGBps,
    };
  });
  // Stage groups: the sum of the stage medians in each group.
  const grouped: Partial<Record<PeerStage, number[]>> = {};
  const stages: Partial<Record<PeerStage, Timing>> = {};
  for (const s of run.stages) {
    const g = GROUP[s.name] ?? 'ffn';
    push(grouped, g, s.medianMs);
  }
  for (const [g, v] of Object.entries(grouped) as [PeerStage, number[]][]) {
    const sum = v.reduce((a, b) => a + b, 0);
    stages[g] = { medianMs: sum, minMs: sum, samples: spec.trials };
  }
  const moe = {
    total: run.total,
    stages,
    note: run.timingNote,
    rows,
    compiledPipelines: engine.compileCount - compiledBefore,
    recompiledOnRerun: 0,
  };
  log(`moe-lab total ${run.total.medianMs.toFixed(2)} ms`);

  // A second run with a parameter change that alters no shader compiles nothing.
  const changed = { ...cfg, routeScale: 1.5, tokens: Math.max(1, cfg.tokens - 3) };
  const tc = tensorsFor(changed);
  const before = engine.compileCount;
  await engine.run(changed, tc, { trials: 1, warmup: 0 });
  moe.recompiledOnRerun = engine.compileCount - before;

  // (b) tfjs: whole-layer trials (no syncs inside but the readback the composition needs), then staged trials.
  let tfjs: ImplResult | null = null;
  if (tfm && size.peers) {
    for (let w = 0; w < spec.warmup; w++) await tfm.forward(false);
    const totals: number[] = [];
    for (let i = 0; i < spec.trials; i++) {
      const t0 = performance.now();
      await tfm.forward(false);
      totals.push(performance.now() - t0);
    }
    const per: Partial<Record<PeerStage, number[]>> = {};
    for (let i = 0; i < spec.trials; i++) {
      const r = await tfm.forward(true);
      for (const [s, ms] of r.marks) push(per, s, ms);
    }
    const st: Partial<Record<PeerStage, Timing>> = {};
    for (const [s, v] of Object.entries(per) as [PeerStage, number[]][]) st[s] = timing(v);
    tfjs = {
      total: timing(totals),
      stages: st,
      note: 'tfjs-backend-webgpu ops; whole layer: wall time to the end of its GPU work; stages: separate trials with the queue drained after each stage',
    };
    tfm.dispose();
    log(`tfjs total ${tfjs.total.medianMs.toFixed(2)} ms`);
  }

  // (c) CPU reference.
  const cpu = size.peers ? cpuTimed(cfg, t, Math.max(1, Math.min(spec.trials, 3))) : null;
  if (cpu) log(`cpu total ${cpu.total.medianMs.toFixed(2)} ms`);
  return { size, shape: shapeOf(cfg), agreement, moe, roof: around, tfjs, cpu };
}

/** Logits that route token t's slots to chosen experts (supplied logits skip the router GEMM). */
function routedLogits(cfg: LayerConfig, pick: (t: number, j: number) => number): Float32Array {
  const { tokens: T, experts: E, topK: k } = cfg;
  const l = new Float32Array(T * E);
  for (let t = 0; t < T; t++) for (let j = 0; j < k; j++) l[t * E + pick(t, j)] = 8 - j;
  return l;
}

async function runSkew(engine: MoeEngine, size: PeerSize, spec: PeerSpec): Promise<SkewResult> {
  const cfg = configOf(size);
  const { tokens: T, experts: E, topK: k, dModel: d, ffnSize: f } = cfg;
  const t = tensorsFor(cfg);
  // Balanced: slot j of token t → expert (t·k + j) mod E. Skewed: expert 0 takes every token's first slot, the
  // others share the remaining slots evenly: max/mean = E/k.
  const balanced = routedLogits(cfg, (tok, j) => (tok * k + j) % E);
  const skewed = routedLogits(cfg, (tok, j) => (j === 0 ? 0 : 1 + ((tok * (k - 1) + j - 1) % (E - 1))));
  // Interleaved single-trial runs (balanced, skewed, balanced, ...) so load drift on a shared machine hits both.
  const once = async (logits: Float32Array, warmup: number) => {
    const r = await engine.run(cfg, { ...t, logits }, { trials: 1, warmup });
    const counts = Array.from(r.result.counts);
    const mean = counts.reduce((a, x) => a + x, 0) / E;
    return { ms: r.timing.ffn?.medianMs ?? Number.NaN, maxOverMean: Math.max(...counts) / mean };
  };
  await once(balanced, spec.warmup);
  await once(skewed, spec.warmup);
  const bt: number[] = [];
  const st: number[] = [];
  let maxOverMean = 0;
  for (let i = 0; i < Math.max(3, spec.trials); i++) {
    bt.push((await once(balanced, 0)).ms);
    const sk = await once(skewed, 0);
    st.push(sk.ms);
    maxOverMean = sk.maxOverMean;
  }
  const b = { ms: timing(bt).medianMs };
  const s = { ms: timing(st).medianMs, maxOverMean };
  const flops = 6 * T * k * d * f;
  const dense = await tfjsDenseFfnMs(T * k, d, f, spec.trials, spec.warmup);
  const r: SkewResult = {
    shape: shapeOf(cfg),
    maxOverMean: s.maxOverMean,
    balancedFfnMs: b.ms,
    skewedFfnMs: s.ms,
    skewedGflops: flops / (s.ms * 1e6),
    balancedGflops: flops / (b.ms * 1e6),
    tfjsDenseMs: dense,
    tfjsDenseGflops: flops / (dense * 1e6),
  };
  log(`skew: ${JSON.stringify(r)}`);
  return r;
}

async function run(spec: PeerSpec): Promise<PeerReport> {
  const status = await acquireDevice(navigator.gpu);
  if (!status.ok) throw new Error(status.message);
  const engine = createMoeEngine(status.device, status.summary, browserShaders);
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    await tf.setBackend('webgpu');
    await tf.ready();
    const roof = await engine.microbench();
    log(
      `adapter ${engine.adapter.label}; copy ${roof.copyGBps.toFixed(2)} GB/s, matmul ${roof.matmulGflops.toFixed(2)} GFLOP/s`,
    );
    const tfm = new TfjsMoe();
    const sizes: SizeResult[] = [];
    for (const size of spec.sizes) sizes.push(await runSize(engine, tfm, size, spec));
    const skew = await runSkew(engine, spec.skew, spec);
    const a = engine.adapter;
    return {
      when: new Date().toISOString(),
      userAgent: navigator.userAgent,
      adapter: {
        label: a.label,
        isSoftware: a.isSoftware,
        architecture: a.architecture,
        features: a.features,
      },
      tfjsVersion: tf.version_core,
      microbench: {
        copyGBps: roof.copyGBps,
        matmulGflops: roof.matmulGflops,
        matmulSize: roof.matmulSize,
        source: roof.source,
      },
      trials: spec.trials,
      warmup: spec.warmup,
      sizes,
      skew,
    };
  } finally {
    engine.destroy();
  }
}

declare global {
  interface Window {
    moeBench: { run(spec: PeerSpec): Promise<PeerReport>; ready: boolean };
  }
}
window.moeBench = { run, ready: true };
