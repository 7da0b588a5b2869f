/**
 * tfjs-backend-webgpu compositions that keep the routing on the GPU: no readback inside the layer, static
 * shapes, every op recorded before one drain.
 *
 * - dense: every expert on every token (x·W1 for all experts at once as one [d, E·f] matMul, the same for W3, SwiGLU,
 *   each expert's block scaled by the token's gate weight (0 for experts it did not choose), one [E·f, d] matMul).
 *   E/k times the routed FLOPs, but three big matMuls; the best a framework does for small E.
 * - gathered: one-hot of the chosen ids, an exclusive cumsum down the pairs gives each pair its row inside its
 *   expert, a scatter builds [E, C, d], three batched matMuls over the experts, a gather of each pair's output row,
 *   weighted sum over the k slots. C is static: the busiest expert's count for this batch, computed when the
 *   layer is loaded (outside the clock). That favours tfjs: a dropless layer that does not know its routing in
 *   advance needs C = T or a readback.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import { drain } from './tfjsLayer';

export type ResidentKind = 'dense' | 'gathered';

export class TfjsResidentMoe {
  private held: tf.Tensor[] = [];
  private readonly x: tf.Tensor2D;
  private readonly wr: tf.Tensor2D;
  /** dense: [d, E·f], [d, E·f], [E·f, d]; gathered: [E, d, f], [E, d, f], [E, f, d]. */
  private readonly w1: tf.Tensor;
  private readonly w3: tf.Tensor;
  private readonly w2: tf.Tensor;

  constructor(
    readonly kind: ResidentKind,
    private readonly cfg: LayerConfig,
    t: LayerTensors,
    /** Rows per expert for 'gathered' (≥ the busiest expert's count, so nothing is dropped). */
    private readonly capacity: number,
  ) {
    const { tokens: T, dModel: d, experts: E, ffnSize: f } = cfg;
    const keep = <R extends tf.Tensor>(x: R): R => {
      this.held.push(x);
      return x;
    };
    this.x = keep(tf.tensor2d(t.x, [T, d]));
    this.wr = keep(tf.tensor2d(t.router, [d, E]));
    if (kind === 'dense') {
      // [E, d, f] → [d, E, f] → [d, E·f]: column block e is expert e.
      this.w1 = keep(
        tf.tidy(() => tf.reshape(tf.transpose(tf.tensor3d(t.w1, [E, d, f]), [1, 0, 2]), [d, E * f])),
      );
      this.w3 = keep(
        tf.tidy(() => tf.reshape(tf.transpose(tf.tensor3d(t.w3, [E, d, f]), [1, 0, 2]), [d, E * f])),
      );
      this.w2 = keep(tf.tensor2d(t.w2, [E * f, d]));
    } else {
      this.w1 = keep(tf.tensor3d(t.w1, [E, d, f]));
      this.w3 = keep(tf.tensor3d(t.w3, [E, d, f]));
      this.w2 = keep(tf.tensor3d(t.w2, [E, f, d]));
    }
  }

  /** Router, softmax, top-k, renormalised weights: [T, k] ids and weights, still on the GPU. */
  private route(): { ids: tf.Tensor2D; weights: tf.Tensor2D } {
    const { topK: k } = this.cfg;
    const probs = tf.softmax(tf.matMul(this.x, this.wr));
    const { values, indices } = tf.topk(probs, k);
    return { ids: indices as tf.Tensor2D, weights: tf.div(values, tf.sum(values, 1, true)) as tf.Tensor2D };
  }

  private denseLayer(): tf.Tensor2D {
    const { tokens: T, experts: E, ffnSize: f } = this.cfg;
    const { ids, weights } = this.route();
    // Gate matrix [T, E]: token t's weight for expert e, 0 where e was not chosen.
    const gates = tf.sum(tf.mul(tf.oneHot(ids, E, 1, 0, 'float32'), tf.expandDims(weights, 2)), 1);
    const g = tf.matMul(this.x, this.w1 as tf.Tensor2D);
    const u = tf.matMul(this.x, this.w3 as tf.Tensor2D);
    const h = tf.reshape(tf.mul(tf.mul(g, tf.sigmoid(g)), u), [T, E, f]);
    const scaled = tf.reshape(tf.mul(h, tf.expandDims(gates, 2)), [T, E * f]);
    return tf.matMul(scaled, this.w2 as tf.Tensor2D);
  }

  private gatheredLayer(): tf.Tensor2D {
    const { tokens: T, experts: E, topK: k, dModel: d } = this.cfg;
    const C = this.capacity;
    const { ids, weights } = this.route();
    const flatIds = tf.reshape(ids, [T * k]);
    // Row of each (token, slot) pair inside its expert: how many earlier pairs chose the same expert.
    const onehot = tf.oneHot(flatIds, E, 1, 0, 'int32');
    const before = tf.cumsum(onehot, 0, true);
    const rank = tf.sum(tf.mul(before, onehot), 1);
    const dest = tf.add(tf.mul(flatIds, tf.scalar(C, 'int32')), rank); // [T·k] rows of [E·C, d]
    const pairToken = tf.floorDiv(tf.range(0, T * k, 1, 'int32'), tf.scalar(k, 'int32'));
    const rows = tf.gather(this.x, pairToken);
    const packed = tf.reshape(tf.scatterND(tf.expandDims(dest, 1), rows, [E * C, d]), [E, C, d]);
    const g = tf.matMul(packed, this.w1);
    const u = tf.matMul(packed, this.w3);
    const h = tf.mul(tf.mul(g, tf.sigmoid(g)), u);
    const out = tf.reshape(tf.matMul(h, this.w2), [E * C, d]);
    const perPair = tf.mul(tf.gather(out, dest), tf.reshape(weights, [T * k, 1]));
    return tf.sum(tf.reshape(perPair, [T, k, d]), 1) as tf.Tensor2D;
  }

  /** One layer: every op recorded, then one drain; y read back only when asked. */
  async forward(withOutput: boolean): Promise<Float32Array | null> {
    tf.engine().startScope();
    try {
      const y = this.kind === 'dense' ? this.denseLayer() : this.gatheredLayer();
      if (withOutput) return (await y.data()) as Float32Array;
      await drain();
      return null;
    } finally {
      tf.engine().endScope();
    }
  }

  dispose(): void {
    for (const t of this.held) t.dispose();
    this.held = [];
  }
}
