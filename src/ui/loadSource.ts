import type { LoadProfile } from '../costmodel';
import type { ProjectionSet } from '../state';
import type { ChartSource } from './charts/scale';

/** The provenance of a projection: which load it rests on, and whether that load came from a software adapter. */
export function projectionSource(set: ProjectionSet, measuredIsSoftware: boolean): ChartSource {
  const load: LoadProfile = set.load;
  const detail =
    load.source === 'uniform'
      ? 'uniform routing (nothing measured or imported yet)'
      : load.source === 'measured'
        ? `the load ${load.label}`
        : `the ${load.source} load ${load.label}`;
  return { kind: 'projected', detail, isSoftware: load.source === 'measured' && measuredIsSoftware };
}
