import { resolveShader, type ShaderConstants, type ShaderLibrary } from './shaders';

/**
 * A kernel as the engine sees it: a shader file, the values of its `override` declarations (pipeline constants;
 * with the shader, the cache key) and the names of its group-0 bindings in binding order (checked against the
 * WGSL's `@binding(n) var name` by test/unit/shaderContracts.test.ts, and used by `bindGroup` to place resources).
 */
export interface KernelProgram {
  shader: string;
  constants?: ShaderConstants;
  bindings: readonly string[];
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
      checkConstants(p);
      const code = resolveShader(this.lib, p.shader);
      const module = this.device.createShaderModule({ label: p.shader, code });
      let pipeline: GPUComputePipeline;
      try {
        pipeline = await this.device.createComputePipelineAsync({
          label: p.shader,
          layout: 'auto',
          compute: { module, entryPoint: p.entryPoint ?? 'main', constants: { ...p.constants } },
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

export type BindingResource = GPUBuffer | GPUBufferBinding;

/**
 * A bind group for group 0 of a program's pipeline from resources named as the program's `bindings` (the WGSL
 * variable names). Every declared binding must be given and nothing else: a runner that forgets or invents a
 * binding fails here with the names, not with a WebGPU validation message about a number.
 */
export function bindGroup(
  device: GPUDevice,
  program: KernelProgram,
  pipeline: GPUComputePipeline,
  resources: Readonly<Record<string, BindingResource>>,
): GPUBindGroup {
  const given = Object.keys(resources);
  const missing = program.bindings.filter((n) => !(n in resources));
  const extra = given.filter((n) => !program.bindings.includes(n));
  if (missing.length || extra.length) {
    throw new Error(
      `bindings of ${program.shader}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in the shader ${extra.join(', ')}` : ''}`,
    );
  }
  return device.createBindGroup({
    label: program.shader,
    layout: pipeline.getBindGroupLayout(0),
    entries: program.bindings.map((name, binding) => {
      const r = resources[name];
      return { binding, resource: 'buffer' in r ? r : { buffer: r } };
    }),
  });
}

/** Pipeline constants must be non-negative integers (every override in shaders/ is a u32 size). */
function checkConstants(p: KernelProgram): void {
  for (const [name, v] of Object.entries(p.constants ?? {})) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`shader ${p.shader}: constant ${name} = ${v} must be a non-negative integer`);
  }
}

/** Workgroups along x at most; larger 1-D dispatches spill into y (kernels use linearWorkgroup()). */
export const DISPATCH_X_LIMIT = 32768;

export function dispatch1d(pass: GPUComputePassEncoder, workgroups: number): void {
  if (workgroups <= 0) return;
  const x = Math.min(workgroups, DISPATCH_X_LIMIT);
  pass.dispatchWorkgroups(x, Math.ceil(workgroups / DISPATCH_X_LIMIT));
}
