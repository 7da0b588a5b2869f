/** The shader library in the Vite build (and in Vitest): every shaders/*.wgsl as a string, bundled. */
import { type ShaderLibrary, shaderNameOf } from './shaders';

const files = import.meta.glob('/shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export const browserShaders: ShaderLibrary = Object.freeze(
  Object.fromEntries(Object.entries(files).map(([path, src]) => [shaderNameOf(path), src])),
);
