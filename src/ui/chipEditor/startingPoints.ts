/**
 * Where a new custom chip starts: a preset, the design sweep's cheapest design for the current target, or this
 * device as its micro-benchmark measured it. Each gives a CustomChip (name, base preset, changed figures).
 */
import {
  customChipFromSpec,
  designChip,
  deviceChip,
  hardwareSpec,
  type LoadProfile,
  sweepInWorker,
} from '../../costmodel';
import { CHIP_BASES, type CustomChip, type Scenario } from '../../scenario';
import type { MeasuredRun } from '../../state';

/** The base the design sweep starts from (as the "Design a chip" panel does by default). */
export const SWEEP_BASE = 'sram-7nm';

/** A name not yet taken by the scenario's chips: "H100 (edited)", then "H100 (edited) 2", … */
export function freeName(wanted: string, taken: readonly CustomChip[]): string {
  const names = new Set(taken.map((c) => c.name.toLowerCase()));
  const base = wanted.slice(0, 36);
  if (!names.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) if (!names.has(`${base} ${n}`.toLowerCase())) return `${base} ${n}`;
}

export function chipFromPreset(presetId: string, taken: readonly CustomChip[]): CustomChip {
  const preset = CHIP_BASES.find((p) => p.id === presetId) ?? CHIP_BASES[0];
  const short = preset.name
    .replace(/^(NVIDIA|AMD|Google|Intel|AWS)\s+/, '')
    .replace(/\s*\(hypothetical\)/, '');
  return { name: freeName(`${short} (edited)`, taken), basedOn: preset.id, figures: {} };
}

/** This device's chip from the latest run's micro-benchmark; undefined before one has run. */
export function chipFromDevice(
  run: MeasuredRun | null,
  taken: readonly CustomChip[],
): CustomChip | undefined {
  const roof = run?.roofline;
  if (!roof || !(roof.copyGBps > 0) || !(roof.matmulGflops > 0)) return undefined;
  const a = run.adapter;
  const spec = deviceChip({
    copyGBs: roof.copyGBps,
    matmulGflops: roof.matmulGflops,
    adapter: {
      vendor: a?.vendor,
      architecture: a?.architecture,
      description: a?.description,
      isFallbackAdapter: run.isSoftware,
    },
  });
  // The name travels with the chip (comparison, exports, links): say when its figures come from a software adapter.
  const name = run.isSoftware ? 'This device (software adapter)' : 'This device';
  return customChipFromSpec(freeName(name, taken), 'h100', spec);
}

/** The design sweep's cheapest design reaching the scenario's target speed, or a sentence saying why none. */
export async function chipFromSweep(
  scenario: Scenario,
  load: LoadProfile,
  taken: readonly CustomChip[],
): Promise<CustomChip | string> {
  const result = await sweepInWorker({
    kind: 'design',
    scenario,
    baseChip: SWEEP_BASE,
    load,
    target: scenario.targetSpeed,
  });
  if (result.kind !== 'design' || !result.best)
    return `No design of the sweep reaches ${scenario.targetSpeed} tokens/s per user on this load.`;
  const spec = designChip(hardwareSpec(SWEEP_BASE).experts, result.best);
  return customChipFromSpec(freeName(`Sweep design ${scenario.targetSpeed} tok/s`, taken), SWEEP_BASE, spec);
}
