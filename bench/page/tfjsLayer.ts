/**
 * The peer: the same MoE layer composed from @tensorflow/tfjs-backend-webgpu ops, the way a user of a general
 * framework writes it (the Hugging Face Mixtral pattern): router matMul → softmax → topk → renormalise; read the
 * routing back to build each expert's token list (dynamic shapes need the host); per expert gather → matMul ×3
 * with SwiGLU; combine with a weighted unsortedSegmentSum. Experts with no tokens are skipped.
 */

import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import type { LayerConfig, LayerTensors } from '../../src/workload';

/** Submit everything tfjs has recorded and wait for the GPU to finish it (no readback). */
export async function drain(): Promise<void> {
  const b = tf.backend() as WebGPUBackend;
  b.endComputePassEncoder();
  b.ensureCommandEncoderReady();
  b.submitQueue();
  await b.device.queue.onSubmittedWorkDone();
}

export interface TfjsForward {
  ids: Int32Array;
  counts: Int32Array;
  /** Empty unless the output was asked for. */
  y: Float32Array;
}

export class TfjsMoe {
  private cfg: LayerConfig | null = null;
  private held: tf.Tensor[] = [];
  private x: tf.Tensor2D | null = null;
  private wr: tf.Tensor2D | null = null;
  private w1: tf.Tensor2D[] = [];
  private w3: tf.Tensor2D[] = [];
  private w2: tf.Tensor2D[] = [];

  load(cfg: LayerConfig, t: LayerTensors): void {
    this.dispose();
    const { tokens: T, dModel: d, experts: E, ffnSize: f } = cfg;
    const keep = <R extends tf.Tensor>(x: R): R => {
      this.held.push(x);
      return x;
    };
    this.cfg = cfg;
    this.x = keep(tf.tensor2d(t.x, [T, d]));
    this.wr = keep(tf.tensor2d(t.router, [d, E]));
    for (let e = 0; e < E; e++) {
      this.w1.push(keep(tf.tensor2d(t.w1.subarray(e * d * f, (e + 1) * d * f), [d, f])));
      this.w3.push(keep(tf.tensor2d(t.w3.subarray(e * d * f, (e + 1) * d * f), [d, f])));
      this.w2.push(keep(tf.tensor2d(t.w2.subarray(e * f * d, (e + 1) * f * d), [f, d])));
    }
  }

  /**
   * One forward pass. It reads the routing back in the middle (the host builds each expert's token list); the
   * layer ends when its GPU work is done (a queue drain); y is read back only when `withOutput`.
   */
  async forward(withOutput: boolean): Promise<TfjsForward> {
    const cfg = this.cfg;
    const x = this.x;
    const wr = this.wr;
    if (!cfg || !x || !wr) throw new Error('TfjsMoe.load() first');
    const { tokens: T, experts: E, topK: k } = cfg;
    tf.engine().startScope();
    try {
      // router GEMM
      const logits = tf.matMul(x, wr);
      // gate: softmax, top-k (ties toward the lower index), renormalise
      const probs = tf.softmax(logits);
      const { values, indices } = tf.topk(probs, k);
      const weights = tf.div(values, tf.sum(values, 1, true));
      // dispatch: routing to the host, token lists per expert, gather each expert's rows
      const ids = (await indices.data()) as Int32Array;
      const wts = (await weights.data()) as Float32Array;
      const counts = new Int32Array(E);
      for (const e of ids) counts[e]++;
      const lists: number[][] = Array.from({ length: E }, () => []);
      const slotW: number[][] = Array.from({ length: E }, () => []);
      for (let i = 0; i < T * k; i++) {
        lists[ids[i]].push(Math.floor(i / k));
        slotW[ids[i]].push(wts[i]);
      }
      const gathered: { e: number; xe: tf.Tensor2D }[] = [];
      for (let e = 0; e < E; e++) {
        if (lists[e].length === 0) continue;
        gathered.push({ e, xe: tf.gather(x, tf.tensor1d(lists[e], 'int32')) });
      }
      // expert FFN: SwiGLU per expert
      const ys: tf.Tensor2D[] = [];
      for (const { e, xe } of gathered) {
        const g = tf.matMul(xe, this.w1[e]);
        const u = tf.matMul(xe, this.w3[e]);
        const h = tf.mul(tf.mul(g, tf.sigmoid(g)), u);
        ys.push(tf.matMul(h, this.w2[e]));
      }
      // combine: weighted rows summed back per token
      const segIds: number[] = [];
      const rowW: number[] = [];
      for (const { e } of gathered) {
        segIds.push(...lists[e]);
        rowW.push(...slotW[e]);
      }
      const ycat = ys.length === 1 ? ys[0] : tf.concat(ys, 0);
      const scaled = tf.mul(ycat, tf.tensor2d(rowW, [rowW.length, 1]));
      const out = tf.unsortedSegmentSum(scaled, tf.tensor1d(segIds, 'int32'), T);
      let y: Float32Array = new Float32Array(0);
      if (withOutput) y = (await out.data()) as Float32Array;
      else await drain();
      return { ids, counts, y };
    } finally {
      tf.engine().endScope();
    }
  }

  dispose(): void {
    for (const t of this.held) t.dispose();
    this.held = [];
    this.w1 = [];
    this.w3 = [];
    this.w2 = [];
    this.x = null;
    this.wr = null;
    this.cfg = null;
  }
}

/** The peer's dense GEMM rate: [n, d]×[d, f] twice and [n, f]×[f, d] (the FFN's FLOPs, no routing), median ms. */
export async function tfjsDenseFfnMs(
  n: number,
  d: number,
  f: number,
  trials: number,
  warmup: number,
): Promise<number> {
  const x = tf.randomNormal([n, d]) as tf.Tensor2D;
  const w1 = tf.randomNormal([d, f]) as tf.Tensor2D;
  const w3 = tf.randomNormal([d, f]) as tf.Tensor2D;
  const w2 = tf.randomNormal([f, d]) as tf.Tensor2D;
  const once = async () => {
    tf.engine().startScope();
    try {
      await drain();
      const t0 = performance.now();
      const g = tf.matMul(x, w1);
      tf.matMul(x, w3);
      tf.matMul(g, w2);
      await drain();
      return performance.now() - t0;
    } finally {
      tf.engine().endScope();
    }
  };
  try {
    for (let i = 0; i < warmup; i++) await once();
    const ms: number[] = [];
    for (let i = 0; i < trials; i++) ms.push(await once());
    ms.sort((a, b) => a - b);
    const mid = ms.length >> 1;
    return ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  } finally {
    for (const t of [x, w1, w3, w2]) t.dispose();
  }
}
