import type { Scenario } from '../scenario';
import { type LayerConfig, layerConfigFromScenario } from '../workload/layer';

/** Expert weight bytes the CPU engine will generate and hold. */
const CPU_WEIGHT_BUDGET = 256 * 2 ** 20;

/** The layer the CPU engine runs: the scenario's measurement scale, or the largest f whose weights fit its budget. */
export function cpuPlan(s: Scenario): { cfg: LayerConfig; scale: number; note: string } {
  if (s.measureScale > 0) {
    return {
      cfg: layerConfigFromScenario(s, s.measureScale),
      scale: s.measureScale,
      note: `measurement scale ${s.measureScale} (chosen)`,
    };
  }
  const weightBytes = 12 * (s.experts + s.sharedExperts) * s.dModel * Math.max(s.ffnSize, s.sharedFfnSize);
  const scale = Math.min(1, CPU_WEIGHT_BUDGET / weightBytes);
  const note =
    scale < 1
      ? `expert FFN shrunk to ${(scale * 100).toPrecision(3)}% of f to fit the CPU engine's memory budget`
      : 'full size';
  return { cfg: layerConfigFromScenario(s, scale), scale, note };
}
