/**
 * What the layout-frontier charts draw and download, from the cost model's layout search (no React here): one
 * series per chip, the chosen layout of each point, and the CSV with every layout's figures.
 */
import { describeLayout, type LayoutFrontier, type LayoutPoint } from '../../costmodel';
import { toCsv } from '../export/csv';
import { isNum } from './scale';

/** Throughput per chip (higher is better) or dollars per million tokens (lower is better), against speed. */
export type FrontierMetric = 'throughput' | 'cost';

export interface FrontierDot {
  /** tokens/s per user */
  x: number;
  /** output tokens/s per chip, or $/M tokens */
  y: number;
  chip: string;
  layout: string;
  point: LayoutPoint;
}

export interface FrontierLine {
  chipId: string;
  name: string;
  /** Not a shipping chip (hypothetical or custom): drawn dashed with hollow dots, and named so. */
  hypothetical: boolean;
  dots: FrontierDot[];
}

/** Chips that do not exist as sold: the hypothetical presets and custom chips (custom-1 … custom-4). */
export const isHypotheticalChip = (f: Pick<LayoutFrontier, 'chipId' | 'status'>): boolean =>
  f.status === 'hypothetical' || f.status === 'custom' || /^custom-\d+$/.test(f.chipId);

export const chipLabel = (f: Pick<LayoutFrontier, 'chipId' | 'chipName' | 'status'>): string => {
  if (!isHypotheticalChip(f)) return f.chipName;
  const tag = /^custom-\d+$/.test(f.chipId) || f.status === 'custom' ? 'custom' : 'hypothetical';
  return f.chipName.includes(`(${tag})`) ? f.chipName : `${f.chipName} (${tag})`;
};

const yOf = (p: LayoutPoint, metric: FrontierMetric) =>
  metric === 'throughput' ? p.throughputPerChip : p.usdPerMTokens;

/** The drawable series: finite, positive points only (log axes), slowest first. Chips with none are left out. */
export function frontierLines(frontiers: readonly LayoutFrontier[], metric: FrontierMetric): FrontierLine[] {
  return frontiers
    .map((f) => {
      const name = chipLabel(f);
      const dots = f.throughput
        .filter((p) => isNum(p.tokensPerSecPerUser) && p.tokensPerSecPerUser > 0)
        .filter((p) => isNum(yOf(p, metric)) && yOf(p, metric) > 0)
        .map((p) => ({
          x: p.tokensPerSecPerUser,
          y: yOf(p, metric),
          chip: name,
          layout: describeLayout(p.layout),
          point: p,
        }))
        .sort((a, b) => a.x - b.x);
      return { chipId: f.chipId, name, hypothetical: isHypotheticalChip(f), dots };
    })
    .filter((l) => l.dots.length > 0);
}

/** The point a chip offers at a required speed: best throughput per chip (or cheapest) among those fast enough. */
export function bestAtSpeed(
  line: FrontierLine,
  target: number,
  metric: FrontierMetric,
): FrontierDot | undefined {
  let best: FrontierDot | undefined;
  for (const d of line.dots) {
    if (d.x < target) continue;
    if (!best || (metric === 'throughput' ? d.y > best.y : d.y < best.y)) best = d;
  }
  return best;
}

/** Why a chip has no frontier, one sentence per chip (never an empty chart without a reason). */
export function missingReasons(frontiers: readonly LayoutFrontier[], metric: FrontierMetric): string[] {
  const drawn = new Set(frontierLines(frontiers, metric).map((l) => l.chipId));
  return frontiers
    .filter((f) => !drawn.has(f.chipId))
    .map((f) => f.message ?? `${chipLabel(f)}: no layout gives a finite projection.`);
}

export const LAYOUT_CSV_COLUMNS = [
  'chip',
  'chip_name',
  'hypothetical',
  'tokens_per_s_per_user',
  'output_tokens_per_s_per_chip',
  'usd_per_m_tokens',
  'output_tokens_per_s',
  'j_per_token',
  'step_time_s',
  'chips',
  'stage_chips',
  'stages',
  'tensor_parallel',
  'data_parallel',
  'expert_parallel',
  'expert_tensor_parallel',
  'attention_chips',
  'batch',
  'layout',
] as const;

/** Every chip's frontier, one row per point with its layout, speed, throughput per chip and $/M tokens. */
export function layoutFrontiersCsv(frontiers: readonly LayoutFrontier[]): string {
  const rows = frontierLines(frontiers, 'throughput').flatMap((line) =>
    line.dots.map((d) => {
      const p = d.point;
      const l = p.layout;
      return [
        line.chipId,
        line.name,
        line.hypothetical,
        p.tokensPerSecPerUser,
        p.throughputPerChip,
        p.usdPerMTokens,
        p.throughput,
        p.jPerToken,
        p.stepTime,
        l.chips,
        l.stageChips,
        l.stages,
        l.tensorParallel,
        l.dataParallel,
        l.expertParallel,
        l.expertTensorParallel,
        l.attentionChips,
        l.batch,
        d.layout,
      ];
    }),
  );
  return toCsv([...LAYOUT_CSV_COLUMNS], rows);
}
