import { describe, expect, it } from 'vitest';
import { defaultScenario } from '../../scenario';
import { computeProjections } from '../../state';
import { parseCsv } from './csv';
import { projectionsToCsv, projectionsToMarkdown } from './projections';

const uniform = { kind: 'projected', detail: 'uniform routing' } as const;

describe('custom chips in the chip comparison exports', () => {
  const scenario = {
    ...defaultScenario(),
    chips: ['h100'],
    customChips: [{ name: 'Wide | HBM', basedOn: 'h100', figures: { hbmBandwidthTBs: 6.7 } }],
  };
  const { projections } = computeProjections(scenario, null, null);

  it('follow the presets in the CSV, marked hypothetical and (custom)', () => {
    const rows = parseCsv(projectionsToCsv(projections, { loadSource: uniform }));
    const head = rows[0];
    const at = (row: string[], col: string) => row[head.indexOf(col)];
    expect(rows.slice(1).map((r) => [at(r, 'chip_id'), at(r, 'chip'), at(r, 'status')])).toEqual([
      ['h100', 'NVIDIA H100 SXM', 'datasheet'],
      ['custom-1', 'Wide | HBM (custom)', 'hypothetical'],
    ]);
  });

  it('appear in the Markdown table with their label and status, the pipe escaped', () => {
    const md = projectionsToMarkdown(projections, { loadSource: uniform });
    expect(md).toMatch(/^\| Wide \\\| HBM \(custom\) \| hypothetical \|/m);
  });
});
