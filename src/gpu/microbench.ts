/**
 * Device micro-benchmark: this device's own roofline. Copy bandwidth from a streaming vec4 copy kernel
 * (shaders/copy.wgsl; bytes read + written), f32 matmul rate from the engine's tiled GEMM (shaders/routerGemm.wgsl)
 * on a square problem. GPU timestamps when available, wall time around onSubmittedWorkDone otherwise; the best
 * (minimum) of several trials after a warm-up.
 */

import { routerGemmGrid, routerGemmProgram, routerGemmVec4Program } from './kernels/routerGemm';
import { packLayerParams } from './params';
import { bindGroup, dispatch1d, type KernelProgram, type PipelineCache } from './pipelines';
import { VEC4_TILE } from './planner';
import { hasTimestamps, now, TimestampRecorder } from './profiler';
import type { DeviceRoofline } from './work';

const COPY_WG = 256;
export const copyProgram: KernelProgram = {
  shader: 'copy',
  constants: { WG: COPY_WG },
  bindings: ['src', 'dst'],
};

export interface MicrobenchOptions {
  /** Bytes copied per trial (default 16 MiB, capped by the device's binding limit). */
  copyBytes?: number;
  /** Matmul size n for an n×n×n problem (default 384). */
  matmulSize?: number;
  trials?: number;
  /** Measure again rather than reuse the engine's cached result (benchmarks on a machine whose load drifts). */
  fresh?: boolean;
}

export interface MicrobenchResult extends DeviceRoofline {
  copyBytes: number;
  matmulSize: number;
  copyMs: number;
  matmulMs: number;
}

async function timeIt(
  device: GPUDevice,
  trials: number,
  encode: (pass: GPUComputePassEncoder) => void,
): Promise<{ ms: number; source: 'timestamp' | 'wall' }> {
  const ts = hasTimestamps(device);
  const warm = device.createCommandEncoder();
  const wp = warm.beginComputePass();
  encode(wp);
  wp.end();
  device.queue.submit([warm.finish()]);
  await device.queue.onSubmittedWorkDone();
  const rec = ts ? new TimestampRecorder(device, 1, trials) : null;
  const wall: number[] = [];
  for (let t = 0; t < trials; t++) {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass(rec ? { timestampWrites: rec.writes(t, 0) } : {});
    encode(pass);
    pass.end();
    const t0 = now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    wall.push(now() - t0);
  }
  if (rec) {
    const [samples] = await rec.read();
    rec.destroy();
    const ok = samples.filter((s) => s > 0);
    if (ok.length) return { ms: Math.min(...ok), source: 'timestamp' };
  }
  return { ms: Math.min(...wall), source: 'wall' };
}

export async function runMicrobench(
  device: GPUDevice,
  pipelines: PipelineCache,
  opts: MicrobenchOptions = {},
): Promise<MicrobenchResult> {
  const trials = opts.trials ?? 5;
  const maxBind = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const copyBytes = Math.floor(Math.min(opts.copyBytes ?? 16 * 2 ** 20, maxBind) / 16) * 16;
  const n = opts.matmulSize ?? 384;
  await pipelines.prepare([copyProgram, routerGemmProgram, routerGemmVec4Program]);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const owned: GPUBuffer[] = [];
  const make = (size: number, u = usage) => {
    const b = device.createBuffer({ size, usage: u });
    owned.push(b);
    return b;
  };
  try {
    const src = make(copyBytes);
    const dst = make(copyBytes);
    const copyPipe = pipelines.get(copyProgram);
    const copyGroup = bindGroup(device, copyProgram, copyPipe, { src, dst });
    const copy = await timeIt(device, trials, (pass) => {
      pass.setPipeline(copyPipe);
      pass.setBindGroup(0, copyGroup);
      dispatch1d(pass, Math.ceil(copyBytes / 16 / COPY_WG));
    });

    const params = make(256, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const cfg = {
      tokens: n,
      dModel: n,
      experts: n,
      topK: 1,
      ffnSize: 1,
      sharedExperts: 0,
      sharedFfnSize: 0,
      scoreFn: 'softmax' as const,
      useBias: false,
      groups: 1,
      topGroups: 1,
      renormalize: false,
      routeScale: 1,
      routingMode: 'token-choice' as const,
      capacityFactor: 0,
      dropPolicy: 'position' as const,
      blockSize: 1,
    };
    device.queue.writeBuffer(
      params,
      0,
      packLayerParams(cfg, { sortSize: 0, sortValid: 0, rowsMax: 0, ffnTileRows: 1, ffnTileCols: 1 }),
    );
    const a = make(n * n * 4);
    const b = make(n * n * 4);
    const c = make(n * n * 4);
    const fill = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    device.queue.writeBuffer(a, 0, fill);
    device.queue.writeBuffer(b, 0, fill);
    // The best of the engine's two GEMMs (tiled scalar, vec4 register-blocked): this device's matmul roof.
    const timeGemm = async (program: KernelProgram, tile?: { TM: number; TN: number }) => {
      const pipe = pipelines.get(program);
      const group = bindGroup(device, program, pipe, { P: params, X: a, W: b, L: c });
      const [gx, gy] = routerGemmGrid(n, n, tile);
      return timeIt(device, trials, (pass) => {
        pass.setPipeline(pipe);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(gx, gy);
      });
    };
    const tiled = await timeGemm(routerGemmProgram);
    const vec4 = n % 4 === 0 ? await timeGemm(routerGemmVec4Program, VEC4_TILE) : tiled;
    const mm = vec4.ms < tiled.ms ? vec4 : tiled;
    return {
      copyGBps: (2 * copyBytes) / (copy.ms * 1e6),
      matmulGflops: (2 * n * n * n) / (mm.ms * 1e6),
      source: copy.source === 'timestamp' && mm.source === 'timestamp' ? 'timestamp' : 'wall',
      copyBytes,
      matmulSize: n,
      copyMs: copy.ms,
      matmulMs: mm.ms,
    };
  } finally {
    for (const b of owned) b.destroy();
  }
}
