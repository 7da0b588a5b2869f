/**
 * The peer benchmark's one clock. Every engine is wrapped as a Contender whose trial() times one whole layer
 * the same way (CLOCK below), and interleave() runs them round by round: warm-up round 1 (every engine once, in
 * the same order), ..., then trial round 1, trial round 2, ... so load drift on a shared machine hits every
 * engine alike.
 */
import type { MoeEngine } from '../../src/gpu';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import type { EngineId, EngineResult, PeerReport, ScheduleStep } from '../peerTypes';
import type { OrtMoe } from './ortLayer';
import { drain, type TfjsMoe } from './tfjsLayer';
import type { TfjsResidentMoe } from './tfjsResident';

export const CLOCK: PeerReport['clock'] = {
  start:
    "performance.now() on the page's main thread just before the layer's first call (op, dispatch, forward or " +
    "submit), with the engine's device queue idle and every weight already resident (GPU buffers or tensors on " +
    "the engine's own device; Float32Arrays for the CPU reference)",
  stop:
    "performance.now() when the engine's own device queue reports the layer's work done (queue.onSubmittedWorkDone); " +
    'the CPU reference: when its function returns',
  included:
    'every kernel of the layer, the router GEMM included; command encoding, uniform writes and bind groups the ' +
    'engine makes per call; any host round trip the composition makes inside the layer (tfjs per-expert loop: ' +
    "reading the routing back; ONNX Runtime's MoE: reading the per-expert counts back); moe-lab's engine.forward " +
    'also writes x (T·d·4 bytes) inside the timed region, where the peers find x resident',
  excluded:
    'uploading the weights (and x for the peers), reading y back, pipeline/shader compilation (done in the ' +
    'warm-up rounds); y ends on the device for the WebGPU engines, in a Float32Array for the CPU reference',
  schedule:
    'per size: warm-up rounds then trial rounds; each round runs every engine once in the same order ' +
    '(engine A, B, C, ..., then A again); the same warm-up and trial counts for every engine; medians of the trials',
};

/** An engine as the rounds run it: its description as the JSON records it, and one timed trial. */
export interface Contender
  extends Pick<EngineResult, 'engine' | 'label' | 'kind' | 'clock' | 'includes' | 'excludes'> {
  /** One whole layer on the common clock, ms. */
  trial(): Promise<number>;
  dispose(): Promise<void> | void;
}

const EXCLUDES_GPU = 'uploads of x and weights, readback of y, compilation';

