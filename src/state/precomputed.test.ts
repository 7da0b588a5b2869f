import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../reference';
import { decodeHash } from '../scenario';
import { capacityOf, generateLayerTensors, layerConfigFromScenario } from '../workload';
import { entryFromResult, type PrecomputedTable, precomputeConfig, precomputedKey } from './precomputed';

const table = JSON.parse(
  readFileSync(new URL('../../public/precomputed.json', import.meta.url), 'utf8'),
) as PrecomputedTable;

describe('precomputed loads (public/precomputed.json)', () => {
  it('cover every lesson and preset link (regenerate with npx tsx scripts/precompute.ts)', async () => {
    const { PRECOMPUTED_LINKS } = await import('../../scripts/precompute');
    for (const link of PRECOMPUTED_LINKS)
      expect(table[precomputedKey(decodeHash(link).scenario)], link).toBeDefined();
  });

  it.each(['', 'lesson=capacity', 'lesson=hot-experts', 'preset=mixtral-8x7b'])(
    'match the reference for "%s"',
    (link) => {
      const { scenario } = decodeHash(link);
      const cfg = precomputeConfig(scenario);
      const fresh = entryFromResult(
        runReferenceLayer(cfg, generateLayerTensors(scenario, cfg)),
        capacityOf(cfg),
      );
      expect(table[precomputedKey(scenario)]).toEqual(fresh);
    },
  );

  it('routing does not depend on the expert FFN size (why a tiny f is enough)', () => {
    const { scenario } = decodeHash('T=64&E=8&k=2&ffnSize=96&sharedExperts=1');
    const full = layerConfigFromScenario(scenario);
    const tiny = precomputeConfig(scenario);
    const a = runReferenceLayer(full, generateLayerTensors(scenario, full));
    const b = runReferenceLayer(tiny, generateLayerTensors(scenario, tiny));
    expect(Array.from(b.counts)).toEqual(Array.from(a.counts));
    expect(Array.from(b.topkIds)).toEqual(Array.from(a.topkIds));
  });
});
