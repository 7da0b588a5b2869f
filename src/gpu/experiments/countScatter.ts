/**
 * Experiment (not a test): count and scatter at T ≥ 16K against this device's copy bandwidth, beside a first-order
 * estimate of what their memory operations allow. Count and scatter move few bytes per (token, slot) pair but
 * touch more than they move: count reads an id (4 B, what stageWork counts) and increments a histogram entry (a
 * 4 B read and a 4 B write); scatter reads an id, reads and writes the chunk's rank, reads the expert's start and
 * kept count, writes the row's token and the pair's position (16 B counted, 28 B touched). If every touched byte
 * cost what a copied byte costs (the software-adapter model: each is a per-invocation memory operation), the most
 * they could reach is counted / touched: 33% of copy bandwidth for count, 57% for scatter. Cached histogram and
 * offset accesses are cheaper than streaming ones, so a measurement above the estimate is possible (and was seen):
 * it is an estimate, not a bound. On a GPU the histogram and offsets stay in cache and only the counted bytes
 * remain. The copy bandwidth is measured right after each size's trials, because a shared machine drifts.
 *
 *   npx tsx src/gpu/experiments/countScatter.ts [--trials N] [--tokens 16384,65536]
 */
import { makeLayerConfig, Rng } from '../../workload';
import { createMoeEngine } from '../index';
import { acquireNodeDevice, loadNodeShaders } from '../node';

/** Bytes stageWork counts per pair, and bytes each kernel reads or writes per pair (see above). */
export const COUNT_BYTES = { counted: 4, touched: 12 };
export const SCATTER_BYTES = { counted: 16, touched: 28 };

export interface CountScatterRow {
  tokens: number;
  experts: number;
  topK: number;
  copyGBps: number;
  countMs: number;
  scatterMs: number;
  /** Counted bytes / median time, as a fraction of copy bandwidth (what the layer bench reports). */
  countFraction: number;
  scatterFraction: number;
  /** Those fractions over the estimate counted / touched. */
  countOfEstimate: number;
  scatterOfEstimate: number;
}

export async function runCountScatterExperiment(
  opts: { trials?: number; tokens?: number[]; experts?: number; topK?: number } = {},
): Promise<{ adapter: string; isSoftware: boolean; rows: CountScatterRow[] }> {
  const status = await acquireNodeDevice();
  if (!status.ok) throw new Error(status.message);
  const engine = createMoeEngine(status.device, status.summary, loadNodeShaders());
  const E = opts.experts ?? 64;
  const k = opts.topK ?? 4;
  const rows: CountScatterRow[] = [];
  try {
    for (const T of opts.tokens ?? [16384, 65536]) {
      // A tiny FFN (d = f = 8): the stages measured here do not depend on it.
      const cfg = makeLayerConfig({ tokens: T, dModel: 8, ffnSize: 8, experts: E, topK: k });
      const rng = Rng.from(T, 'count-scatter');
      const normal = (n: number) => {
        const a = new Float32Array(n);
        rng.fillNormal(a, 1);
        return a;
      };
      const t = {
        x: normal(T * 8),
        router: normal(8 * E),
        bias: new Float32Array(E),
        w1: normal(E * 64),
        w3: normal(E * 64),
        w2: normal(E * 64),
        sharedW1: new Float32Array(0),
        sharedW3: new Float32Array(0),
        sharedW2: new Float32Array(0),
      };
      const run = await engine.run(cfg, t, { trials: opts.trials ?? 7, warmup: 1 });
      const roof = await engine.microbench({ fresh: true });
      const pairs = T * k;
      const countMs = run.timing.count?.medianMs ?? Number.NaN;
      const scatterMs = run.timing.scatter?.medianMs ?? Number.NaN;
      const fraction = (bytes: number, ms: number) => (bytes * pairs) / (ms * 1e6) / roof.copyGBps;
      const countFraction = fraction(COUNT_BYTES.counted, countMs);
      const scatterFraction = fraction(SCATTER_BYTES.counted, scatterMs);
      rows.push({
        tokens: T,
        experts: E,
        topK: k,
        copyGBps: roof.copyGBps,
        countMs,
        scatterMs,
        countFraction,
        scatterFraction,
        countOfEstimate: countFraction / (COUNT_BYTES.counted / COUNT_BYTES.touched),
        scatterOfEstimate: scatterFraction / (SCATTER_BYTES.counted / SCATTER_BYTES.touched),
      });
    }
    return { adapter: status.summary.label, isSoftware: status.summary.isSoftware, rows };
  } finally {
    engine.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const r = await runCountScatterExperiment({
    trials: Number(arg('--trials') ?? 7),
    tokens: arg('--tokens')?.split(',').map(Number),
  });
  const soft = r.isSoftware ? ' (SOFTWARE ADAPTER: every time is a CPU time)' : '';
  console.log(`adapter: ${r.adapter}${soft}`);
  console.log(
    '| T | E | k | copy GB/s | count ms | count % copy | % of estimate 33% | scatter ms | scatter % copy | % of estimate 57% |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  for (const x of r.rows) {
    console.log(
      `| ${x.tokens} | ${x.experts} | ${x.topK} | ${x.copyGBps.toFixed(2)} | ${x.countMs.toFixed(3)} | ${pct(x.countFraction)} | ${pct(x.countOfEstimate)} | ${x.scatterMs.toFixed(3)} | ${pct(x.scatterFraction)} | ${pct(x.scatterOfEstimate)} |`,
    );
  }
  process.exit(0);
}
