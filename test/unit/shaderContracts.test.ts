/**
 * Host ⇄ WGSL contracts (src/gpu/contracts.ts): bindings, pipeline constants and uniform structs agree between
 * every runner and its shader, and the checks fail on a shader or a runner that disagrees (mismatched copies).
 */
import { describe, expect, it } from 'vitest';
import {
  allKernelPrograms,
  programProblems,
  structProblems,
  uniformStructContracts,
  wgslDeclarations,
} from '../../src/gpu/contracts';
import { loadNodeShaders } from '../../src/gpu/node';
import type { KernelProgram } from '../../src/gpu/pipelines';

const lib = loadNodeShaders();
const programs = allKernelPrograms();

describe('shader contracts', () => {
  it.each(programs.map((p) => [`${p.shader} ${JSON.stringify(p.constants ?? {})}`, p] as const))(
    '%s: bindings and pipeline constants agree with the WGSL',
    (_name, p) => {
      expect(programProblems(p, lib)).toEqual([]);
    },
  );

  it('every shader with an entry point has a runner program (none is left unchecked)', () => {
    const run = new Set(programs.map((p) => p.shader));
    const kernels = Object.keys(lib).filter((name) => wgslDeclarations(lib[name]).hasEntryPoint);
    expect(kernels.filter((name) => !run.has(name))).toEqual([]);
  });

  it('no shader keeps a module-scope const that a runner also gives', () => {
    for (const p of programs) {
      const consts = wgslDeclarations(lib[p.shader]).consts;
      expect(
        consts.filter((c) => c in (p.constants ?? {})),
        p.shader,
      ).toEqual([]);
    }
  });

  it.each(
    uniformStructContracts().map(
      ([file, struct, fields]) => [`${file}.wgsl ${struct}`, file, struct, fields] as const,
    ),
  )('%s matches its TypeScript field list', (_n, file, struct, fields) => {
    expect(structProblems(lib[file], struct, fields)).toEqual([]);
  });
});

describe('the contract checks fail on a mismatch', () => {
  const gate = programs.find((p) => p.shader === 'gate') as KernelProgram;

  it('a const in the WGSL beside the runner value', () => {
    const bad = { ...lib, gate: lib.gate.replace(/override WG: u32;[^\n]*/, 'const WG: u32 = 64u;') };
    expect(bad.gate).not.toBe(lib.gate);
    expect(programProblems(gate, bad).join('\n')).toMatch(/gives WG.*const there/);
  });

  it('an override the runner does not give', () => {
    const bad = { ...lib, gate: `override EXTRA: u32;\n${lib.gate}` };
    expect(programProblems(gate, bad).join('\n')).toMatch(/EXTRA has no default/);
  });

  it('a constant the runner gives that the shader lacks', () => {
    expect(programProblems({ ...gate, constants: { ...gate.constants, TM: 8 } }, lib).join('\n')).toMatch(
      /gives TM/,
    );
  });

  it('two bindings swapped in the runner, or one missing', () => {
    const swapped = [...gate.bindings];
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(programProblems({ ...gate, bindings: swapped }, lib).join('\n')).toMatch(/@binding\(1\) is "L"/);
    expect(programProblems({ ...gate, bindings: gate.bindings.slice(0, -1) }, lib).join('\n')).toMatch(
      /bindings 0, 1, 2, 3, 4, 5, 6 but the runner names 6/,
    );
  });

  it('a struct field renamed, retyped or added on one side', () => {
    const [, , fields] = uniformStructContracts()[0];
    const params = lib.params;
    expect(
      structProblems(params.replace('routeScale: f32', 'routeScale: u32'), 'Params', fields),
    ).toHaveLength(1);
    expect(structProblems(params.replace('capacity: u32', 'cap: u32'), 'Params', fields)).toHaveLength(1);
    expect(structProblems(params, 'Params', [...fields, { name: 'extra', type: 'u32' }])).toHaveLength(1);
    expect(structProblems(params, 'Missing', fields)).toEqual(['struct Missing not found']);
  });
});
