/**
 * The peer benchmark's page (served by Vite, driven by bench/peers.ts in headless Chromium): the same MoE layer
 * on the same inputs by moe-lab's engine, three tfjs-backend-webgpu compositions (./tfjsLayer.ts,
 * ./tfjsResident.ts), ONNX Runtime Web's WebGPU MoE operator (./ortLayer.ts) and the CPU reference, checked for
 * agreement before anything is timed, then timed on one clock in interleaved rounds (./contenders.ts).
 * Exposes `window.moeBench.run(spec)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { acquireDevice, createMoeEngine, type DeviceRoofline, type MoeEngine } from '../../src/gpu';
import { browserShaders } from '../../src/gpu/browserShaders';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import type {
  EngineId,
  EngineResult,
  MoeStageRow,
  PeerReport,
  PeerSize,
  PeerSpec,
  SizeResult,
} from '../peerTypes';
import { meanRoof } from '../peerTypes';
import {
  CLOCK,
  type Contender,
  cpuContender,
  engineResult,
  interleave,
  moeLabContender,
  ortContender,
  tfjsLoopContender,
  tfjsResidentContender,
} from './contenders';
import { OrtMoe, ortVersion } from './ortLayer';
import { configOf, cpuLayer, log, mismatches, relErr, shapeOf, tensorsFor, timing } from './shared';
import { runSkew } from './skew';
import { TfjsMoe } from './tfjsLayer';
import { TfjsResidentMoe } from './tfjsResident';

const ENGINE_ORDER: EngineId[] = [
  'moe-lab',
  'tfjs-loop',
  'tfjs-dense',
  'tfjs-gathered',
  'ort-webgpu',
  'cpu-reference',
];

/** y agrees with the reference when max |y − y_ref| / max |y_ref| is below this (f32, different sum orders). */
const Y_TOLERANCE = 1e-3;
/** A slow peer is still timed while its agreement run is within this factor of the fastest peer's. */
const SLOW_VS_FASTEST = 2;
/** The dense all-experts composition runs only for small E (it does E/k times the routed FLOPs). */
const DENSE_MAX_EXPERTS = 32;

/** moe-lab's own per-stage GPU timestamps, between two micro-benchmarks (moe-lab only: no peer is staged). */
async function moeStages(engine: MoeEngine, cfg: LayerConfig, t: LayerTensors, spec: PeerSpec) {
  const compiledBefore = engine.compileCount;
  const roofBefore = await engine.microbench({ fresh: true });
  const run = await engine.run(cfg, t, { trials: spec.trials, warmup: spec.warmup });
  const roofAfter = await engine.microbench({ fresh: true });
  const point = (m: DeviceRoofline) => ({ copyGBps: m.copyGBps, matmulGflops: m.matmulGflops });
  const around = { before: point(roofBefore), after: point(roofAfter) };
  const roof = meanRoof(around);
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
  const compiledPipelines = engine.compileCount - compiledBefore;
  // A second run with a parameter change that alters no shader compiles nothing.
  const changed = { ...cfg, routeScale: 1.5, tokens: Math.max(1, cfg.tokens - 3) };
  const before = engine.compileCount;
  await engine.run(changed, tensorsFor(changed), { trials: 1, warmup: 0 });
  return {
    stages: {
      rows,
      compiledPipelines,
      recompiledOnRerun: engine.compileCount - before,
      note: run.timingNote,
    },
    roof: around,
  };
}

/** A contender that could not be built (its result carries the reason). */
function unavailable(engine: EngineId, label: string, reason: string): Contender {
  return {
    engine,
    label,
    kind: 'webgpu',
    clock: '—',
    includes: '—',
    excludes: '—',
    trial: () => Promise.reject(new Error(reason)),
    dispose() {},
  };
}

