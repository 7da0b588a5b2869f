/**
 * CPU-side speed (not a test): `npm run bench -- inputs [--runs N]`. Tensor generation, the CPU reference layer,
 * big count-table imports, hostile 1 MB links and a 1 GiB file refused by the CLI's bounded reader, each the median
 * of N runs after a warm-up, against the budget the app needs to stay responsive. Then a ~60 MB count table (SGLang
 * rank dumps concatenated, just under the 64 MiB import limit) read once in a fresh child process, with its time
 * and memory. The unit tests check these paths' results; their speed is measured here, where a loaded machine
 * cannot turn a slow run into a failed test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInputFile } from '../src/cli/files';
import { runReferenceLayer } from '../src/reference';
import { decodeHash, defaultScenario, type Scenario } from '../src/scenario';
import {
  type CountTable,
  generateLayerTensors,
  InputError,
  layerConfigFromScenario,
  previewImport,
} from '../src/workload';

interface Case {
  name: string;
  budgetMs: number;
  run: () => unknown;
}

function countTableCsv(layers: number, experts = 256): Uint8Array {
  const lines = ['layer_id,expert_id,count'];
  for (let l = 0; l < layers; l++)
    for (let e = 0; e < experts; e++) lines.push(`${l},${e},${(l * 7 + e * 13) % 997}`);
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** SGLang rank dumps (61 layers × 256 experts each) concatenated with their headers, up to `bytes`. */
function rankDumpsCsv(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let r = 0; ; r++) {
    const lines = ['layer_id,expert_id,count'];
    for (let l = 0; l < 61; l++)
      for (let e = 0; e < 256; e++) lines.push(`${l},${e},${(r * 31 + l * 7 + e * 13) % 99991}`);
    const dump = `${lines.join('\n')}\n`;
    if (size + dump.length > bytes) break;
    parts.push(dump);
    size += dump.length;
  }
  return parts.join('');
}

/** A refused read: the reader must throw an InputError (the case fails loudly otherwise). */
function mustRefuse(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    if (err instanceof InputError) return;
    throw err;
  }
  throw new Error('the file was read, not refused');
}

function cases(dir: string): Case[] {
  const layer: Scenario = {
    ...defaultScenario(),
    tokens: 256,
    dModel: 256,
    ffnSize: 512,
    experts: 16,
    topK: 2,
  };
  const layerCfg = layerConfigFromScenario(layer);
  const layerTensors = generateLayerTensors(layer, layerCfg);
  const gen: Scenario = { ...defaultScenario(), tokens: 256, dModel: 256, ffnSize: 256, experts: 16 };
  const genCfg = layerConfigFromScenario(gen);
  const csv61 = countTableCsv(61);
  const csv2000 = countTableCsv(2000);
  const mustImport = (name: string, bytes: Uint8Array) => {
    const p = previewImport(name, bytes);
    if (!p.ok) throw new Error(p.error);
  };
  // A sparse 1 GiB file (no disk used): refused from its size before a byte is read.
  const gig = join(dir, 'one-gib.csv');
  writeFileSync(gig, '');
  truncateSync(gig, 2 ** 30);
  return [
    {
      name: 'generate tensors, T=256 d=256 f=256 E=16',
      budgetMs: 100,
      run: () => generateLayerTensors(gen, genCfg),
    },
    {
      name: 'CPU reference layer, T=256 d=256 f=512 E=16 k=2',
      budgetMs: 1000,
      run: () => runReferenceLayer(layerCfg, layerTensors),
    },
    {
      name: 'import a count table, 61 layers × 256 experts',
      budgetMs: 1000,
      run: () => mustImport('61.csv', csv61),
    },
    {
      name: 'import a count table, 2000 layers × 256 experts',
      budgetMs: 4000,
      run: () => mustImport('2000.csv', csv2000),
    },
    {
      name: 'read a 1 GiB count table with readInputFile (refused)',
      budgetMs: 1000,
      run: () => mustRefuse(() => readInputFile(gig, '--counts', 'import')),
    },
    {
      name: 'read a 1 GiB scenario file with readInputFile (refused)',
      budgetMs: 1000,
      run: () => mustRefuse(() => readInputFile(gig, '--scenario', 'scenario')),
    },
    {
      name: 'decode a 1 MB #s= link (refused)',
      budgetMs: 200,
      run: () => decodeHash(`#s=${'A'.repeat(2 ** 20)}`),
    },
    {
      name: 'decode a 1 MB readable link (refused)',
      budgetMs: 200,
      run: () => decodeHash(`#${'topK=2&'.repeat(2 ** 17)}`),
    },
  ];
}

const MiB = 2 ** 20;

