/**
 * CPU-side speed (not a test): `npm run bench -- inputs [--runs N]`. Tensor generation, the CPU reference layer,
 * big count-table imports and hostile 1 MB links, each the median of N runs after a
 * warm-up, against the budget the app needs to stay responsive. The unit tests check these paths' results; their
 * speed is measured here, where a loaded machine cannot turn a slow run into a failed test.
 */
import { runReferenceLayer } from '../src/reference';
import { decodeHash, defaultScenario, type Scenario } from '../src/scenario';
import { generateLayerTensors, layerConfigFromScenario, previewImport } from '../src/workload';

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

function cases(): Case[] {
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

export async function runInputsBench(argv: string[]): Promise<void> {
  const at = argv.indexOf('--runs');
  const runs = Math.max(1, at >= 0 ? Number(argv[at + 1]) : 5);
  const rows: string[] = [];
  for (const c of cases()) {
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
  process.stdout.write(
    `CPU-side paths (median of ${runs} runs after a warm-up; Node ${process.version})\n\n` +
      '| case | runs | median ms | min ms | budget ms | ok |\n|---|---:|---:|---:|---:|---|\n' +
      `${rows.join('\n')}\n`,
  );
}
