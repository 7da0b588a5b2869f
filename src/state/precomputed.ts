import type { Scenario } from '../scenario';
import { type LayerResult, layerConfigFromScenario } from '../workload';

/**
 * Precomputed loads for lesson and preset links, so they show numbers at once (labelled as precomputed on the
 * CPU reference) while the real run on this device happens. Routing does not depend on the expert FFN size, so
 * the entries are computed with a tiny f and key on the fields that decide routing.
 */
export interface PrecomputedEntry {
  counts: number[];
  kept: number[];
  capacity: number;
}
export type PrecomputedTable = Record<string, PrecomputedEntry>;

const ROUTING_KEYS = [
  'dModel',
  'experts',
  'topK',
  'scoreFn',
  'useBias',
  'groups',
  'topGroups',
  'routingMode',
  'capacityFactor',
  'dropPolicy',
  'blockSize',
  'tokens',
  'phase',
  'seed',
  'topics',
  'topicConcentration',
  'routerTemperature',
  'popularitySkew',
] as const satisfies readonly (keyof Scenario)[];

export function precomputedKey(s: Scenario): string {
  return ROUTING_KEYS.map((k) => `${k}=${String(s[k])}`).join('&');
}

/** The layer config precomputation runs at: f shrunk to 4 (routing is independent of f). */
export function precomputeConfig(s: Scenario) {
  return layerConfigFromScenario({ ...s, sharedExperts: 0 }, 4 / s.ffnSize);
}

export function entryFromResult(r: LayerResult, capacity: number): PrecomputedEntry {
  return { counts: Array.from(r.counts), kept: Array.from(r.kept), capacity };
}

let table: Promise<PrecomputedTable> | undefined;

/** The shipped table (public/precomputed.json), fetched once; an unreachable file means none. */
export function loadPrecomputedTable(): Promise<PrecomputedTable> {
  table ??= fetch('./precomputed.json')
    .then((r) => (r.ok ? (r.json() as Promise<PrecomputedTable>) : {}))
    .catch(() => ({}));
  return table;
}
