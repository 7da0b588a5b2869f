/**
 * Network view speed (not a test): `npm run bench -- network [--runs N]`. The dispatch and combine byte matrices of
 * every layer of a DeepSeek-V3-sized model (61 MoE layers × 256 experts, k = 8) on 144 expert-parallel ranks in
 * 8-rank scale-up domains (DeepSeek's decode unit: 18 nodes × 8 GPUs, 32 redundant experts, 288 slots), under
 * round-robin, load-aware and EPLB placed from each layer's own counts: what `moe stream` and the UI do per
 * stream. Timed per run: the layer's expert counts (the placements' history), placeExperts for the three, and
 * layerNetwork for each (R × R matrices for dispatch and combine, per-rank up/out totals, busiest rank and link, per-step
 * busiest). Not timed: generating the skewed trace (uint8 ids, Zipf-like popularity, a different hot set per layer).
 * Median of N runs after a warm-up.
 */
import { networkBeforeAfter } from '../src/metrics';
import { Rng } from '../src/workload';

const LAYERS = 61;
const EXPERTS = 256;
const K = 8;
const RANKS = 144;
const DOMAIN = 8;
const REDUNDANT = 32;
const D_MODEL = 7168;

/** [T, k] uint8 ids per layer: k distinct experts per token, popularity ∝ 1/(rank+1)^0.8 over a per-layer shuffle. */
function skewedTrace(tokens: number, layer: number): Uint8Array {
  const rng = Rng.from(layer, 'network-bench');
  const perm = Array.from({ length: EXPERTS }, (_, i) => i);
  for (let i = EXPERTS - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const cdf = new Float64Array(EXPERTS);
  let sum = 0;
  for (let e = 0; e < EXPERTS; e++) {
    sum += 1 / (e + 1) ** 0.8;
    cdf[e] = sum;
  }
  const ids = new Uint8Array(tokens * K);
  const used = new Int32Array(EXPERTS).fill(-1);
  for (let t = 0; t < tokens; t++) {
    let n = 0;
    while (n < K) {
      const u = rng.next() * sum;
      let lo = 0;
      let hi = EXPERTS - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      const e = perm[lo];
      if (used[e] === t) continue;
      used[e] = t;
      ids[t * K + n++] = e;
    }
  }
  return ids;
}

function buildAll(traces: Uint8Array[], tokens: number, stepTokens: number) {
  let busiestPlain = 0;
  let busiestEplb = 0;
  for (const ids of traces) {
    const cmp = networkBeforeAfter({ tokens, topK: K, ids }, EXPERTS, RANKS, REDUNDANT, {
      dispatchBytesPerRow: D_MODEL, // FP8 dispatch
      combineBytesPerRow: 2 * D_MODEL, // BF16 combine
      domain: DOMAIN,
      stepTokens,
    });
    busiestPlain = Math.max(busiestPlain, cmp.plain.dispatch.busiestRank.bytes);
    busiestEplb = Math.max(busiestEplb, cmp.eplb.dispatch.busiestRank.bytes);
  }
  return { busiestPlain, busiestEplb };
}

export async function runNetworkBench(argv: string[]): Promise<void> {
  const at = argv.indexOf('--runs');
  const runs = at >= 0 ? Math.max(1, Number.parseInt(argv[at + 1], 10) || 5) : 5;
  const cases = [
    { name: 'decode step, 128 tokens per rank', perRank: 128, steps: 1 },
    { name: 'decode, 8 steps of 128 tokens per rank', perRank: 128, steps: 8 },
    { name: 'prefill chunk, 1024 tokens per rank', perRank: 1024, steps: 1 },
  ];
  const rows: string[] = [];
  for (const c of cases) {
    const stepTokens = RANKS * c.perRank;
    const tokens = stepTokens * c.steps;
    const traces = Array.from({ length: LAYERS }, (_, l) => skewedTrace(tokens, l));
    buildAll(traces, tokens, stepTokens); // warm-up
    const times: number[] = [];
    let last = { busiestPlain: 0, busiestEplb: 0 };
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      last = buildAll(traces, tokens, stepTokens);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    const mib = (v: number) => (v / 2 ** 20).toFixed(1);
    rows.push(
      `| ${c.name} | ${tokens.toLocaleString('en-US')} | ${runs} | ${median.toFixed(0)} | ${times[0].toFixed(0)} | ` +
        `${(median / LAYERS).toFixed(1)} | ${mib(last.busiestPlain)} → ${mib(last.busiestEplb)} |`,
    );
  }
  process.stdout.write(
    `Network view: ${LAYERS} layers × ${EXPERTS} experts, k = ${K}, ${RANKS} ranks in domains of ${DOMAIN}, EPLB +` +
      `${REDUNDANT} replicas (${EXPERTS + REDUNDANT} slots); d = ${D_MODEL}, FP8 dispatch, BF16 combine. Per run and ` +
      'layer: expert counts, placeExperts round-robin + load-aware + EPLB, layerNetwork for each (dispatch and combine ' +
      `${RANKS}×${RANKS} matrices, per-rank up/out, busiest rank and link, per-step busiest). Trace generation not ` +
      `timed. Median of ${runs} runs after a warm-up; Node ${process.version}.\n\n` +
      '| case | tokens per layer | runs | median ms (61 layers) | min ms | ms per layer | busiest rank dispatch MiB, plain → EPLB (max over layers) |\n' +
      '|---|---:|---:|---:|---:|---:|---|\n' +
      `${rows.join('\n')}\n`,
  );
}
