import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_POINTS_CSV,
  type OverlayPair,
  overlayPairs,
  projectedCurves,
  projectUserPoints,
  readUserPoints,
} from '../../costmodel';
import { MeasuredOverlayChart, overlayDots } from './MeasuredOverlayChart';

const pair = (row: number, mx: number, my: number): OverlayPair => ({
  row,
  label: `p${row}`,
  setup: 'setup',
  group: 'g',
  measured: { x: mx, y: my },
  projected: { x: 10, y: 100 },
  xFromProjection: false,
  yFromProjection: false,
});

describe('MeasuredOverlayChart', () => {
  it('draws only pairs with finite positive coordinates; never NaN on the page', () => {
    const pairs = [
      pair(2, Number.NaN, 5),
      pair(3, 0, 5),
      pair(4, Number.POSITIVE_INFINITY, 1),
      pair(5, 20, 300),
    ];
    const dots = overlayDots(pairs, []);
    expect(dots.drawn.map((p) => p.row)).toEqual([5]);
    const html = renderToStaticMarkup(createElement(MeasuredOverlayChart, { pairs, stackLevel: 'tuned' }));
    expect(html).toContain('data-points="1"');
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('no points: a sentence, not an empty plot', () => {
    const html = renderToStaticMarkup(
      createElement(MeasuredOverlayChart, { pairs: [], stackLevel: 'ideal' }),
    );
    expect(html).toContain('no point to draw');
    expect(html).toContain('data-points="0"');
  });

  it('the example points: every pair, curve and table row drawn with finite numbers', () => {
    const { points } = readUserPoints(EXAMPLE_POINTS_CSV);
    const pairs = overlayPairs(projectUserPoints(points, 'tuned'));
    const curves = projectedCurves(points, 'tuned');
    const dots = overlayDots(pairs, curves);
    expect(dots.drawn).toHaveLength(3);
    expect(dots.curveDots).toHaveLength(3);
    for (const d of [...dots.measured, ...dots.projected, ...dots.curveDots.flat()]) {
      expect(Number.isFinite(d.x) && Number.isFinite(d.y)).toBe(true);
    }
    expect(dots.xDomain[0]).toBeGreaterThan(0);
    const html = renderToStaticMarkup(
      createElement(MeasuredOverlayChart, { pairs, curves, stackLevel: 'tuned' }),
    );
    expect(html).toContain('data-curves="3"');
    expect(html).toContain('gpt-oss B200 c16');
    expect(html).not.toMatch(/NaN/);
  });
});
