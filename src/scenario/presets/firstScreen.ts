import { decodeHash } from '../codec';
import type { Scenario } from '../schema';

/**
 * What a fresh visit (a page with no hash) opens: a real model, OLMoE-1B-7B decoding 64 sequences on 8 chips,
 * its layer measured on this device with the expert FFN at 1/128 of its width (f = 8: routing and the load do not
 * depend on f; generating and running wider experts on a software adapter held up the first screen by seconds on
 * a busy 2-core machine) and projected at full size, so the chip table shows believable numbers.
 *
 * Only the empty hash opens it. Every link, short (`#T=64`, `#lesson=…`) or full (`#s=…`), is read over the
 * schema's defaults (schema.ts), so a link means the same scenario whatever the first screen shows.
 */
export const FIRST_SCREEN_LINK =
  'preset=olmoe-1b-7b&phase=decode&tokens=64&measureScale=0.0078125&chip=h100,b200,groq-lpu';

export function firstScreenScenario(): Scenario {
  return decodeHash(FIRST_SCREEN_LINK).scenario;
}
