import type { LayerConfig } from '../workload';
import {
  type BindingResource,
  bindGroup,
  dispatch1d,
  type KernelProgram,
  type PipelineCache,
} from './pipelines';
import type { BufferName, MemoryPlan } from './planner';

/** What every kernel runner gets: the device and the pipeline cache. */
export interface KernelContext {
  device: GPUDevice;
  pipelines: PipelineCache;
}

/** One sort stage (shaders/sortLocal.wgsl, sortGlobal.wgsl): full local sort, global stride, or local merge. */
export interface SortStep {
  kind: 'local-full' | 'global' | 'local-merge';
  size: number;
  stride: number;
}

/**
 * Which kernel variants a layer runs (chosen per run from the config, the adapter and the engine options):
 * vec4 GEMMs need the GEMM sizes to be multiples of 4 (the tiled scalar path handles any size).
 */
export interface KernelVariant {
  routerVec4: boolean;
  ffnVec4: boolean;
  sharedVec4: boolean;
  /** Combine four columns at a time (d a multiple of 4). */
  combineVec4: boolean;
  /** Subgroup operations (adapter feature 'subgroups'); every kernel keeps a plain path. */
  subgroups: boolean;
  /** Router GEMM and gate in one pass (E ≤ the fused kernel's width). */
  fusedGate: boolean;
  /** Routed experts on the decode-shaped GEMV kernels (few rows per expert) instead of the tiled GEMMs. */
  ffnGemv: boolean;
  /** Split-K shares of the GEMV down projection (1: none); divides gemvWorkgroup. */
  gemvSplitK: number;
  /** Invocations per workgroup of the GEMV kernels. */
  gemvWorkgroup: number;
}

/** The GPU side of one layer run: its config, plan and buffers (bound at exactly the planned sizes). */
export interface LayerGpu {
  cfg: LayerConfig;
  variant: KernelVariant;
  memory: MemoryPlan;
  params: GPUBuffer;
  buffers: Record<BufferName, GPUBuffer>;
  /** Indirect dispatch arguments of the expert FFN (written by the offsets kernel). */
  args: GPUBuffer;
  /** FfnParams slots, 256 bytes apart: slot 0 routed experts, slot 1 + s shared expert s. */
  ffnParams: GPUBuffer;
  sortSteps: readonly SortStep[];
  /** SortStep uniforms, 256 bytes apart, one per step. */
  sortParams: GPUBuffer;
}

export const UNIFORM_SLOT = 256;

export function range(l: LayerGpu, name: BufferName): GPUBufferBinding {
  return { buffer: l.buffers[name], offset: 0, size: l.memory.buffers[name] };
}

export function uniformSlot(buffer: GPUBuffer, slot: number, size: number): GPUBufferBinding {
  return { buffer, offset: slot * UNIFORM_SLOT, size };
}

/** A kernel runner: its programs (compiled before use) and a pass encoder with bind groups prebuilt. */
export interface PreparedKernel {
  encode(pass: GPUComputePassEncoder): void;
}

/**
 * The shape most runners have: one pipeline, one bind group (resources named as the WGSL names them), one dispatch of
 * `workgroups` (a count, split over x and y when large, or an explicit [x, y] grid).
 */
export function singleDispatch(
  ctx: KernelContext,
  program: KernelProgram,
  resources: Readonly<Record<string, BindingResource>>,
  workgroups: number | readonly [number, number],
): PreparedKernel {
  const pipeline = ctx.pipelines.get(program);
  const group = bindGroup(ctx.device, program, pipeline, resources);
  return {
    encode(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      if (typeof workgroups === 'number') dispatch1d(pass, workgroups);
      else pass.dispatchWorkgroups(workgroups[0], workgroups[1]);
    },
  };
}

export interface KernelModule {
  programs(cfg: LayerConfig, variant: KernelVariant): KernelProgram[];
  prepare(ctx: KernelContext, layer: LayerGpu): PreparedKernel;
}
