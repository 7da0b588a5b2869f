/**
 * Time and memory of parseImport on dumps the size real users have (docs/BENCHMARKS.md, "Input layer and network
 * view"), each generated in memory (scripts/fixtures/ptWriter.ts) and read in a fresh process:
 *
 *   npx tsx scripts/measureLargeDumps.ts            # every case, one child process each
 *   npx tsx scripts/measureLargeDumps.ts stat-k2    # one case, in this process
 *
 * Printed per case: file size, parse time, RSS and heap+ArrayBuffers before and after the parse, and the peak RSS
 * of the process (process.resourceUsage().maxRSS) before and after the parse: what the parse added at its peak is
 * the second peak less the RSS before it (the file, already in memory, is counted before).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseImport } from '../src/workload/imports';
import { perPassDump, statDump } from './fixtures/ptWriter';

/** A .npy v1.0 trace [T, L, k] of uint8 or uint16 ids, k distinct per row, layers 0–2 never captured (zero). */
function npyTrace(bytesPerId: 1 | 2, T: number, L: number, k: number, E: number): Uint8Array {
  const descr = bytesPerId === 1 ? '|u1' : '<u2';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${T}, ${L}, ${k}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const out = new Uint8Array(total + T * L * k * bytesPerId);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const ids = bytesPerId === 1 ? out.subarray(total) : new Uint16Array(out.buffer, total, T * L * k);
  const step = Math.floor(E / k);
  for (let cell = 0; cell < T * L; cell++) {
    if (cell % L < 3) continue;
    for (let j = 0; j < k; j++) ids[cell * k + j] = (cell * 37 + j * step) % E;
  }
  return out;
}

const count = (r: number, l: number, e: number) => (r >= 700 ? 0 : (r * 7 + l * 13 + e * 31) % 97);

const CASES: Record<string, { what: string; make: () => Uint8Array }> = {
  'stat-k2': {
    what: 'SGLang stat dump, Kimi K2: logical_count int32 [1000, 61, 384]',
    make: () => statDump(1000, 61, 384, count),
  },
  'per-pass-v3': {
    what: 'SGLang per_pass dump, DeepSeek-V3 + 32 redundant: 1000 records [61, 288] + map',
    make: () =>
      perPassDump(
        1000,
        61,
        288,
        (r, l, p) => (r + l + p) % 23,
        (l, p) => (p + l) % 256,
      ),
  },
  'stat-near-limit': {
    what: 'SGLang stat dump near the limit: logical_count int32 [5000, 61, 384]',
    make: () => statDump(5000, 61, 384, count),
  },
  'npy-u8-near-limit': {
    what: 'vLLM routed experts uint8 [1_000_000, 61, 8] (256 experts)',
    make: () => npyTrace(1, 1_000_000, 61, 8, 256),
  },
  'npy-u16-near-limit': {
    what: 'vLLM routed experts uint16 [500_000, 61, 8] (384 experts)',
    make: () => npyTrace(2, 500_000, 61, 8, 384),
  },
};

const MiB = 2 ** 20;
const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;

function runOne(id: string): void {
  const c = CASES[id];
  if (!c) throw new Error(`no case ${id}; cases: ${Object.keys(CASES).join(', ')}`);
  const bytes = c.make();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const data = parseImport(`${id}.${id.startsWith('npy') ? 'npy' : 'pt'}`, bytes);
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  const shape =
    data.format === 'count-table'
      ? `${data.layerIds.length} layers × ${data.experts} experts`
      : data.format === 'token-choices'
        ? `${data.tokens} tokens × ${data.layers} layers × ${data.topK} (${data.ids.constructor.name})`
        : data.format;
  console.log(
    `${id}: ${c.what}\n  file ${mib(bytes.length)}; parseImport ${ms.toFixed(0)} ms → ${shape}\n` +
      `  RSS ${mib(before.rss)} → ${mib(after.rss)}; heap+ArrayBuffers ${mib(before.heapUsed + before.arrayBuffers)} → ` +
      `${mib(after.heapUsed + after.arrayBuffers)}; peak RSS ${mib(peakBefore)} → ${mib(peakAfter)} ` +
      `(the parse's peak above the RSS before it: at most ${mib(Math.max(0, peakAfter - before.rss))}, ` +
      `${(Math.max(0, peakAfter - before.rss) / bytes.length).toFixed(2)}× the file)`,
  );
}

const only = process.argv[2];
if (only) runOne(only);
else {
  const self = fileURLToPath(import.meta.url);
  for (const id of Object.keys(CASES)) {
    const r = spawnSync('npx', ['tsx', '--expose-gc', self, id], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
