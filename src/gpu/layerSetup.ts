/**
 * Setting a layer up on the device, kept across runs: buffers from the pool, uploads that skip weights the
 * device already holds (WeightResidency), the stage list of a layer, and the readback through a pooled staging
 * buffer. The engine (engine.ts) caches what these build, so a stream's steps re-create nothing.
 */
import { capacityOf, type LayerConfig, type LayerResult, type LayerTensors } from '../workload';
import type { BufferPool } from './buffers';
import {
  clearScatter,
  combine,
  countChunked,
  expertFfn,
  expertFfnGemv,
  gate,
  infoLayout,
  offsets,
  packSortSteps,
  routerGate,
  routerGemm,
  scatter,
  scatterChunked,
  sharedFfn,
  sortSteps,
} from './kernels';
import type { KernelModule, KernelVariant, LayerGpu } from './layerGpu';
import { UNIFORM_SLOT } from './layerGpu';
import { LAYER_PARAMS_BYTES, packFfnParams, packLayerParams } from './params';
import { type BufferName, GEMM_TILE, type MemoryPlan } from './planner';
import type { StageName } from './work';

/** Read lazily: importing this module must not need WebGPU globals (browsers without WebGPU, Node before setup). */
const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** The weights of a layer: uploaded once and kept while the same arrays come back (WeightResidency). */
const WEIGHT_BUFFERS = ['router', 'w1', 'w3', 'w2', 'sharedW1', 'sharedW3', 'sharedW2'] as const;
type WeightBuffer = (typeof WEIGHT_BUFFERS)[number];

/** Bytes written to the device by one set-up: weights (0 when resident) and everything else. */
export interface UploadBytes {
  weights: number;
  inputs: number;
}

/** Evenly spaced samples of an array, hashed: catches an array refilled in place (not a single changed value). */
function fingerprint(a: Float32Array): number {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const n = bits.length;
  let h = n >>> 0;
  const samples = Math.min(n, 64);
  for (let i = 0; i < samples; i++) {
    h = Math.imul(h ^ bits[Math.floor((i * n) / samples)], 0x9e3779b1) >>> 0;
  }
  return h;
}

/**
 * Which host array each weight buffer holds. A weight is uploaded when its buffer was (re)created, or holds another
 * array, or the array's sampled fingerprint changed; otherwise it stays resident. Arrays are identified by object,
 * so a caller who edits a weight array in place (a few values) must call `forget()` (engine.invalidateWeights()).
 * A stream's layer-outer loop reuses each layer's arrays for all its steps: one upload per layer per stream.
 */
export class WeightResidency {
  private readonly held = new Map<WeightBuffer, { buffer: GPUBuffer; array: Float32Array; print: number }>();

  /** Upload `data` into `buffer` unless it holds that array already; returns the bytes written. */
  upload(queue: GPUQueue, name: WeightBuffer, buffer: GPUBuffer, data: Float32Array): number {
    const have = this.held.get(name);
    const print = fingerprint(data);
    if (have && have.buffer === buffer && have.array === data && have.print === print) return 0;
    queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.held.set(name, { buffer, array: data, print });
    return data.byteLength;
  }

  forget(): void {
    this.held.clear();
  }
}

