/**
 * The ONNX Runtime Web peer: the layer as a two-node ONNX graph, MatMul (router GEMM) → com.microsoft MoE, run by
 * onnxruntime-web's WebGPU execution provider (the C++ WebGPU EP compiled to wasm, `onnxruntime-web/webgpu`),
 * whose MoE kernel is contrib_ops/webgpu/moe/moe.cc. Weights are initializers (uploaded once when the session is
 * created); x is a GPU tensor written once; y stays on the GPU (preferredOutputLocation 'gpu-buffer'). The MoE
 * operator itself reads the per-expert token counts back to the host inside the layer (its CPU loop over
 * experts), as its source does.
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { LayerConfig, LayerTensors } from '../../src/workload';
import { encodeOnnxModel } from './onnxModel';

/** [E, a, b] → [E, b, a]: moe-lab stores w1/w3 as [E, d, f] and w2 as [E, f, d]; ORT wants [E, out, in]. */
function transposeExperts(w: Float32Array, experts: number, a: number, b: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let e = 0; e < experts; e++) {
    const base = e * a * b;
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[base + j * a + i] = w[base + i * b + j];
  }
  return out;
}

export function ortVersion(): string {
  return ort.env.versions.web ?? ort.env.versions.common;
}

export class OrtMoe {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly device: GPUDevice,
    private readonly x: ort.Tensor,
    private readonly xBuffer: GPUBuffer,
  ) {}

  static async create(cfg: LayerConfig, t: LayerTensors): Promise<OrtMoe> {
    const { tokens: T, dModel: d, ffnSize: f, experts: E, topK: k } = cfg;
    // Served by the bench's Vite server; one wasm thread (the page is not cross-origin isolated).
    ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    ort.env.wasm.numThreads = 1;
    const model = encodeOnnxModel({
      opsets: { '': 17, 'com.microsoft': 1 },
      inputs: [{ name: 'x', dims: [T, d] }],
      outputs: [{ name: 'y', dims: [T, d] }],
      initializers: [
        { name: 'router', dims: [d, E], data: t.router },
        { name: 'fc1', dims: [E, f, d], data: transposeExperts(t.w1, E, d, f) },
        { name: 'fc2', dims: [E, d, f], data: transposeExperts(t.w2, E, f, d) },
        { name: 'fc3', dims: [E, f, d], data: transposeExperts(t.w3, E, d, f) },
      ],
      nodes: [
        { opType: 'MatMul', inputs: ['x', 'router'], outputs: ['logits'] },
        {
          opType: 'MoE',
          domain: 'com.microsoft',
          // Optional biases left out by empty names; silu(fc1)·fc3 is moe-lab's SwiGLU.
          inputs: ['x', 'logits', 'fc1', '', 'fc2', '', 'fc3'],
          outputs: ['y'],
          attributes: [
            { name: 'k', int: k },
            { name: 'activation_type', string: 'silu' },
            { name: 'normalize_routing_weights', int: 1 },
          ],
        },
      ],
    });
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
    });
    const device = (await ort.env.webgpu.device) as GPUDevice;
    const xBuffer = device.createBuffer({
      size: t.x.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    device.queue.writeBuffer(xBuffer, 0, t.x.buffer, t.x.byteOffset, t.x.byteLength);
    await device.queue.onSubmittedWorkDone();
    const x = ort.Tensor.fromGpuBuffer(xBuffer, { dataType: 'float32', dims: [T, d] });
    return new OrtMoe(session, device, x, xBuffer);
  }

  /** Wait until ORT's device queue is idle. */
  idle(): Promise<void> {
    return this.device.queue.onSubmittedWorkDone();
  }

  /** One layer; y is read back only when asked (the agreement check). */
  async forward(withOutput: boolean): Promise<Float32Array | null> {
    const out = await this.session.run({ x: this.x });
    const y = out.y;
    try {
      if (withOutput) return (await y.getData()) as Float32Array;
      await this.device.queue.onSubmittedWorkDone();
      return null;
    } finally {
      y.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
    this.xBuffer.destroy();
  }
}
