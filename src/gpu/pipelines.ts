import { resolveShader, type ShaderConstants, type ShaderLibrary } from './shaders';

/** A kernel as the engine sees it: a shader file and its compile-time constants (the cache key). */
export interface KernelProgram {
  shader: string;
  constants?: ShaderConstants;
  entryPoint?: string;
}

export function programKey(p: KernelProgram): string {
  const c = p.constants ?? {};
  const consts = Object.keys(c)
    .sort()
    .map((k) => `${k}=${c[k]}`)
    .join(',');
  return `${p.shader}|${p.entryPoint ?? 'main'}|${consts}`;
}

/**
 * Compute pipelines cached by shader + constants. Sizes and routing options travel in uniforms, so a parameter
 * change that alters no shader compiles nothing; `compiled` counts every compilation for tests and reports.
 */
export class PipelineCache {
  compiled = 0;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pending = new Map<string, Promise<GPUComputePipeline>>();

  constructor(
    private readonly device: GPUDevice,
    private readonly lib: ShaderLibrary,
  ) {}

  /** Compile (once) every program; resolves when all are ready. Compilation errors reject with the WGSL message. */
  async prepare(programs: readonly KernelProgram[]): Promise<void> {
    await Promise.all(programs.map((p) => this.load(p)));
  }

  private load(p: KernelProgram): Promise<GPUComputePipeline> {
    const key = programKey(p);
    const have = this.pipelines.get(key);
    if (have) return Promise.resolve(have);
    const waiting = this.pending.get(key);
    if (waiting) return waiting;
    const job = (async () => {
      const code = resolveShader(this.lib, p.shader, p.constants);
      const module = this.device.createShaderModule({ label: p.shader, code });
      let pipeline: GPUComputePipeline;
      try {
        pipeline = await this.device.createComputePipelineAsync({
          label: p.shader,
          layout: 'auto',
          compute: { module, entryPoint: p.entryPoint ?? 'main' },
        });
      } catch (err) {
        this.pending.delete(key);
        const info = await module.getCompilationInfo();
        const msgs = info.messages
          .map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`)
          .join('; ');
        throw new Error(`shader ${p.shader} failed to compile: ${msgs || (err as Error).message}`);
      }
      this.compiled++;
      this.pipelines.set(key, pipeline);
      this.pending.delete(key);
      return pipeline;
    })();
    this.pending.set(key, job);
    return job;
  }

  get(p: KernelProgram): GPUComputePipeline {
    const pipeline = this.pipelines.get(programKey(p));
    if (!pipeline) throw new Error(`pipeline ${programKey(p)} used before prepare()`);
    return pipeline;
  }
}

/** A bind group for group 0 of a pipeline from buffers (or buffer ranges) in binding order 0, 1, 2, ... */
export function bindGroup(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  resources: readonly (GPUBuffer | GPUBufferBinding)[],
  label?: string,
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((r, binding) => ({
      binding,
      resource: 'buffer' in r ? r : { buffer: r },
    })),
  });
}

/** Workgroups along x at most; larger 1-D dispatches spill into y (kernels use linearWorkgroup()). */
export const DISPATCH_X_LIMIT = 32768;

export function dispatch1d(pass: GPUComputePassEncoder, workgroups: number): void {
  if (workgroups <= 0) return;
  const x = Math.min(workgroups, DISPATCH_X_LIMIT);
  pass.dispatchWorkgroups(x, Math.ceil(workgroups / DISPATCH_X_LIMIT));
}
