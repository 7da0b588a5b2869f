/**
 * `npm run bench -- [name] [options]`: a small dispatcher over the benchmarks in this folder (default: layer).
 * Add a benchmark by adding an entry to BENCHES.
 */
import { runInputsBench } from './inputs';
import { runLayerBench } from './layer';
import { runNetworkBench } from './network';
import { runPack } from './pack';
import { runPeerBench } from './peers';

const BENCHES: Record<string, { summary: string; run: (argv: string[]) => Promise<unknown> }> = {
  layer: {
    summary: 'MoE layer per-stage GPU time and roofline efficiency at three sizes',
    run: runLayerBench,
  },
  inputs: {
    summary: 'CPU-side paths: tensor generation, CPU reference layer, big imports, hostile links',
    run: runInputsBench,
  },
  network: {
    summary:
      'network view: dispatch/combine byte matrices, 61 layers × 256 experts × 144 ranks, plain and EPLB',
    run: runNetworkBench,
  },
  pack: {
    summary: 'a self-contained folder (Node, bundled bench + CLI, dawn.node) for a GPU machine without npm',
    run: runPack,
  },
  peers: {
    summary: 'moe-lab vs tfjs-backend-webgpu vs the CPU reference in headless Chromium (tables + JSON)',
    run: runPeerBench,
  },
};

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const name = first && !first.startsWith('--') ? first : 'layer';
  const args = first && !first.startsWith('--') ? rest : argv;
  const bench = BENCHES[name];
  if (!bench) {
    const list = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`);
    process.stderr.write(`bench: unknown benchmark "${name}"\n${list.join('\n')}\n`);
    return 2;
  }
  await bench.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
