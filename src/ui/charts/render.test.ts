import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { projectAll } from '../../costmodel';
import { defaultScenario } from '../../scenario';
import { ChipComparison } from './ChipComparison';
import { Heatmap } from './Heatmap';

const sw = { kind: 'measured', detail: 'google swiftshader (software adapter)', isSoftware: true } as const;

describe('charts render to markup with numbers and no NaN', () => {
  it('Heatmap: 1×1, ragged with NaN, 256×512 (downsampled)', () => {
    const one = renderToStaticMarkup(createElement(Heatmap, { rows: [[3]], rowLabel: 'step', source: sw }));
    expect(one).toContain('data-rows="1"');
    expect(one).toContain('software adapter');
    const ragged = renderToStaticMarkup(
      createElement(Heatmap, { rows: [[1, Number.NaN, 3], [4]], rowLabel: 'layer', source: sw }),
    );
    expect(ragged).not.toMatch(/NaN/);
    expect(ragged).toContain('data-max="4"');
    expect(ragged).toContain('no data');
    const big = Array.from({ length: 256 }, (_, r) =>
      Float32Array.from({ length: 512 }, (_, c) => (r * c) % 97),
    );
    const t0 = performance.now();
    const html = renderToStaticMarkup(createElement(Heatmap, { rows: big, rowLabel: 'step', source: sw }));
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(html).toContain('data-cols="512"');
    expect(html).toContain('data-block="1x2"');
    expect(html).not.toMatch(/NaN/);
    const empty = renderToStaticMarkup(createElement(Heatmap, { rows: [], rowLabel: 'step', source: sw }));
    expect(empty).toContain('no data yet');
  });

  it('ChipComparison: rows per chip with data attributes and badges', () => {
    const ps = projectAll({ ...defaultScenario(), chips: ['h100', 'groq-lpu'] });
    const hyp = {
      ...ps[0],
      chipId: 'x',
      chipName: 'Dream chip',
      status: 'hypothetical' as const,
      usdPerMTokens: Number.NaN,
    };
    const html = renderToStaticMarkup(
      createElement(ChipComparison, { projections: [...ps, hyp], loadSource: sw }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-chip="h100"');
    expect(html).toMatch(/data-tokens-per-sec-per-user="[0-9.e+]+"/);
    expect(html).toContain('status-hypothetical');
    expect(html).toContain('software adapter');
    const none = renderToStaticMarkup(createElement(ChipComparison, { projections: [], loadSource: sw }));
    expect(none).toContain('data-chips="0"');
  });
});
