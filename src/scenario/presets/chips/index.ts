/**
 * Chip presets, assembled from one file per vendor family. Headline figures are dense (not 2:4-sparse) from vendor
 * datasheets unless noted; see ./types.ts for the fields and ../shared/REFERENCES.md "Chips" for the sources.
 */
import { AMD_CHIPS } from './amd';
import { GOOGLE_CHIPS } from './google';
import { HYPOTHETICAL_CHIPS } from './hypothetical';
import { NVIDIA_CHIPS } from './nvidia';
import { OTHER_CHIPS } from './others';
import type { ChipPreset } from './types';

export type { ChipModelFacts, ChipPreset, ChipStatus, Fact, PoolSystem } from './types';

export const CHIP_PRESETS: readonly ChipPreset[] = [
  ...NVIDIA_CHIPS,
  ...AMD_CHIPS,
  ...GOOGLE_CHIPS,
  ...OTHER_CHIPS,
  ...HYPOTHETICAL_CHIPS,
];

export function findChipPreset(id: string): ChipPreset | undefined {
  return CHIP_PRESETS.find((c) => c.id === id);
}
