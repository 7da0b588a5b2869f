/**
 * Stage timing: GPU timestamps written at the start and end of each stage's compute pass (when the device has
 * 'timestamp-query'), resolved once after all trials so readback stays out of the timed region; otherwise wall
 * time around queue.onSubmittedWorkDone with each stage submitted on its own. Negative or non-finite deltas
 * (timestamps wrapping or reset) are dropped. Chrome quantises timestamps to 100 µs unless its developer
 * features are on, so sub-0.1 ms stages read as 0 or 0.1 there.
 */

export type TimingSource = 'timestamp' | 'wall';

export interface StageTiming {
  medianMs: number;
  minMs: number;
  source: TimingSource;
  /** Trials that gave a usable sample. */
  samples: number;
}

export function summarize(samples: readonly number[], source: TimingSource): StageTiming {
  const ok = samples.filter((s) => Number.isFinite(s) && s >= 0).sort((a, b) => a - b);
  if (ok.length === 0) return { medianMs: Number.NaN, minMs: Number.NaN, source, samples: 0 };
  const mid = ok.length >> 1;
  const median = ok.length % 2 ? ok[mid] : (ok[mid - 1] + ok[mid]) / 2;
  return { medianMs: median, minMs: ok[0], source, samples: ok.length };
}

export const TIMESTAMP_NOTE =
  'GPU timestamps per stage; browsers may quantise them to 100 µs unless WebGPU developer features are enabled';
export const WALL_NOTE =
  'wall time per stage (each stage submitted alone and awaited): no timestamp-query on this device';

/** A query set for `passes` passes × `trials` trials, and the buffers to resolve and read it. */
export class TimestampRecorder {
  readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;
  private readonly count: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly passes: number,
    private readonly trials: number,
  ) {
    this.count = passes * trials * 2;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: this.count });
    this.resolveBuf = device.createBuffer({
      size: this.count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readBuf = device.createBuffer({
      size: this.count * 8,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  writes(trial: number, pass: number): GPUComputePassTimestampWrites {
    const base = (trial * this.passes + pass) * 2;
    return { querySet: this.querySet, beginningOfPassWriteIndex: base, endOfPassWriteIndex: base + 1 };
  }

  /** Whether this recorder has room for `passes` × `trials` (a smaller run reuses a larger recorder). */
  fits(passes: number, trials: number): boolean {
    return passes <= this.passes && trials <= this.trials;
  }

  /** Per pass, per trial, milliseconds, for the first `passes` × `trials` written (default: all). */
  async read(passes = this.passes, trials = this.trials): Promise<number[][]> {
    const count = trials * this.passes * 2;
    const enc = this.device.createCommandEncoder();
    enc.resolveQuerySet(this.querySet, 0, count, this.resolveBuf, 0);
    enc.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, count * 8);
    this.device.queue.submit([enc.finish()]);
    await this.readBuf.mapAsync(GPUMapMode.READ, 0, count * 8);
    const ns = new BigInt64Array(this.readBuf.getMappedRange(0, count * 8).slice(0));
    this.readBuf.unmap();
    const out: number[][] = Array.from({ length: passes }, () => []);
    for (let t = 0; t < trials; t++) {
      for (let p = 0; p < passes; p++) {
        const i = (t * this.passes + p) * 2;
        out[p].push(Number(ns[i + 1] - ns[i]) / 1e6);
      }
    }
    return out;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuf.destroy();
    this.readBuf.destroy();
  }
}

export function hasTimestamps(device: GPUDevice): boolean {
  return device.features.has('timestamp-query');
}

export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