interface TableMeasure {
  ok: boolean;
  error?: string;
  fileBytes: number;
  rows: number;
  layers: number;
  ms: number;
  heapBefore: number;
  heapAfter: number;
  heapKept: number;
  rssBefore: number;
  rssAfter: number;
  peakRss: number;
}

/** In the child: read one count table and report time and memory (bytes) as JSON on stdout. */
function measureTable(path: string): void {
  const bytes = readFileSync(path);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const start = performance.now();
  const p = previewImport('table.csv', bytes);
  const ms = performance.now() - start;
  const after = process.memoryUsage();
  gc?.();
  const kept = process.memoryUsage().heapUsed;
  const t = p.ok ? (p.data as CountTable) : undefined;
  const out: TableMeasure = {
    ok: p.ok,
    error: p.ok ? undefined : p.error,
    fileBytes: bytes.length,
    rows: t?.rows ?? 0,
    layers: t?.layerIds.length ?? 0,
    ms,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapKept: kept,
    rssBefore: before.rss,
    rssAfter: after.rss,
    // ru_maxrss: the process's high-water mark (KiB on Linux), reached during the import.
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** The ~60 MB table read in a fresh Node process (so its memory figures are its own), reported as one paragraph. */
function bigTableReport(dir: string): string {
  const path = join(dir, 'rank-dumps-60mb.csv');
  writeFileSync(path, rankDumpsCsv(60 * MiB));
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', self, '--child-table', path],
    { encoding: 'utf8', maxBuffer: MiB },
  );
  if (child.status !== 0) throw new Error(`the child process failed: ${child.stderr.trim().split('\n')[0]}`);
  const m = JSON.parse(child.stdout.trim().split('\n').pop() as string) as TableMeasure;
  if (!m.ok) throw new Error(`the 60 MB table was refused: ${m.error}`);
  const f = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
  const budget = { ms: 10_000, peakGrowth: 4 * m.fileBytes };
  const growth = m.peakRss - m.rssBefore;
  const ok = m.ms <= budget.ms && growth <= budget.peakGrowth;
  return (
    `Import a ${f(m.fileBytes)} count table (${m.rows} rows: ${m.rows / (61 * 256)} SGLang rank dumps of 61 layers × ` +
    `256 experts, concatenated with their headers), once, in a fresh Node process (previewImport on the file's bytes, ` +
    `already in memory):\n\n` +
    `| time ms | heap before → after (kept after GC) | RSS before → after | peak RSS (ru_maxrss) | peak − RSS before | budget | ok |\n` +
    `|---:|---|---|---:|---:|---|---|\n` +
    `| ${m.ms.toFixed(0)} | ${f(m.heapBefore)} → ${f(m.heapAfter)} (${f(m.heapKept)}) | ${f(m.rssBefore)} → ${f(m.rssAfter)} | ` +
    `${f(m.peakRss)} | ${f(growth)} | ≤ ${budget.ms} ms, peak growth ≤ 4 × file | ${ok ? 'yes' : 'NO'} |\n\n` +
    'Heap: V8 heapUsed before the import (after a forced GC), right after it (the decoded text, 1 byte a character, ' +
    'and garbage), and kept after a forced GC. RSS: process.memoryUsage().rss; before: with the file bytes read. ' +
    'Peak: the child process high-water mark, process.resourceUsage().maxRSS.\n'
  );
}

export async function runInputsBench(argv: string[]): Promise<void> {
  const at = argv.indexOf('--runs');
  const runs = Math.max(1, at >= 0 ? Number(argv[at + 1]) : 5);
  const dir = mkdtempSync(join(tmpdir(), 'moe-lab-inputs-'));
  try {
    process.stdout.write(`${cpuTable(runs, dir)}\n${bigTableReport(dir)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuTable(runs: number, dir: string): string {
  const rows: string[] = [];
  for (const c of cases(dir)) {
    c.run(); // warm-up (JIT)
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      c.run();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    rows.push(
      `| ${c.name} | ${runs} | ${median.toFixed(1)} | ${times[0].toFixed(1)} | ${c.budgetMs} | ${median <= c.budgetMs ? 'yes' : 'NO'} |`,
    );
  }
  return (
    `CPU-side paths (median of ${runs} runs after a warm-up; Node ${process.version})\n\n` +
    '| case | runs | median ms | min ms | budget ms | ok |\n|---|---:|---:|---:|---:|---|\n' +
    `${rows.join('\n')}\n`
  );
}

// The child process of bigTableReport: `node <tsx loader> --expose-gc bench/inputs.ts --child-table <file>`.
if (process.argv[2] === '--child-table') measureTable(process.argv[3]);
