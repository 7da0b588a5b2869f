/**
 * WGSL sources by name (the file stem in shaders/), so the same kernels run in the browser (browserShaders
 * via Vite's import.meta.glob), in Node tests and in the CLI (nodeShaders via node:fs).
 *
 * Two tiny source transforms: a line `//!include name` is replaced by that snippet (once per kernel), and
 * compile-time constants (tile sizes) are prepended as `const NAME: u32 = ...;`.
 */

export type ShaderLibrary = Readonly<Record<string, string>>;
export type ShaderConstants = Readonly<Record<string, number>>;

const INCLUDE = /^[ \t]*\/\/!include[ \t]+([A-Za-z0-9_]+)[ \t]*$/gm;

export function resolveShader(lib: ShaderLibrary, name: string, constants: ShaderConstants = {}): string {
  const seen = new Set<string>();
  const expand = (n: string, from: string): string => {
    const src = lib[n];
    if (src === undefined)
      throw new Error(`shader "${n}" is missing from the shader library (included from ${from})`);
    seen.add(n);
    return src.replace(INCLUDE, (_m, inc: string) => (seen.has(inc) ? '' : expand(inc, n)));
  };
  const header = Object.entries(constants)
    .map(([k, v]) => {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`shader constant ${k} = ${v} must be a non-negative integer`);
      return `const ${k}: u32 = ${v}u;`;
    })
    .join('\n');
  return `${header}\n${expand(name, 'the engine')}`;
}

/** Map "path/to/name.wgsl" → "name". */
export function shaderNameOf(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.wgsl$/, '');
}
