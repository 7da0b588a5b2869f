import { describe, expect, it } from 'vitest';
import type { LayoutFrontier, LayoutPoint } from '../../costmodel';
import { parseCsv } from '../export/csv';
import {
  bestAtSpeed,
  frontierLines,
  LAYOUT_CSV_COLUMNS,
  layoutFrontiersCsv,
  missingReasons,
} from './layoutFrontierData';

const point = (speed: number, perChip: number, usd: number, chips = 8): LayoutPoint => ({
  tokensPerSecPerUser: speed,
  throughputPerChip: perChip,
  throughput: perChip * chips,
  usdPerMTokens: usd,
  jPerToken: 0.1,
  stepTime: 1 / speed,
  layout: {
    chips,
    stageChips: chips,
    tensorParallel: 2,
    expertParallel: chips,
    expertTensorParallel: 1,
    dataParallel: chips / 2,
    stages: 1,
    attentionChips: 0,
    batch: 64,
  },
});

const frontier = (chipId: string, status: string, pts: LayoutPoint[], message?: string): LayoutFrontier => ({
  chipId,
  chipName: chipId.toUpperCase(),
  status,
  throughput: pts,
  candidates: 10,
  evaluated: 5,
  ms: 1,
  message,
});

describe('layout frontier data', () => {
  const frontiers = [
    frontier('h100', 'datasheet', [point(80, 100, 2), point(20, 900, 0.3), point(Number.NaN, 5, 1)]),
    frontier('sram-7nm', 'hypothetical', [point(500, 50, 4)]),
    frontier('custom-1', 'datasheet', [point(60, 300, 1)]),
    frontier('nope', 'unknown', [], 'The layout search failed: unknown chip "nope"'),
  ];

  it('draws finite points slowest first and marks chips that are not sold', () => {
    const lines = frontierLines(frontiers, 'throughput');
    expect(lines.map((l) => l.chipId)).toEqual(['h100', 'sram-7nm', 'custom-1']);
    expect(lines[0].dots.map((d) => d.x)).toEqual([20, 80]);
    expect(lines.map((l) => l.hypothetical)).toEqual([false, true, true]);
    expect(lines[1].name).toBe('SRAM-7NM (hypothetical)');
    expect(lines[2].name).toBe('CUSTOM-1 (custom)');
    expect(lines[0].dots[0].layout).toBe('8 chips: TP 2 × DP 4, EP 8 × expert TP 1, batch 64');
    expect(frontierLines(frontiers, 'cost')[0].dots.map((d) => d.y)).toEqual([0.3, 2]);
  });

  it('names why a chip has no frontier', () => {
    expect(missingReasons(frontiers, 'throughput')).toEqual([
      'The layout search failed: unknown chip "nope"',
    ]);
  });

  it('picks the best point at or above a speed', () => {
    const [h100] = frontierLines(frontiers, 'throughput');
    expect(bestAtSpeed(h100, 50, 'throughput')?.y).toBe(100);
    expect(bestAtSpeed(h100, 10, 'throughput')?.y).toBe(900);
    expect(bestAtSpeed(frontierLines(frontiers, 'cost')[0], 10, 'cost')?.y).toBe(0.3);
    expect(bestAtSpeed(h100, 100, 'throughput')).toBeUndefined();
  });

  it('writes every point with its layout to the CSV, and no NaN', () => {
    const csv = layoutFrontiersCsv(frontiers);
    const [header, ...rows] = parseCsv(csv).filter((r) => r.length > 1);
    expect(header).toEqual([...LAYOUT_CSV_COLUMNS]);
    expect(rows).toHaveLength(4);
    const col = (name: (typeof LAYOUT_CSV_COLUMNS)[number]) => header.indexOf(name);
    const sram = rows.find((r) => r[0] === 'sram-7nm');
    expect(sram?.[col('hypothetical')]).toBe('true');
    expect(sram?.[col('tensor_parallel')]).toBe('2');
    expect(sram?.[col('layout')]).toContain('EP 8 × expert TP 1');
    expect(csv).not.toMatch(/NaN|Infinity|undefined/);
  });
});
