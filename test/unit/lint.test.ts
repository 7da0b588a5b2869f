/**
 * The one-way layering (README "Layout") is enforced by Biome's noRestrictedImports, configured per folder depth
 * in biome.json's overrides, so `npm run lint` (and so `npm test`) fails on a violation. These tests plant
 * violations in a scratch copy of the tree's layout, linted with the real biome.json, and lint the real tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
const RULE = 'lint/style/noRestrictedImports';

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

function biome(cwd: string, ...args: string[]) {
  const r = spawnSync(BIOME, ['lint', `--only=${RULE.slice('lint/'.length)}`, ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Planted files: path → lines; a line ending in `// bad` must be reported, every other line must not. */
const PLANTED: Record<string, string[]> = {
  'src/workload/plantedReact.ts': [
    "import React from 'react'; // bad",
    "import { createRoot } from 'react-dom/client'; // bad",
    "import { jsx } from 'react/jsx-runtime'; // bad",
    "import { Rng } from './rng';",
    'export const all = [React, createRoot, jsx, Rng];',
  ],
  'src/cli/plantedUp.ts': [
    "import { useAppStore } from '../state'; // bad",
    "import { App } from '../ui/App'; // bad",
    "import { fmt } from '../ui/format'; // bad",
    "import { runStream } from '../stream';",
    'export const all = [useAppStore, App, fmt, runStream];',
  ],
  'src/stream/plantedDeep.ts': [
    "import { capacityOf } from '../workload/layer'; // bad",
    "import { parseImport } from '../workload/imports'; // bad",
    "import { acquireNodeDevice as a } from '../gpu/nodeDevice'; // bad",
    "export { placeExperts } from '../metrics/placement'; // bad",
    "const lazy = () => import('../costmodel/project'); // bad",
    "import { Rng } from '../workload';",
    "import { acquireNodeDevice, loadNodeShaders } from '../gpu/node';",
    "import { browserShaders } from '../gpu/browserShaders';",
    "import { biasBalancing } from './bias';",
    'export const all = [capacityOf, parseImport, a, lazy, Rng, acquireNodeDevice, loadNodeShaders, browserShaders, biasBalancing];',
  ],
  'src/gpu/kernels/plantedDeep.ts': [
    "import { capacityOf } from '../../workload/layer'; // bad",
    "import React from 'react'; // bad",
    "import { Rng } from '../../workload';",
    "import { planMemory } from '../planner';",
    'export const all = [capacityOf, React, Rng, planMemory];',
  ],
  // A folder biome.json does not name, and the deepest folders its globs reach, are covered too.
  'src/newfolder/planted.ts': [
    "import React from 'react'; // bad",
    "import { capacityOf } from '../workload/layer'; // bad",
    "import { Rng } from '../workload';",
    'export const all = [React, capacityOf, Rng];',
  ],
  'src/workload/a/b/c/d/e/planted.ts': [
    "import { capacityOf } from '../../../../../../workload/layer'; // bad",
    "import { useAppStore } from '../../../../../../state'; // bad",
    "import { Rng } from '../../../../../../workload';",
    'export const all = [capacityOf, useAppStore, Rng];',
  ],
  // Tests obey the same rule as the code they test.
  'src/metrics/planted.test.ts': [
    "import { parseImport } from '../workload/imports'; // bad",
    "import { placeExperts } from './placement';",
    'export const all = [parseImport, placeExperts];',
  ],
  'src/ui/a/b/c/d/e/plantedUi.tsx': [
    "import { useAppStore as s } from '../../../../../../state/store'; // bad",
    "import { useAppStore } from '../../../../../../state';",
    'export const all = [s, useAppStore];',
  ],
  'src/ui/plantedUi.tsx': [
    "import { useAppStore as s } from '../state/store'; // bad",
    "import { useState } from 'react';",
    "import { useAppStore } from '../state';",
    "import { fmt } from './format';",
    'export const all = [s, useState, useAppStore, fmt];',
  ],
};

describe('layering lint (biome noRestrictedImports)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'moe-lint-'));
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
    delete config.$schema;
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
    for (const [path, lines] of Object.entries(PLANTED)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${lines.join('\n')}\n`);
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails on planted violations, naming the rule, and only on them', () => {
    const r = biome(dir, '--reporter=json', 'src');
    expect(r.status, r.out).not.toBe(0);
    const report = JSON.parse(r.stdout) as { diagnostics: Diagnostic[] };
    // A line may break both rules ('../ui/App' from src/cli): count each line once.
    const found = [
      ...new Set(
        report.diagnostics
          .filter((d) => d.category === RULE)
          .map((d) => `${d.location.path}:${d.location.start.line}`),
      ),
    ].sort();
    const expected = Object.entries(PLANTED)
      .flatMap(([path, lines]) => lines.map((l, i) => (l.endsWith('// bad') ? `${path}:${i + 1}` : '')))
      .filter(Boolean)
      .sort();
    expect(found).toEqual(expected);
    expect(report.diagnostics.find((d) => d.location.path.endsWith('plantedReact.ts'))?.message).toMatch(
      /Nothing below src\/ui imports React/,
    );
    expect(report.diagnostics.find((d) => d.location.path.endsWith('plantedDeep.ts'))?.message).toMatch(
      /through its index\.ts/,
    );
  });

  it('a planted deep import fails the plain lint command with the rule named', () => {
    const r = biome(dir, 'src/stream/plantedDeep.ts');
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(RULE);
    expect(r.out).toContain("'../workload/layer'");
  });

  it("every source file under src lies within the folder depths biome.json's overrides reach", () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as {
      overrides: { includes: string[] }[];
    };
    // 'src/*/*/*.{ts,tsx}' reaches files two folders below a src folder; the deepest such glob bounds them all.
    const depths = config.overrides.flatMap((o) =>
      o.includes.filter((g) => !g.startsWith('!')).map((g) => g.split('/').length - 2),
    );
    const deepest = Math.max(...depths);
    for (let d = 1; d <= deepest; d++) {
      const glob = `src/*/${'*/'.repeat(d - 1)}*.{ts,tsx}`;
      const ui = `src/ui/${'*/'.repeat(d - 1)}*.{ts,tsx}`;
      expect(config.overrides.some((o) => o.includes[0] === glob && o.includes.includes('!src/ui/**'))).toBe(
        true,
      );
      expect(config.overrides.some((o) => o.includes[0] === ui)).toBe(true);
    }
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => relative(join(ROOT, 'src'), join(f.parentPath, f.name)).split(sep));
    for (const parts of files) {
      const path = parts.join('/');
      // The folder depth below src/<folder>: src/gpu/kernels/x.ts is 2.
      if (parts.length > 1) expect(parts.length - 1, path).toBeLessThanOrEqual(deepest);
      // Scripts the globs do not name (.js, .mts, …) would escape the rule.
      expect(/\.(c|m)?jsx?$|\.(c|m)ts$/.test(path), path).toBe(false);
    }
  });

  it('passes on the tree as it is', () => {
    const r = biome(ROOT, 'src');
    expect(r.out).not.toContain(RULE);
    expect(r.status, r.out).toBe(0);
  });
});