/** Buffers of a layer from the pool (reused while big enough), and the uniforms written. */
export function allocateLayer(
  device: GPUDevice,
  pool: BufferPool,
  cfg: LayerConfig,
  plan: MemoryPlan,
  variant: KernelVariant,
): LayerGpu {
  const buffers = {} as Record<BufferName, GPUBuffer>;
  for (const [name, bytes] of Object.entries(plan.buffers) as [BufferName, number][]) {
    buffers[name] = pool.get(name, bytes, storageUsage());
  }
  const steps = sortSteps(plan.sortSize);
  const layer: LayerGpu = {
    cfg,
    variant,
    memory: plan,
    params: pool.get('params', LAYER_PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
    buffers,
    args: pool.get('args', 32, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_SRC),
    ffnParams: pool.get(
      'ffnParams',
      UNIFORM_SLOT * (1 + cfg.sharedExperts),
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    ),
    sortSteps: steps,
    sortParams: pool.get(
      'sortParams',
      UNIFORM_SLOT * steps.length,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    ),
  };
  writeUniforms(device.queue, layer);
  return layer;
}

function writeUniforms(q: GPUQueue, layer: LayerGpu): void {
  const { cfg, memory: plan } = layer;
  q.writeBuffer(
    layer.params,
    0,
    packLayerParams(cfg, {
      sortSize: plan.sortSize,
      sortValid: plan.sortValid,
      chunkSize: plan.chunkSize,
      chunks: plan.chunks,
      rowsMax: plan.rowsMax,
      ffnTileRows: GEMM_TILE.TM,
      ffnTileCols: GEMM_TILE.TN,
    }),
  );
  const ffnSlots = new Uint32Array(((1 + cfg.sharedExperts) * UNIFORM_SLOT) / 4);
  ffnSlots.set(packFfnParams({ dense: false, expert: 0, rows: 0, ffn: cfg.ffnSize, accumulate: false }), 0);
  for (let s = 0; s < cfg.sharedExperts; s++) {
    ffnSlots.set(
      packFfnParams({ dense: true, expert: s, rows: cfg.tokens, ffn: cfg.sharedFfnSize, accumulate: s > 0 }),
      ((1 + s) * UNIFORM_SLOT) / 4,
    );
  }
  q.writeBuffer(layer.ffnParams, 0, ffnSlots);
  q.writeBuffer(layer.sortParams, 0, packSortSteps(layer.sortSteps));
}

/** Write a run's tensors: activations always, weights only when not resident. */
export function uploadTensors(
  queue: GPUQueue,
  layer: LayerGpu,
  t: LayerTensors,
  residency: WeightResidency,
  zeroBias: Float32Array,
): UploadBytes {
  const { cfg, buffers } = layer;
  const bytes: UploadBytes = { weights: 0, inputs: 0 };
  const input = (name: BufferName, data: Float32Array | undefined) => {
    if (data && data.length > 0) {
      queue.writeBuffer(buffers[name], 0, data.buffer, data.byteOffset, data.byteLength);
      bytes.inputs += data.byteLength;
    }
  };
  const weight = (name: WeightBuffer, data: Float32Array) => {
    if (data.length > 0) bytes.weights += residency.upload(queue, name, buffers[name], data);
  };
  input('x', t.x);
  input('logits', t.logits);
  input('bias', cfg.useBias ? t.bias : zeroBias);
  if (!t.logits) weight('router', t.router);
  weight('w1', t.w1);
  weight('w3', t.w3);
  weight('w2', t.w2);
  if (cfg.sharedExperts > 0) {
    weight('sharedW1', t.sharedW1);
    weight('sharedW3', t.sharedW3);
    weight('sharedW2', t.sharedW2);
  }
  return bytes;
}

export interface PlannedStage {
  name: StageName;
  module: KernelModule;
  /** Encoded before the pass (clears): outside the timed region of timestamps. */
  before?: (enc: GPUCommandEncoder) => void;
}

/** The stages a layer runs, in order (which depend on the config, the variant and whether logits are given). */
export function planStages(layer: LayerGpu, logitsSupplied: boolean): PlannedStage[] {
  const { cfg, variant } = layer;
  const ec = cfg.routingMode === 'expert-choice';
  const fused = !logitsSupplied && variant.fusedGate;
  const stages: PlannedStage[] = [];
  if (!logitsSupplied && !fused) stages.push({ name: 'router', module: routerGemm });
  stages.push({ name: 'gate', module: fused ? routerGate : gate });
  if (!ec) stages.push({ name: 'count', module: countChunked });
  stages.push({ name: 'offsets', module: offsets });
  // Position policy: ranks are token order, so a chunked running count replaces the sort.
  const chunked = !ec && cfg.dropPolicy === 'position';
  stages.push({
    name: 'scatter',
    module: chunked ? scatterChunked : scatter,
    before: (enc) => clearScatter(enc, layer),
  });
  stages.push({ name: 'ffn', module: variant.ffnGemv ? expertFfnGemv : expertFfn });
  if (cfg.sharedExperts > 0 && cfg.sharedFfnSize > 0) stages.push({ name: 'shared', module: sharedFfn });
  stages.push({ name: 'combine', module: combine });
  return stages;
}

interface ReadPart {
  name: BufferName;
  bytes: number;
}

/** Copy parts of a layer's buffers into the pooled staging buffer and map them; returns each part's bytes. */
async function readParts(device: GPUDevice, pool: BufferPool, l: LayerGpu, parts: ReadPart[]) {
  let total = 0;
  const at: number[] = [];
  for (const p of parts) {
    at.push(total);
    total += Math.ceil(p.bytes / 256) * 256;
  }
  const staging = pool.get(
    'staging',
    Math.max(256, total),
    GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  );
  const enc = device.createCommandEncoder();
  parts.forEach((p, i) => {
    if (p.bytes > 0) enc.copyBufferToBuffer(l.buffers[p.name], 0, staging, at[i], p.bytes);
  });
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ, 0, Math.max(256, total));
  const all = staging.getMappedRange(0, Math.max(256, total)).slice(0);
  staging.unmap();
  return parts.map((p, i) => all.slice(at[i], at[i] + p.bytes));
}

/** The layer output y alone. */
export async function readOutput(device: GPUDevice, pool: BufferPool, l: LayerGpu): Promise<Float32Array> {
  const [y] = await readParts(device, pool, l, [{ name: 'out', bytes: l.cfg.tokens * l.cfg.dModel * 4 }]);
  return new Float32Array(y);
}

/** Every output of a layer (the engine checks these against the CPU reference). */
export async function readLayerResult(
  device: GPUDevice,
  pool: BufferPool,
  l: LayerGpu,
): Promise<LayerResult> {
  const { cfg } = l;
  const T = cfg.tokens;
  const E = cfg.experts;
  const ec = cfg.routingMode === 'expert-choice';
  const k = ec ? 0 : cfg.topK;
  const C = capacityOf(cfg);
  const [logits, ids, weights, counts, infoBytes, positions, ecTokens, y] = await readParts(device, pool, l, [
    { name: 'logits', bytes: T * E * 4 },
    { name: 'ids', bytes: T * k * 4 },
    { name: 'weights', bytes: T * k * 4 },
    { name: 'counts', bytes: E * 4 },
    { name: 'info', bytes: (4 * E + 2) * 4 },
    { name: 'positions', bytes: T * k * 4 },
    { name: 'ecTokens', bytes: ec ? E * C * 4 : 0 },
    { name: 'out', bytes: T * cfg.dModel * 4 },
  ]);
  const info = new Int32Array(infoBytes);
  const lay = infoLayout(E);
  return {
    logits: new Float32Array(logits),
    topkIds: new Int32Array(ids),
    topkWeights: new Float32Array(weights),
    counts: new Int32Array(counts),
    kept: info.slice(lay.kept, lay.kept + E),
    offsets: info.slice(lay.offsets, lay.offsets + E + 1),
    positions: new Int32Array(positions),
    ecTokens: new Int32Array(ecTokens),
    capacity: C,
    y: new Float32Array(y),
  };
}
