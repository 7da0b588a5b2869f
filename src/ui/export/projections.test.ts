import { describe, expect, it } from 'vitest';
import type { Projection } from '../../costmodel';
import { projectAll } from '../../costmodel';
import { defaultScenario } from '../../scenario';
import { parseCsv } from './csv';
import {
  fmtRate,
  fmtTax,
  mdCell,
  projectionsToCsv,
  projectionsToMarkdown,
  speedLabel,
  taxCauses,
  taxCausesText,
} from './projections';

const measured = { kind: 'measured', detail: 'google swiftshader', isSoftware: true } as const;
const projections = projectAll({ ...defaultScenario(), chips: ['h100', 'groq-lpu'] });

function withTax(p: Projection): Projection {
  return {
    ...p,
    chipName: 'Odd | name, "quoted"',
    status: 'hypothetical',
    usdPerMTokens: Number.NaN,
    imbalanceTax: { ratio: 1.5, busiestChip: 3, padding: 1, distinctExperts: 0, droppedTokens: 0, total: 4 },
  };
}

describe('projection exports', () => {
  it('tax causes as shares of the extra time, biggest first', () => {
    const tax = { ratio: 1.5, busiestChip: 3, padding: 1, distinctExperts: 0, droppedTokens: 0, total: 4 };
    expect(taxCauses(tax)).toEqual([
      { label: 'busiest chip', seconds: 3, share: 0.75 },
      { label: 'padding', seconds: 1, share: 0.25 },
    ]);
    expect(taxCausesText(tax)).toBe('busiest chip 75%, padding 25%');
    expect(taxCausesText({ ...tax, busiestChip: 0, padding: 0, total: 0 })).toBe('none');
  });

  it('CSV: one row per chip that parses back to the projection numbers', () => {
    expect(projections.length).toBeGreaterThanOrEqual(2);
    const text = projectionsToCsv(projections, { loadSource: measured });
    const [header, ...rows] = parseCsv(text);
    expect(rows).toHaveLength(projections.length);
    const col = (name: string) => header.indexOf(name);
    projections.forEach((p, i) => {
      expect(rows[i][col('chip_id')]).toBe(p.chipId);
      expect(Number(rows[i][col('tokens_per_s_per_user')])).toBe(p.tokensPerSecPerUser);
      expect(Number(rows[i][col('usd_per_m_tokens')])).toBe(p.usdPerMTokens);
      expect(Number(rows[i][col('imbalance_tax_ratio')])).toBe(p.imbalanceTax.ratio);
      expect(Number(rows[i][col('experts_s')])).toBe(p.breakdown.experts);
      expect(rows[i][col('fits')]).toBe(String(p.system.fits));
      expect(rows[i][col('source')]).toBe(
        'projected by the moe-lab cost model from load measured here on google swiftshader (software adapter)',
      );
      expect(rows[i]).toHaveLength(header.length);
    });
  });

  it('names the speed column by phase: prompt tokens/s for prefill, tokens/s per user for decode', () => {
    const decode = projectAll({ ...defaultScenario(), phase: 'decode', chips: ['h100'] });
    expect(speedLabel(projections)).toBe('prompt tokens/s');
    expect(speedLabel(decode)).toBe('tokens/s per user');
    expect(speedLabel([...projections, ...decode])).toBe('tokens/s per user');
    expect(projectionsToMarkdown(decode, { loadSource: measured })).toContain('| Tokens/s per user |');
  });

  it('CSV quotes awkward names and leaves missing numbers empty', () => {
    const text = projectionsToCsv([withTax(projections[0])], { loadSource: measured });
    expect(text).not.toMatch(/NaN/);
    const [header, row] = parseCsv(text);
    expect(row[header.indexOf('chip')]).toBe('Odd | name, "quoted"');
    expect(row[header.indexOf('usd_per_m_tokens')]).toBe('');
    expect(row[header.indexOf('status')]).toBe('hypothetical');
  });

  it('Markdown: a well-formed table with units and a provenance line naming the software adapter', () => {
    const md = projectionsToMarkdown([...projections, withTax(projections[0])], {
      loadSource: measured,
      title: 'Chips',
    });
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe('### Chips');
    const table = lines.filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(2 + projections.length + 1);
    // Every row has the same number of unescaped cells as the header.
    const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/).length;
    for (const l of table) expect(cells(l)).toBe(cells(table[0]));
    // The default scenario is prefill: its speed is how fast a prompt is read, not a user's generation speed.
    expect(table[0]).toContain('Prompt tokens/s');
    expect(table[0]).not.toContain('per user');
    expect(table[0]).toContain('Cost ($/M tokens)');
    expect(table[0]).toContain('Energy (J/token)');
    expect(table[1]).toMatch(/^\| -+ \| -+ \| -+: \|/);
    expect(md).not.toMatch(/NaN/);
    const odd = table[table.length - 1];
    expect(odd).toContain('Odd \\| name, "quoted"');
    expect(odd).toContain('hypothetical');
    expect(odd).toContain('busiest chip 75%, padding 25%');
    expect(odd).toContain('| — |'); // missing $/M tokens
    const prov = lines[lines.length - 1];
    expect(prov).toMatch(
      /^Projected by the moe-lab cost model from load measured here on google swiftshader \(software adapter\)/,
    );
    expect(prov).toContain('hypothetical = ');
  });

  it('formats the tax as extra step time and big rates with SI suffixes, never NaN', () => {
    expect(fmtTax(1.25)).toBe('+25%');
    expect(fmtTax(1.00024)).toBe('+0.024%');
    expect(fmtTax(1)).toBe('+0%');
    expect(fmtTax(Number.NaN)).toBe('—');
    expect(fmtRate(1147624.55)).toBe('1.15 M');
    expect(fmtRate(2.5e9)).toBe('2.5 G');
    expect(fmtRate(950)).toBe('950');
    expect(fmtRate(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('mdCell escapes pipes and flattens line breaks', () => {
    expect(mdCell('a|b\nc')).toBe('a\\|b c');
  });
});
