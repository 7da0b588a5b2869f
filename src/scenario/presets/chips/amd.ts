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
  {
    id: 'mi325x',
    name: 'AMD MI325X',
    vendor: 'AMD',
    status: 'datasheet',
    source:
      'AMD Instinct MI325X product page (via Vultr inference cookbook and awesomeagents.ai); ROCm GPU specifications',
    tflopsBf16: 1307,
    tflopsFp8: 2615,
    memGB: 256,
    memTBs: 6,
    sramMB: 256,
    linkGBs: 448,
    powerW: 1000,
    nodeNm: 5,
    notes:
      'MI300X silicon (CDNA 3, 304 CUs) with 256 GB HBM3E at 6 TB/s and 1000 W. Infinity Fabric as MI300X: 7 links, ~448 GB/s each way (estimate).',
    model: gpuModel(ds(1000, 'AMD Instinct MI325X specifications (1000 W)'), {
      dies: ds(12, 'as MI300X: 8 XCD + 4 IOD chiplets (AMD CDNA 3 whitepaper)'),
      areaMm2: est(1700, 'as MI300X (same chiplets); our estimate'),
      purchaseUsd: est(15000, 'as MI300X (same silicon; HBM3E not priced separately); our estimate'),
      rentalPerHour: est(
        2.25,
        'third-party listing $2.00–2.25 per GPU-hour (awesomeagents.ai); our estimate',
      ),
    }),
  },
  {
    id: 'mi355x',
    name: 'AMD MI355X',
    vendor: 'AMD',
    status: 'datasheet',
    source:
      'AMD Instinct MI355X launch (The Register 2025-06-12; Tom’s Hardware: 288 GB HBM3E, 8 TB/s, 1400 W); ROCm GPU specifications (256 MB L3); AMD ISSCC 2026 (5 PF FP8)',
    tflopsBf16: 2500,
    tflopsFp8: 5000,
    memGB: 288,
    memTBs: 8,
    sramMB: 256,
    linkGBs: 538,
    powerW: 1400,
    nodeNm: 3,
    notes:
      'CDNA 4: 8 XCDs on N3P over 2 I/O dies, MXFP4/MXFP6 units. BF16 = FP8/2 (our reading); the quoted 20.1 PF FP4 is with sparsity. Link: 7 Infinity Fabric links at ~153.6 GB/s both ways ≈ 538 each way (estimate).',
    model: gpuModel(ds(1400, 'AMD MI355X: up to 1400 W, liquid-cooled (Tom’s Hardware, The Register)'), {
      tflopsFp4: est(
        10000,
        'The Register: ~10 PF dense FP4/FP6 (20.1 PF quoted with sparsity); not from an AMD datasheet we could read',
      ),
      dies: ds(10, '8 XCDs + 2 I/O dies (AMD ISSCC 2026, as reported)'),
      areaMm2: est(
        1700,
        'as MI300X: 8 XCDs of ~110 mm² + 2 larger I/O dies (I/O die area not published); our estimate',
      ),
      purchaseUsd: est(25000, 'between MI300X ($15k) and B200 ($35k), whose class AMD targets; our estimate'),
    }),
  },
];
