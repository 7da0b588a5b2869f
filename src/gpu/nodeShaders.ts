/** The shader library in Node (CLI under tsx, tests, benchmarks): shaders/*.wgsl read from disk. Not bundled. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ShaderLibrary, shaderNameOf } from './shaders';

export const SHADER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../shaders');

export function loadNodeShaders(dir: string = SHADER_DIR): ShaderLibrary {
  const lib: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.wgsl')) lib[shaderNameOf(file)] = readFileSync(join(dir, file), 'utf8');
  }
  if (Object.keys(lib).length === 0) throw new Error(`no .wgsl shaders found in ${dir}`);
  return Object.freeze(lib);
}
