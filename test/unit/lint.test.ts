/**
 * The one-way layering (README "Layout") is enforced by Biome's noRestrictedImports, configured per folder depth
 * in biome.json's overrides, so `npm run lint` (and so `npm test`) fails on a violation. These tests plant
 * violations in a scratch copy of the tree's layout, linted with the real biome.json, and lint the real tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

  it('passes on the tree as it is', () => {
    const r = biome(ROOT, 'src');
    expect(r.out).not.toContain(RULE);
    expect(r.status, r.out).toBe(0);
  });
});
