/**
 * `moe validate`: rebuild every published measurement the model can express (../shared/CALIBRATION.md and further
 * public check points) as a scenario, project it, and print published against projected with the signed error;
 * then the rows it cannot express and why. docs/COST_MODEL.md §11 holds the same table.
 */
import { NOT_EXPRESSED, summarise, type ValidationPoint, validationPoints } from '../costmodel';
import { boolFlag, checkFlags, stringFlag } from './args';
import type { Command } from './commands';

const LEVELS = ['ideal', 'tuned', 'untuned'] as const;
type Level = (typeof LEVELS)[number];

const fmt = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(4));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} %`;

function table(points: readonly ValidationPoint[]): string {
  const head = ['row', 'unit', 'published', 'model', 'error'];
  const rows = points.map((p) => [p.id, p.unit, fmt(p.published), fmt(p.model), signed(p.errorPct)]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '))
    .join('\n');
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'project every published measurement the model can express and print the signed errors',
  async run(args) {
    checkFlags(args, ['level', 'json']);
    const level = (stringFlag(args, 'level') ?? 'tuned') as Level;
    if (!LEVELS.includes(level)) throw new Error(`--level must be one of ${LEVELS.join(', ')}`);
    const points = validationPoints(level);
    const summary = summarise(points);
    if (boolFlag(args, 'json')) {
      process.stdout.write(
        `${JSON.stringify({ stackLevel: level, summary, points, notExpressed: NOT_EXPRESSED }, null, 2)}\n`,
      );
      return 0;
    }
    const cal = points.filter((p) => p.group === 'calibration');
    const check = points.filter((p) => p.group === 'check');
    const lines = [
      `validation at the ${level} serving-stack level (model − published) / published`,
      '',
      'calibration rows (../shared/CALIBRATION.md):',
      table(cal),
      '',
      `median |error| ${summary.medianAbsErrorPct.toFixed(1)} % over ${summary.rows} rows ` +
        `(end-to-end rows: ${summary.endToEndMedianAbsErrorPct.toFixed(1)} % over ${summary.endToEndRows}); ` +
        `within 2×: ${summary.within2x} of ${summary.rows}; worst ${summary.worst.id} ${signed(summary.worst.errorPct)}`,
      '',
      'further public check points (not fitted):',
      table(check),
      '',
      'rows the model cannot express:',
      ...NOT_EXPRESSED.map((r) => `  - ${r.id}: ${r.why}`),
      '',
      'setups and sources: npm run moe -- validate --json',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
