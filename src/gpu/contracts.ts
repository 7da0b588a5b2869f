/**
 * The host ⇄ WGSL contract of every kernel, checked without a GPU (test/unit/shaderContracts.test.ts):
 *   - bindings: a program's `bindings` names, in order, the `@group(0) @binding(n) var name` of its shader;
 *   - constants: every `override` without a default is given by the program, and the program gives nothing the
 *     shader does not declare as an override (so a `const WG` kept in the WGSL beside a TS value fails);
 *   - uniform structs: the TypeScript field lists (params.ts) match the WGSL structs field by field.
 * The parsers are small on purpose: the shaders declare these things one per line, and the checks run on the
 * resolved source (includes expanded), which is what the pipeline compiles.
 */
import {
  combineProgram,
  combineVec4Program,
  countChunksProgram,
  countScanProgram,
  ffnDownGemvProgram,
  ffnDownProgram,
  ffnDownVec4Program,
  ffnUpGemvProgram,
  ffnUpProgram,
  ffnUpVec4Program,
  GEMV_GPU_SPLIT_K,
  GEMV_GPU_WG,
  GEMV_SOFTWARE_WG,
  gateProgram,
  offsetsProgram,
  offsetsSubgroupProgram,
  routerGateProgram,
  routerGemmProgram,
  routerGemmVec4Program,
  scatterChunksProgram,
  scatterKeysProgram,
  scatterProgram,
  sortGlobalProgram,
  sortLocalProgram,
} from './kernels';
import { copyProgram } from './microbench';
import { FFN_PARAM_FIELDS, LAYER_PARAM_F32, LAYER_PARAM_FIELDS, SORT_STEP_FIELDS } from './params';
import type { KernelProgram } from './pipelines';
import { resolveShader, type ShaderLibrary } from './shaders';

/** Every program the engine and the micro-benchmark compile (each split-K the engine can choose). */
export function allKernelPrograms(): KernelProgram[] {
  return [
    routerGemmProgram,
    routerGemmVec4Program,
    gateProgram,
    routerGateProgram,
    countChunksProgram,
    countScanProgram,
    offsetsProgram,
    offsetsSubgroupProgram,
    scatterKeysProgram,
    sortLocalProgram,
    sortGlobalProgram,
    scatterProgram,
    scatterChunksProgram,
    ffnUpProgram,
    ffnDownProgram,
    ffnUpVec4Program,
    ffnDownVec4Program,
    ffnUpGemvProgram(GEMV_SOFTWARE_WG),
    ffnUpGemvProgram(GEMV_GPU_WG),
    ffnDownGemvProgram(GEMV_SOFTWARE_WG, 1),
    ffnDownGemvProgram(GEMV_GPU_WG, GEMV_GPU_SPLIT_K),
    combineProgram,
    combineVec4Program,
    copyProgram,
  ];
}

export interface StructField {
  name: string;
  type: string;
}

/** Uniform structs and their host field lists: [shader holding the struct, struct name, fields]. */
export function uniformStructContracts(): [string, string, StructField[]][] {
  const u32 = (names: readonly string[]) => names.map((name) => ({ name, type: 'u32' }));
  return [
    [
      'params',
      'Params',
      LAYER_PARAM_FIELDS.map((name) => ({ name, type: LAYER_PARAM_F32.has(name) ? 'f32' : 'u32' })),
    ],
    ['ffnCommon', 'FfnParams', u32(FFN_PARAM_FIELDS)],
    ['sortLocal', 'SortStep', u32(SORT_STEP_FIELDS)],
    ['sortGlobal', 'SortStep', u32(SORT_STEP_FIELDS)],
  ];
}

const stripComments = (src: string) => src.replace(/\/\/.*$/gm, '');

export interface WgslDeclarations {
  /** Binding number → variable name (group 0). */
  bindings: Map<number, string>;
  /** Override name → whether it has a default (an initializer). */
  overrides: Map<string, boolean>;
  /** Module-scope `const` names. */
  consts: string[];
  hasEntryPoint: boolean;
}

export function wgslDeclarations(source: string): WgslDeclarations {
  const src = stripComments(source);
  const bindings = new Map<number, string>();
  for (const m of src.matchAll(/@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var(?:<[^>]*>)?\s+(\w+)/g)) {
    bindings.set(Number(m[1]), m[2]);
  }
  const overrides = new Map<string, boolean>();
  for (const m of src.matchAll(/^\s*override\s+(\w+)\s*(?::\s*\w+)?\s*(=)?[^;]*;/gm)) {
    overrides.set(m[1], m[2] === '=');
  }
  const consts = [...src.matchAll(/^const\s+(\w+)/gm)].map((m) => m[1]);
  return { bindings, overrides, consts, hasEntryPoint: /@compute\b/.test(src) };
}

/** Everything a program and its shader disagree on (empty when they agree). */
export function programProblems(p: KernelProgram, lib: ShaderLibrary): string[] {
  const problems: string[] = [];
  const d = wgslDeclarations(resolveShader(lib, p.shader));
  const where = `${p.shader}.wgsl`;
  const numbers = [...d.bindings.keys()].sort((a, b) => a - b);
  if (numbers.length !== p.bindings.length || numbers.some((n, i) => n !== i)) {
    problems.push(
      `${where}: bindings ${numbers.join(', ')} but the runner names ${p.bindings.length} (0..${p.bindings.length - 1})`,
    );
  }
  p.bindings.forEach((name, i) => {
    const wgsl = d.bindings.get(i);
    if (wgsl !== undefined && wgsl !== name)
      problems.push(`${where}: @binding(${i}) is "${wgsl}", the runner calls it "${name}"`);
  });
  const given = Object.keys(p.constants ?? {});
  for (const [name, hasDefault] of d.overrides) {
    if (!hasDefault && !given.includes(name))
      problems.push(`${where}: override ${name} has no default and the runner does not give it`);
  }
  for (const name of given) {
    if (!d.overrides.has(name)) {
      const asConst = d.consts.includes(name) ? ' (it is a const there: a second copy of the value)' : '';
      problems.push(
        `${where}: the runner gives ${name}, which the shader does not declare as an override${asConst}`,
      );
    }
  }
  return problems;
}

/** Fields of `struct name { ... }` in a WGSL source, or null when there is no such struct. */
export function wgslStructFields(source: string, name: string): StructField[] | null {
  const src = stripComments(source);
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(src);
  if (!m) return null;
  return m[1]
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [field, type] = f.split(':').map((s) => s.trim());
      return { name: field, type };
    });
}

export function structProblems(source: string, name: string, host: readonly StructField[]): string[] {
  const wgsl = wgslStructFields(source, name);
  if (!wgsl) return [`struct ${name} not found`];
  const problems: string[] = [];
  const n = Math.max(wgsl.length, host.length);
  for (let i = 0; i < n; i++) {
    const a = wgsl[i];
    const b = host[i];
    if (!a || !b || a.name !== b.name || a.type !== b.type) {
      problems.push(
        `struct ${name} field ${i}: WGSL ${a ? `${a.name}: ${a.type}` : '(none)'}, host ${b ? `${b.name}: ${b.type}` : '(none)'}`,
      );
    }
  }
  return problems;
}
