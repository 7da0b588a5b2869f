/** A chip comparison as CSV and as a Markdown table. Pure: no DOM, no React. */
import type { ImbalanceTax, Projection, StageTimes } from '../../costmodel';
import { type ChartSource, sourceText } from '../charts/scale';
import { fmt } from '../format';
import { type CsvCell, toCsv } from './csv';

export const STAGE_KEYS: readonly (keyof StageTimes)[] = [
  'attention',
  'router',
  'dispatch',
  'experts',
  'combine',
  'shared',
  'dense',
  'head',
  'pipeline',
  'draft',
  'host',
];

/**
 * The speed column's name. A prefill step's speed is how fast one prompt is read (prompt tokens/s per sequence),
 * which is not a user's generation speed: when every projection is prefill the column says so.
 */
export function speedLabel(projections: readonly Pick<Projection, 'phase'>[]): string {
  const prefill = projections.length > 0 && projections.every((p) => p.phase === 'prefill');
  return prefill ? 'prompt tokens/s' : 'tokens/s per user';
}

export const STAGE_NAMES: Record<keyof StageTimes, string> = {
  attention: 'attention',
  router: 'router',
  dispatch: 'dispatch (all-to-all)',
  experts: 'experts',
  combine: 'combine',
  shared: 'shared experts',
  dense: 'dense layers',
  head: 'head',
  pipeline: 'pipeline',
  draft: 'speculative draft',
  host: 'host (scheduling, sampling)',
};

const TAX_CAUSES: readonly { key: keyof ImbalanceTax; label: string }[] = [
  { key: 'busiestChip', label: 'busiest chip' },
  { key: 'padding', label: 'padding' },
  { key: 'distinctExperts', label: 'distinct experts' },
  { key: 'droppedTokens', label: 'dropped tokens' },
];

/** The imbalance tax's causes, each with its extra seconds per step and its share of the total. */
export function taxCauses(tax: ImbalanceTax): { label: string; seconds: number; share: number }[] {
  const out = [];
  const total = Number.isFinite(tax.total) && tax.total > 0 ? tax.total : 0;
  for (const { key, label } of TAX_CAUSES) {
    const s = tax[key];
    if (Number.isFinite(s) && s > 0 && total > 0) out.push({ label, seconds: s, share: s / total });
  }
  return out.sort((a, b) => b.seconds - a.seconds);
}

/** The tax as extra step time over a balanced load: ratio 1.25 → "+25%", 1.00024 → "+0.024%", 1 → "+0%". */
export function fmtTax(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const extra = (ratio - 1) * 100;
  return `${extra < 0 ? '−' : '+'}${fmt(Math.abs(extra), 2)}%`;
}

/** Large rates with SI suffixes (1.15 M), small ones as fmt does; never NaN. */
export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  for (const [u, sfx] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
  ] as const) {
    if (a >= u) return `${Number((v / u).toPrecision(3))} ${sfx}`;
  }
  return fmt(v);
}

/** "busiest chip 62%, padding 38%", or "none". */
export function taxCausesText(tax: ImbalanceTax): string {
  const c = taxCauses(tax);
  if (c.length === 0) return 'none';
  return c.map((x) => `${x.label} ${Math.round(x.share * 100)}%`).join(', ');
}