async function runSize(engine: MoeEngine, size: PeerSize, spec: PeerSpec): Promise<SizeResult> {
  const cfg = configOf(size);
  const t = tensorsFor(cfg);
  log(`\n${size.name}: ${shapeOf(cfg)}`);

  // Agreement first: one untimed run of each engine against the CPU reference.
  const want = cpuLayer(cfg, t);
  const check = await engine.run(cfg, t, { trials: 1, warmup: 0 });
  const yErr = new Map<EngineId, number>([['moe-lab', relErr(check.result.y, want.y)]]);
  const agreementMs = new Map<EngineId, number>();
  const moeIdMis = mismatches(check.result.topkIds, want.ids);
  let tfjsIdMis: number | null = null;
  let tfjsCountsOk = true;
  const peers: Contender[] = [];
  const notTimed: { contender: Contender; reason: string }[] = [];
  // The agreement run doubles as the slowness check, so that one size cannot take many minutes: a peer is not
  // timed when its untimed run (y read back, compilation included) took longer than the limit AND more than
  // SLOW_VS_FASTEST times the fastest agreeing peer's run, so the fastest peer is always timed. A peer whose y
  // disagrees with the reference is not timed either. Both are reported with the reason.
  const slowMs = spec.slowLimitS * 1000;
  const candidates: { contender: Contender; ms: number }[] = [];
  const admit = (c: Contender, ms: number) => {
    agreementMs.set(c.engine, ms);
    candidates.push({ contender: c, ms });
  };
  const decide = () => {
    const agreeing = candidates.filter((x) => (yErr.get(x.contender.engine) ?? Number.NaN) < Y_TOLERANCE);
    const fastest = Math.min(...agreeing.map((x) => x.ms));
    for (const { contender: c, ms } of candidates) {
      const err = yErr.get(c.engine) ?? Number.NaN;
      let reason: string | null = null;
      if (!(err < Y_TOLERANCE))
        reason = `y disagrees with the reference (${err.toExponential(1)}): not timed`;
      else if (ms > slowMs && ms > SLOW_VS_FASTEST * fastest)
        reason = `its untimed agreement run (y read back) took ${(ms / 1000).toFixed(1)} s, over the ${spec.slowLimitS} s limit and ${(ms / fastest).toFixed(1)}× the fastest peer's: not timed at this size`;
      if (reason === null) peers.push(c);
      else {
        log(`${c.engine}: ${reason}`);
        notTimed.push({ contender: c, reason });
      }
    }
  };
  const timed = async <R>(fn: () => Promise<R>): Promise<[R, number]> => {
    const t0 = performance.now();
    const r = await fn();
    return [r, performance.now() - t0];
  };
  if (size.peers) {
    const loop = new TfjsMoe();
    loop.load(cfg, t);
    const [out, loopMs] = await timed(() => loop.forward(true));
    tfjsIdMis = mismatches(out.ids, want.ids);
    tfjsCountsOk = mismatches(out.counts, want.counts) === 0;
    yErr.set('tfjs-loop', relErr(out.y, want.y));
    admit(tfjsLoopContender(loop), loopMs);
    const busiest = Math.max(...want.counts);
    const kinds =
      cfg.experts <= DENSE_MAX_EXPERTS ? (['dense', 'gathered'] as const) : (['gathered'] as const);
    for (const kind of kinds) {
      const m = new TfjsResidentMoe(kind, cfg, t, busiest);
      const [y, ms] = await timed(() => m.forward(true));
      yErr.set(m.kind === 'dense' ? 'tfjs-dense' : 'tfjs-gathered', y ? relErr(y, want.y) : Number.NaN);
      admit(tfjsResidentContender(m), ms);
    }
    try {
      const ort = await OrtMoe.create(cfg, t);
      const [y, ms] = await timed(() => ort.forward(true));
      yErr.set('ort-webgpu', y ? relErr(y, want.y) : Number.NaN);
      admit(ortContender(ort), ms);
    } catch (e) {
      const reason = `could not run: ${e instanceof Error ? e.message : String(e)}`;
      log(`ort-webgpu: ${reason}`);
      notTimed.push({
        contender: unavailable('ort-webgpu', 'ONNX Runtime Web, com.microsoft MoE (WebGPU EP)', reason),
        reason,
      });
    }
  }
  decide();
  const agreement = {
    idsEqual: moeIdMis === 0 && (tfjsIdMis ?? 0) === 0,
    countsEqual: mismatches(check.result.counts, want.counts) === 0 && tfjsCountsOk,
    idMismatches: { moe: moeIdMis, tfjs: tfjsIdMis },
  };
  log(`agreement: ${JSON.stringify(agreement)}; y errors ${JSON.stringify(Object.fromEntries(yErr))}`);
  if (!agreement.idsEqual || !agreement.countsEqual)
    throw new Error(`${size.name}: engines disagree on ids or counts: ${JSON.stringify(agreement)}`);
  if (!((yErr.get('moe-lab') ?? 1) < Y_TOLERANCE)) throw new Error(`${size.name}: moe-lab's y disagrees`);

  // One clock, interleaved rounds: moe-lab, the WebGPU peers, the CPU reference.
  const contenders = [moeLabContender(engine, cfg, t), ...peers, cpuContender(() => cpuLayer(cfg, t))];
  const { samples, skipped, order } = await interleave(contenders, {
    warmup: spec.warmup,
    trials: spec.trials,
    log,
  });
  const withAgreementMs = (e: EngineResult): EngineResult => {
    const ms = agreementMs.get(e.engine);
    return ms === undefined ? e : { ...e, agreementRunMs: ms };
  };
  const engines: EngineResult[] = contenders.map((c) => {
    const err = c.engine === 'cpu-reference' ? null : (yErr.get(c.engine) ?? null);
    return withAgreementMs(engineResult(c, samples.get(c.engine) ?? [], skipped.get(c.engine), err, timing));
  });
  for (const n of notTimed)
    engines.push(
      withAgreementMs(engineResult(n.contender, [], n.reason, yErr.get(n.contender.engine) ?? null, timing)),
    );
  for (const c of [...contenders, ...notTimed.map((n) => n.contender)]) await c.dispose();
  engines.sort((a, b) => ENGINE_ORDER.indexOf(a.engine) - ENGINE_ORDER.indexOf(b.engine));
  for (const e of engines)
    log(`${e.engine}: ${e.skipped ?? `${e.total.medianMs.toFixed(2)} ms (min ${e.total.minMs.toFixed(2)})`}`);
  const webgpuPeers = engines.filter(
    (e) => e.kind === 'webgpu' && e.engine !== 'moe-lab' && !e.skipped && Number.isFinite(e.total.medianMs),
  );
  webgpuPeers.sort((a, b) => a.total.medianMs - b.total.medianMs);

  const staged = await moeStages(engine, cfg, t, spec);
  return {
    size,
    shape: shapeOf(cfg),
    agreement,
    engines,
    order,
    strongestWebgpuPeer: webgpuPeers[0]?.engine ?? null,
    moeStages: staged.stages,
    roof: staged.roof,
  };
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
    const sizes: SizeResult[] = [];
    for (const size of spec.sizes) sizes.push(await runSize(engine, size, spec));
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
      ortVersion: ortVersion(),
      clock: CLOCK,
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
