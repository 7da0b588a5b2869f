/**
 * Experiment (not a test): what one `engine.run()` costs outside the GPU work, as a stream of decode steps pays it.
 * Runs the decode layer (T = 32, d = 128, f = 256, E = 16, k = 2) `--steps` times with trials 1 and no warm-up, the
 * same weight arrays every step and fresh hidden states, and reports per call: wall time, GPU time (submit to
 * onSubmittedWorkDone, `total`), and the difference (uploads, encoding, bind groups, query sets, readback, checks).
 * With `--forward`, also the resident-weight call `engine.forward()` (x upload + one submission + readback of y).
 *
 *   npx tsx src/gpu/experiments/runOverhead.ts [--steps N] [--forward]
 *
 * Uses only engine.run() unless --forward, so this file and common.ts run against an older engine for a before/after.
 */
import { makeLayerConfig } from '../../workload';
import { createMoeEngine } from '../index';
import { acquireNodeDevice, loadNodeShaders } from '../node';
import { median, randomLayerTensors } from './common';

const argv = process.argv.slice(2);
const stepsAt = argv.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(argv[stepsAt + 1]) : 30;
const status = await acquireNodeDevice();
if (!status.ok) throw new Error(status.message);
const engine = createMoeEngine(status.device, status.summary, loadNodeShaders());
const cfg = makeLayerConfig({ tokens: 32, dModel: 128, ffnSize: 256, experts: 16, topK: 2 });
const { tokens: T, dModel: d, ffnSize: f, experts: E } = cfg;
const { x: _x, ...weights } = randomLayerTensors(cfg, 7, 'run-overhead');
const xs = Array.from({ length: 4 }, (_, i) => randomLayerTensors(cfg, 8 + i, 'run-overhead').x);
await engine.run(cfg, { x: xs[0], ...weights }, { trials: 1, warmup: 1 });
const wall: number[] = [];
const gpu: number[] = [];
const outside: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  const r = await engine.run(cfg, { x: xs[i % xs.length], ...weights }, { trials: 1, warmup: 0 });
  const w = performance.now() - t0;
  wall.push(w);
  gpu.push(r.total.medianMs);
  outside.push(w - r.total.medianMs);
}
const soft = engine.adapter.isSoftware ? ' (software adapter: GPU work runs on the CPU)' : '';
console.log(
  `adapter: ${engine.adapter.label}${soft}; decode layer T=${T} d=${d} f=${f} E=${E} k=${cfg.topK}`,
);
console.log(
  `engine.run() over ${steps} steps: wall median ${median(wall).toFixed(3)} ms, GPU (submit→done) median ${median(gpu).toFixed(3)} ms, outside the GPU work median ${median(outside).toFixed(3)} ms (min ${Math.min(...outside).toFixed(3)})`,
);
if (argv.includes('--forward')) {
  // biome-ignore lint/suspicious/noExplicitAny: the API is absent from older engines this file also runs against
  const fwd = (engine as any).forward.bind(engine);
  await fwd(cfg, { x: xs[0], ...weights });
  const fw: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await fwd(cfg, { x: xs[i % xs.length], ...weights });
    fw.push(performance.now() - t0);
  }
  console.log(
    `engine.forward() over ${steps} steps (weights resident, x uploaded, y read back): wall median ${median(fw).toFixed(3)} ms (min ${Math.min(...fw).toFixed(3)})`,
  );
}
engine.destroy();
process.exit(0);
