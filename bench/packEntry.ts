/**
 * The packed bench's entry (bundled by bench/pack.ts into plain JavaScript; runs with the packed Node binary and no
 * npm): `run layer [--trials N] [--json]`, `run microbench [--copy-mib N] [--datasheet-gbps X] [--json]`, and
 * `run device-check [--datasheet-gbps X]` (both, one JSON object on stdout: the short script a lent GPU machine
 * runs). Also runs under tsx from the repository: `npx tsx bench/packEntry.ts microbench`.
 */
import { createMoeEngine, type MicrobenchResult } from '../src/gpu';
import { acquireNodeDevice, loadNodeShaders } from '../src/gpu/node';
import { runLayerBench } from './layer';

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

export interface MicrobenchReport {
  adapter: { label: string; isSoftware: boolean; architecture: string; vendor?: string };
  /** The default micro-benchmark (16 MiB copy: inside a large GPU's L2) and one over a larger buffer (--copy-mib). */
  small: MicrobenchResult;
  large: MicrobenchResult;
  /** large.copyGBps / the datasheet's memory bandwidth, when given. */
  ofDatasheet?: number;
  datasheetGBps?: number;
}

/**
 * fn() with WebGPU errors caught: a buffer the device cannot allocate makes the micro-benchmark time an invalid
 * (empty) submission, which reads as an absurd bandwidth rather than an error.
 */
async function checked<T>(device: GPUDevice, what: string, fn: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const value = await fn();
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  const err = oom ?? invalid;
  if (err) throw new Error(`micro-benchmark (${what}) failed on this device: ${err.message.split('\n')[0]}`);
  return value;
}

async function microbench(argv: string[]): Promise<MicrobenchReport> {
  const status = await acquireNodeDevice();
  if (!status.ok) throw new Error(status.message);
  const engine = createMoeEngine(status.device, status.summary, loadNodeShaders());
  try {
    const small = await checked(engine.device, 'default', () => engine.microbench({ fresh: true }));
    // Past a GPU's last-level cache (H100: 50 MB L2), capped by the device's binding limit.
    const copyMiB = Number(arg(argv, '--copy-mib') ?? 256);
    const large = await checked(engine.device, `${copyMiB} MiB copy`, () =>
      engine.microbench({ fresh: true, copyBytes: copyMiB * 2 ** 20, trials: 10 }),
    );
    const a = engine.adapter;
    const report: MicrobenchReport = {
      adapter: { label: a.label, isSoftware: a.isSoftware, architecture: a.architecture },
      small,
      large,
    };
    const datasheet = Number(arg(argv, '--datasheet-gbps'));
    if (Number.isFinite(datasheet) && datasheet > 0) {
      report.datasheetGBps = datasheet;
      report.ofDatasheet = large.copyGBps / datasheet;
    }
    return report;
  } finally {
    engine.destroy();
  }
}

function printMicrobench(r: MicrobenchReport): void {
  const line = (name: string, m: MicrobenchResult) =>
    `${name}: copy ${(m.copyBytes / 2 ** 20).toFixed(0)} MiB at ${m.copyGBps.toFixed(2)} GB/s (read + write), f32 matmul ${m.matmulSize}³ at ${m.matmulGflops.toFixed(2)} GFLOP/s (${m.source})`;
  process.stdout.write(
    [
      `adapter: ${r.adapter.label}${r.adapter.isSoftware ? ' — SOFTWARE ADAPTER: times are CPU times' : ''}`,
      line('micro-benchmark, default', r.small),
      line('micro-benchmark, large copy', r.large),
      r.ofDatasheet !== undefined
        ? `large copy / datasheet ${r.datasheetGBps} GB/s: ${(r.ofDatasheet * 100).toFixed(1)}%`
        : 'pass --datasheet-gbps X to get the fraction of the datasheet bandwidth',
    ].join('\n') + '\n',
  );
}

const USAGE = `usage: run <command> [options]
  layer [--trials N] [--json]                          the MoE layer per stage at three sizes (bench/layer.ts)
  microbench [--copy-mib N (256)] [--datasheet-gbps X] [--json]   copy bandwidth and f32 matmul rate of this device
  device-check [--datasheet-gbps X]                    both, as one JSON object
  moe <command> ...                                    the moe-lab CLI (run moe help)
`;

export async function runPacked(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'layer') {
    await runLayerBench(rest);
    return 0;
  }
  if (name === 'microbench') {
    const r = await microbench(rest);
    if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else printMicrobench(r);
    return 0;
  }
  if (name === 'device-check') {
    const started = new Date().toISOString();
    const micro = await microbench(rest);
    const layer = await runLayerBench(['--trials', arg(rest, '--trials') ?? '5', '--silent']);
    process.stdout.write(
      `${JSON.stringify({ started, finished: new Date().toISOString(), microbench: micro, layer }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(USAGE);
  return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
}

// Run when executed directly (the bundle, or tsx), not when imported.
const self = process.argv[1] ?? '';
if (/packEntry\.(ts|js|mjs)$|bench\.mjs$/.test(self)) {
  runPacked(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