/** Time fn() on the common clock after the queue is idle. */
async function wall(idle: () => Promise<void>, fn: () => Promise<unknown>): Promise<number> {
  await idle();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The resident-weights call of the GPU engine (engine.forward), where the engine has it. */
interface ResidentForward {
  forward(cfg: LayerConfig, t: LayerTensors, opts: { readback: 'none' }): Promise<unknown>;
}

function residentForward(engine: MoeEngine): ResidentForward | null {
  const f = (engine as unknown as Partial<ResidentForward>).forward;
  return typeof f === 'function' ? (engine as unknown as ResidentForward) : null;
}

/**
 * moe-lab. With engine.forward (weights stay on the device between calls): the common clock around
 * forward(cfg, t, { readback: 'none' }), which uploads x (T·d·4 bytes; the peers' x is resident, so this counts
 * against moe-lab), encodes and submits every stage and waits for onSubmittedWorkDone. Without it (an older
 * engine): engine.run() with one untimed warm-up per trial, whose own clock runs from submit to
 * onSubmittedWorkDone after the uploads have drained (encoding and bind groups outside).
 */
export function moeLabContender(engine: MoeEngine, cfg: LayerConfig, t: LayerTensors): Contender {
  const resident = residentForward(engine);
  const idle = () => engine.device.queue.onSubmittedWorkDone();
  if (resident) {
    return {
      engine: 'moe-lab',
      label: 'moe-lab',
      kind: 'webgpu',
      clock:
        "performance.now() around engine.forward(cfg, tensors, { readback: 'none' }) after the queue is idle; it " +
        'returns after onSubmittedWorkDone',
      includes:
        'upload of x (weights resident since the warm-up round), encoding, one submission of every stage; no host ' +
        'round trip inside the layer',
      excludes: 'weight uploads (resident), readback of y, compilation',
      trial: () => wall(idle, () => resident.forward(cfg, t, { readback: 'none' })),
      dispose() {},
    };
  }
  return {
    engine: 'moe-lab',
    label: 'moe-lab',
    kind: 'webgpu',
    clock:
      'engine.run(cfg, tensors, { trials: 1, warmup: 1 }).total: wall time from queue.submit to onSubmittedWorkDone ' +
      '(the untimed warm-up drains the uploads first; encoding and bind groups precede the submit and are outside)',
    includes: 'one submission: every stage, no host round trip inside the layer',
    excludes: EXCLUDES_GPU,
    async trial() {
      const run = await engine.run(cfg, t, { trials: 1, warmup: 1 });
      return run.total.medianMs;
    },
    dispose() {},
  };
}

export function tfjsLoopContender(tfm: TfjsMoe): Contender {
  return {
    engine: 'tfjs-loop',
    label: 'tfjs-webgpu, per-expert loop',
    kind: 'webgpu',
    clock:
      'performance.now() around forward(), after a queue drain; forward() ends with a drain of its queue',
    includes: 'the readback of ids and weights in the middle of the layer (host-side token lists per expert)',
    excludes: EXCLUDES_GPU,
    trial: () => wall(drain, () => tfm.forward(false)),
    dispose: () => tfm.dispose(),
  };
}

export function tfjsResidentContender(m: TfjsResidentMoe): Contender {
  const dense = m.kind === 'dense';
  return {
    engine: dense ? 'tfjs-dense' : 'tfjs-gathered',
    label: dense ? 'tfjs-webgpu, dense all experts' : 'tfjs-webgpu, gathered [E, C, d] batched matMul',
    kind: 'webgpu',
    clock:
      'performance.now() around forward(), after a queue drain; forward() ends with a drain of its queue',
    includes: dense
      ? 'routing kept on the GPU; no host round trip'
      : 'routing kept on the GPU; no host round trip; C (the busiest expert count) fixed when the layer is loaded',
    excludes: EXCLUDES_GPU,
    trial: () => wall(drain, () => m.forward(false)),
    dispose: () => m.dispose(),
  };
}

export function ortContender(m: OrtMoe): Contender {
  return {
    engine: 'ort-webgpu',
    label: 'ONNX Runtime Web, MatMul → com.microsoft MoE (WebGPU EP)',
    kind: 'webgpu',
    clock:
      "performance.now() around session.run() plus onSubmittedWorkDone on ORT's device, after the queue is idle; y is a GPU buffer",
    includes: "the MoE operator's own readback of per-expert counts (its host loop over experts)",
    excludes: EXCLUDES_GPU,
    trial: () =>
      wall(
        () => m.idle(),
        () => m.forward(false),
      ),
    dispose: () => m.dispose(),
  };
}

export function cpuContender(layer: () => unknown): Contender {
  return {
    engine: 'cpu-reference',
    label: 'CPU reference (TypeScript, main thread)',
    kind: 'cpu',
    clock: 'performance.now() around the reference layer (router → combine)',
    includes: 'every step of the layer on one core',
    excludes: 'generating the tensors',
    trial: () =>
      wall(
        async () => {},
        async () => layer(),
      ),
    dispose() {},
  };
}

export interface InterleaveOptions {
  warmup: number;
  trials: number;
  log: (s: string) => void;
}

/** Run the contenders round-robin; a contender that throws is dropped with the reason. */
export async function interleave(
  contenders: Contender[],
  opts: InterleaveOptions,
): Promise<{ samples: Map<EngineId, number[]>; skipped: Map<EngineId, string>; order: ScheduleStep[] }> {
  const samples = new Map<EngineId, number[]>(contenders.map((c) => [c.engine, []]));
  const skipped = new Map<EngineId, string>();
  const order: ScheduleStep[] = [];
  const rounds: { phase: ScheduleStep['phase']; round: number }[] = [];
  for (let r = 1; r <= Math.max(1, opts.warmup); r++) rounds.push({ phase: 'warm-up', round: r });
  for (let r = 1; r <= opts.trials; r++) rounds.push({ phase: 'trial', round: r });
  for (const { phase, round } of rounds) {
    for (const c of contenders) {
      if (skipped.has(c.engine)) continue;
      let ms: number;
      try {
        ms = await c.trial();
      } catch (e) {
        skipped.set(c.engine, `failed: ${e instanceof Error ? e.message : String(e)}`);
        opts.log(`${c.engine}: ${skipped.get(c.engine)}`);
        continue;
      }
      order.push({ phase, round, engine: c.engine });
      if (phase === 'trial') samples.get(c.engine)?.push(ms);
    }
  }
  return { samples, skipped, order };
}

/** The interleave's outcome for one contender, in the report's shape. */
export function engineResult(
  c: Contender,
  samples: number[],
  skipped: string | undefined,
  yErr: number | null,
  timing: (s: number[]) => EngineResult['total'],
): EngineResult {
  const r: EngineResult = {
    engine: c.engine,
    label: c.label,
    kind: c.kind,
    clock: c.clock,
    includes: c.includes,
    excludes: c.excludes,
    total: timing(skipped ? [] : samples),
    samplesMs: skipped ? [] : samples,
    yErr,
  };
  if (skipped) r.skipped = skipped;
  return r;
}
