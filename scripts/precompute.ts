/**
 * Writes public/precomputed.json: the routing load of every lesson link and model preset link, computed with
 * the CPU reference, so those links show numbers immediately. Run: npx tsx scripts/precompute.ts
 */
import { writeFileSync } from 'node:fs';
import { runReferenceLayer } from '../src/reference';
import { decodeHash, FIRST_SCREEN_LINK, LESSONS, MODEL_PRESETS } from '../src/scenario';
import {
  entryFromResult,
  type PrecomputedTable,
  precomputeConfig,
  precomputedKey,
} from '../src/state/precomputed';
import { capacityOf, generateLayerTensors } from '../src/workload';

export const PRECOMPUTED_LINKS = [
  '',
  FIRST_SCREEN_LINK,
  ...LESSONS.map((l) => `lesson=${l.id}`),
  ...MODEL_PRESETS.map((p) => `preset=${p.id}`),
];

export function buildPrecomputed(): PrecomputedTable {
  const out: PrecomputedTable = {};
  for (const link of PRECOMPUTED_LINKS) {
    const { scenario } = decodeHash(link);
    const cfg = precomputeConfig(scenario);
    const result = runReferenceLayer(cfg, generateLayerTensors(scenario, cfg));
    out[precomputedKey(scenario)] = entryFromResult(result, capacityOf(cfg));
  }
  return out;
}

if (process.argv[1]?.endsWith('precompute.ts')) {
  const table = buildPrecomputed();
  writeFileSync(new URL('../public/precomputed.json', import.meta.url), `${JSON.stringify(table)}\n`);
  process.stdout.write(`wrote ${Object.keys(table).length} precomputed loads to public/precomputed.json\n`);
}
