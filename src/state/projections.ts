import {
  type LoadProfile,
  loadFromCounts,
  loadMismatch,
  type Projection,
  projectAll,
  projectCustomChips,
  uniformLoad,
} from '../costmodel';
import type { Scenario } from '../scenario';
import type { MeasuredRun } from './runner';

export interface ProjectionSet {
  projections: Projection[];
  load: LoadProfile;
  /** Why the measured or imported load was not used, when it was not. */
  fallbackReason?: string;
  error?: string;
}

/** The load the cost model should use: imported first, then measured here, else uniform routing. */
export function chooseLoad(
  s: Scenario,
  measured: MeasuredRun | null,
  imported: LoadProfile | null,
): { load: LoadProfile; reason?: string } {
  if (imported) {
    const problem = loadMismatch(s, imported);
    if (!problem) return { load: imported };
    return { load: uniformLoad(s), reason: `Imported load not used: ${problem}.` };
  }
  if (measured) {
    const load = loadFromCounts({
      counts: [measured.counts],
      kept: [measured.kept],
      tokens: measured.cfg.tokens,
      topK: measured.cfg.topK,
      blockSize: measured.cfg.blockSize,
      phase: measured.scenario.phase,
      source: 'measured',
      label: `${measured.provenance}, T = ${measured.cfg.tokens}`,
    });
    const problem = loadMismatch(s, load);
    if (!problem) return { load };
    return { load: uniformLoad(s), reason: `Measured load not used until the next run: ${problem}.` };
  }
  return { load: uniformLoad(s), reason: 'No measurement yet: uniform routing assumed.' };
}

/** Project the scenario onto each of its chips, then its custom chips. Never throws: errors become a message. */
export function computeProjections(
  s: Scenario,
  measured: MeasuredRun | null,
  imported: LoadProfile | null,
): ProjectionSet {
  const { load, reason } = chooseLoad(s, measured, imported);
  try {
    const projections = [...projectAll(s, load), ...projectCustomChips(s, load)];
    return { projections, load, fallbackReason: reason };
  } catch (err) {
    return { projections: [], load, fallbackReason: reason, error: (err as Error).message };
  }
}
