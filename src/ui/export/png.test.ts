import { describe, expect, it } from 'vitest';
import { safeFileName } from './download';
import { isTransparent, resolveCssVars, wrapWords } from './png';

const vars: Record<string, string> = {
  '--series-1': ' #3b82f6',
  '--heat-0': '#fff',
  '--alias': 'var(--heat-0)',
};
const lookup = (n: string) => vars[n];

describe('PNG export helpers', () => {
  it('resolves CSS variables, fallbacks and nesting to colours', () => {
    expect(resolveCssVars('var(--series-1)', lookup)).toBe('#3b82f6');
    expect(resolveCssVars('var(--missing, red)', lookup)).toBe('red');
    expect(resolveCssVars('var(--missing, var(--heat-0))', lookup)).toBe('#fff');
    expect(resolveCssVars('var(--alias)', lookup)).toBe('#fff');
    expect(resolveCssVars('color-mix(in oklab, var(--series-1) 50%, var(--heat-0))', lookup)).toBe(
      'color-mix(in oklab, #3b82f6 50%, #fff)',
    );
    expect(resolveCssVars('rgb(1, 2, 3)', lookup)).toBe('rgb(1, 2, 3)');
    expect(resolveCssVars('var(--nothing)', lookup)).toBe('');
  });

  it('knows transparent colours', () => {
    expect(isTransparent('rgba(0, 0, 0, 0)')).toBe(true);
    expect(isTransparent('transparent')).toBe(true);
    expect(isTransparent('rgb(0 0 0 / 0)')).toBe(true);
    expect(isTransparent('rgb(255, 255, 255)')).toBe(false);
    expect(isTransparent('rgba(0, 0, 0, 0.5)')).toBe(false);
    expect(isTransparent('#fff')).toBe(false);
  });

  it('wraps words into the given line widths', () => {
    const measure = (s: string) => s.length * 10;
    expect(wrapWords('aa bb cc dd', [50, 50], measure)).toEqual(['aa bb', 'cc dd']);
    expect(wrapWords('aa bb cc dd', [20], measure)).toEqual(['aa', 'bb', 'cc', 'dd']);
    expect(wrapWords('', [20], measure)).toEqual([]);
  });

  it('file names are safe and never empty', () => {
    expect(safeFileName('a/b:c?.png')).toBe('a-b-c-.png');
    expect(safeFileName('...')).toBe('moe-lab-export');
    expect(safeFileName('chips H100 vs LPU.md')).toBe('chips H100 vs LPU.md');
  });
});
