/** AMD chip presets (dense figures; see ./types.ts for the fields). */
import { type ChipPreset, ds, est, gpuModel } from './types';

export const AMD_CHIPS: readonly ChipPreset[] = [
  {
    id: 'mi300x',
    name: 'AMD MI300X',
    vendor: 'AMD',
    status: 'datasheet',
    source: 'AMD Instinct MI300X datasheet',
    tflopsBf16: 1307,
    tflopsFp8: 2615,
    memGB: 192,
    memTBs: 5.3,
    sramMB: 256,
    linkGBs: 448,
    powerW: 750,
    nodeNm: 5,
    notes: 'Chiplets on N5/N6; 256 MB Infinity Cache.',
    model: gpuModel(ds(750, 'AMD Instinct MI300X datasheet'), {
      dies: ds(12, '8 XCD + 4 IOD chiplets (AMD CDNA 3 whitepaper)'),
      areaMm2: est(1700, 'sum of chiplets; our estimate'),
      purchaseUsd: est(15000, 'press reports $10–15k; our estimate'),
      rentalPerHour: est(2.5, 'typical 2025 cloud list prices; our estimate'),
    }),
  },
];
