/**
 * WGSL sources by name (the file stem in shaders/), so the same kernels run in the browser (browserShaders
 * via Vite's import.meta.glob), in Node tests and in the CLI (nodeShaders via node:fs).
 *
 * One source transform: a line `//!include name` is replaced by that snippet (once per kernel). Sizes the host
 * and the shader must agree on (workgroup sizes, tiles, chunks) are WGSL `override` declarations without a
 * default, given by the runner's KernelProgram.constants as pipeline constants (PipelineCache): a shader never
 * repeats a number its runner also uses, and a constant the runner forgets fails pipeline creation.
 */

export type ShaderLibrary = Readonly<Record<string, string>>;
export type ShaderConstants = Readonly<Record<string, number>>;

const INCLUDE = /^[ \t]*\/\/!include[ \t]+([A-Za-z0-9_]+)[ \t]*$/gm;

export function resolveShader(lib: ShaderLibrary, name: string): string {
  const seen = new Set<string>();
  const expand = (n: string, from: string): string => {
    const src = lib[n];
    if (src === undefined)
      throw new Error(`shader "${n}" is missing from the shader library (included from ${from})`);
    seen.add(n);
    return src.replace(INCLUDE, (_m, inc: string) => (seen.has(inc) ? '' : expand(inc, n)));
  };
  return expand(name, 'the engine');
}

/** Map "path/to/name.wgsl" → "name". */
export function shaderNameOf(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.wgsl$/, '');
}