const finite = (v: number | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

export interface ComparisonOptions {
  /** Where the load behind the projections comes from (measured here on …, imported, uniform). */
  loadSource: ChartSource;
}

/** The projection source sentence, e.g. "projected by the cost model from load measured here on X (software adapter)". */
export function projectionSourceText(loadSource: ChartSource): string {
  const load = sourceText(loadSource);
  return `projected by the moe-lab cost model from load ${load}`;
}

/** One row per chip: headline numbers in SI units, the tax and its causes, chips, and the stage breakdown. */
export function projectionsToCsv(projections: readonly Projection[], opts: ComparisonOptions): string {
  const src = projectionSourceText(opts.loadSource);
  const header = [
    'chip_id',
    'chip',
    'status',
    'phase',
    'step_time_s',
    'ttft_s',
    'tpot_s',
    'tokens_per_s_per_user',
    'throughput_tokens_per_s',
    'throughput_per_chip_tokens_per_s',
    'j_per_token',
    'usd_per_m_tokens',
    'cost_basis',
    'usd_per_hour',
    'imbalance_tax_ratio',
    'tax_busiest_chip_s',
    'tax_padding_s',
    'tax_distinct_experts_s',
    'tax_dropped_tokens_s',
    'bottleneck',
    'total_chips',
    'chips_needed',
    'fits',
    ...STAGE_KEYS.map((k) => `${k}_s`),
    'hidden_by_overlap_s',
    'stack_level',
    'weight_format',
    'expert_format',
    'kv_format',
    'activation_format',
    'tensor_parallel',
    'data_parallel',
    'expert_parallel',
    'expert_shard',
    'pipeline_stages',
    'sequences',
    'kv_length',
    'assumptions',
    'source',
  ];
  const rows: CsvCell[][] = projections.map((p) => [
    p.chipId,
    p.chipName,
    p.status,
    p.phase,
    finite(p.stepTime),
    finite(p.ttft),
    finite(p.tpot),
    finite(p.tokensPerSecPerUser),
    finite(p.throughput),
    finite(p.throughputPerChip),
    finite(p.jPerToken),
    finite(p.usdPerMTokens),
    p.cost.basis,
    finite(p.cost.usdPerHour),
    finite(p.imbalanceTax.ratio),
    finite(p.imbalanceTax.busiestChip),
    finite(p.imbalanceTax.padding),
    finite(p.imbalanceTax.distinctExperts),
    finite(p.imbalanceTax.droppedTokens),
    p.bottleneck,
    finite(p.system.totalChips),
    finite(p.system.chipsNeeded),
    p.system.fits,
    ...STAGE_KEYS.map((k) => finite(p.breakdown[k])),
    finite(p.hiddenByOverlap),
    p.assumptions.stack.level,
    p.assumptions.precision.weights,
    p.assumptions.precision.experts,
    p.assumptions.precision.kvCache,
    p.assumptions.precision.activations,
    finite(p.assumptions.layout.tensorParallel),
    finite(p.assumptions.layout.dataParallel),
    finite(p.assumptions.layout.expertParallel),
    finite(p.assumptions.layout.expertShard),
    finite(p.assumptions.layout.stages),
    finite(p.assumptions.batch.sequences),
    finite(p.assumptions.batch.kvLength),
    p.assumptions.text,
    src,
  ]);
  return toCsv(header, rows);
}

/**
 * What the projections assume (stack level, formats, layout, batch), one line when every chip shares it, else one
 * per chip (layouts differ when a chip had to grow to fit).
 */
export function assumptionLines(projections: readonly Projection[]): string[] {
  const texts = [...new Set(projections.map((p) => p.assumptions.text))];
  if (texts.length <= 1) return texts;
  return projections.map((p) => `${p.chipName}: ${p.assumptions.text}`);
}

/** A Markdown table cell: pipes escaped, line breaks flattened. */
export function mdCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .trim();
}

const STATUS_NOTE =
  'Status: datasheet = vendor figures; estimate = some figures estimated; hypothetical = a chip that does not exist.';

/**
 * A comparison as a Markdown table with units in the header and a provenance line below it (the software
 * adapter named when the load was measured on one).
 */
export function projectionsToMarkdown(
  projections: readonly Projection[],
  opts: ComparisonOptions & { title?: string; link?: string },
): string {
  const header = [
    'Chip',
    'Status',
    speedLabel(projections).replace(/^./, (c) => c.toUpperCase()),
    'Throughput (tokens/s)',
    'Energy (J/token)',
    'Cost ($/M tokens)',
    'Imbalance tax (extra step time)',
    'Tax causes',
    'Chips (needed)',
    'Bottleneck',
  ];
  const align = ['---', '---', '--:', '--:', '--:', '--:', '--:', '---', '--:', '---'];
  const lines: string[] = [];
  if (opts.title) lines.push(`### ${mdCell(opts.title)}`, '');
  lines.push(`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`);
  for (const p of projections) {
    const chips = `${fmt(p.system.totalChips)} (${fmt(p.system.chipsNeeded)}${p.system.fits ? '' : ', does not fit'})`;
    const cells = [
      p.chipName,
      p.status,
      fmtRate(p.tokensPerSecPerUser),
      fmtRate(p.throughput),
      fmt(p.jPerToken),
      fmt(p.usdPerMTokens),
      fmtTax(p.imbalanceTax.ratio),
      taxCausesText(p.imbalanceTax),
      chips,
      STAGE_NAMES[p.bottleneck] ?? String(p.bottleneck),
    ];
    lines.push(`| ${cells.map(mdCell).join(' | ')} |`);
  }
  const phases = [...new Set(projections.map((p) => p.phase))].join(', ');
  const src = projectionSourceText(opts.loadSource);
  lines.push('', ...assumptionLines(projections).map((l) => `Assumes: ${l}.`));
  lines.push(
    '',
    `${src.charAt(0).toUpperCase()}${src.slice(1)}${phases ? ` (${phases})` : ''}. ${STATUS_NOTE}` +
      (opts.link ? ` Scenario: ${opts.link}` : ''),
  );
  return `${lines.join('\n')}\n`;
}
