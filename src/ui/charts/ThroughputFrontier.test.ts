import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { layoutFrontiers } from '../../costmodel';
import { applyModelPreset, defaultScenario } from '../../scenario';
import { LayoutFrontierChart } from './ThroughputFrontier';

const projected = { kind: 'projected', detail: 'uniform routing' } as const;

describe('layout frontier chart', () => {
  const s = {
    ...applyModelPreset(defaultScenario(), 'olmoe-1b-7b'),
    phase: 'decode' as const,
    targetSpeed: 100,
  };
  const frontiers = layoutFrontiers(s, ['h100', 'sram-7nm']);

  it('renders every point with its layout and the best layout at the target speed, no NaN', () => {
    const html = renderToStaticMarkup(
      createElement(LayoutFrontierChart, {
        frontiers,
        metric: 'throughput',
        loadSource: projected,
        targetTokensPerSecPerUser: 100,
        phase: 'decode',
      }),
    );
    expect(html).toContain('data-series="2"');
    expect(html).toMatch(
      /At 100 tokens\/s per user: NVIDIA H100 SXM [0-9,.]+ output tokens\/s per chip \(\d+ chips?/,
    );
    expect(html).toContain('(hypothetical)');
    expect(html).toMatch(/<td>\d+ chips?[^<]*: TP \d+ × DP \d+, EP \d+ × expert TP \d+, batch \d+<\/td>/);
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('says prompt tokens in prefill and $ on the cost chart', () => {
    const html = renderToStaticMarkup(
      createElement(LayoutFrontierChart, {
        frontiers,
        metric: 'cost',
        loadSource: projected,
        phase: 'prefill',
      }),
    );
    expect(html).toContain('$ per million tokens');
    expect(html).toContain('prompt tokens/s per request');
  });

  it('an empty or failed search gives a short message, not a blank chart', () => {
    const failed = layoutFrontiers(s, ['no-such-chip']);
    const html = renderToStaticMarkup(
      createElement(LayoutFrontierChart, { frontiers: failed, metric: 'throughput', loadSource: projected }),
    );
    expect(html).toContain('No frontier to draw.');
    expect(html).toContain('The layout search failed');
    const none = renderToStaticMarkup(
      createElement(LayoutFrontierChart, { frontiers: [], metric: 'cost', loadSource: projected }),
    );
    expect(none).toContain('No chip to search');
  });
});
