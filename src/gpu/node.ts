/**
 * The GPU engine's Node face, a second public entry beside index.ts: the Dawn device from the `webgpu` package
 * and the shader library read from disk with node:fs. Kept out of index.ts on purpose so that neither reaches
 * the browser bundle (the app imports '../gpu'; the CLI, tests and benchmarks import '../gpu/node' as well).
 * The browser's shader library is the other extra entry, './browserShaders' (Vite's import.meta.glob).
 */
export { acquireNodeDevice, SWIFTSHADER_ICD } from './nodeDevice';
export { loadNodeShaders, SHADER_DIR } from './nodeShaders';
