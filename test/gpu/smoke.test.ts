import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDevice } from './nodeGpu';

describe('WebGPU in Node (Dawn)', () => {
  let gpu: Awaited<ReturnType<typeof nodeDevice>>;
  beforeAll(async () => {
    gpu = await nodeDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('names its adapter and flags a software one', () => {
    expect(gpu.summary.label.length).toBeGreaterThan(0);
    if (/swiftshader/i.test(gpu.summary.architecture)) expect(gpu.summary.isSoftware).toBe(true);
  });

  it('runs a compute shader that squares and offsets a random vector', async () => {
    const { device } = gpu;
    const n = 1000; // not a multiple of the workgroup size, so the bounds guard matters
    const input = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43.758);
    const code = /* wgsl */ `
      @group(0) @binding(0) var<storage, read> src: array<f32>;
      @group(0) @binding(1) var<storage, read_write> dst: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        if (id.x < arrayLength(&src)) { dst[id.x] = src[id.x] * src[id.x] + 1.0; }
      }`;
    const module = device.createShaderModule({ code });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const src = device.createBuffer({ size: n * 4, usage });
    const dst = device.createBuffer({ size: n * 4, usage });
    const read = device.createBuffer({
      size: n * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(src, 0, input);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: src } },
          { binding: 1, resource: { buffer: dst } },
        ],
      }),
    );
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(dst, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    for (let i = 0; i < n; i++) expect(out[i]).toBeCloseTo(input[i] * input[i] + 1, 2);
  });
});
