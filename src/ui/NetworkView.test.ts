import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { networkBeforeAfter } from '../metrics';
import { defaultScenario, type Scenario } from '../scenario';
import { streamNetworkOptions } from '../state';
import { cpuRunner, runStream, type StreamNetwork } from '../stream';
import { DriftChart, halfGainText } from './charts/DriftChart';
import {
  beforeLabel,
  eplbChangeText,
  NetworkView,
  perStepRows,
  rowBytesText,
  sharedScale,
} from './NetworkView';
import { PlacementView } from './PlacementView';

const sw = { kind: 'measured', detail: 'CPU reference', isSoftware: false } as const;

const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  ...defaultScenario(),
  experts: 16,
  topK: 2,
  tokens: 64,
  dModel: 64,
  steps: 32,
  moeLayers: 2,
  expertParallel: 4,
  chipCount: 4,
  engine: 'cpu',
  ...over,
});

async function stream(s: Scenario) {
  return runStream(cpuRunner({ routingOnly: true }), s, {
    bias: false,
    sparsity: false,
    placement: { ranks: s.expertParallel, drift: {} },
    network: streamNetworkOptions(s),
  });
}

describe('network and placement views', () => {
  it('the app asks for the network only when experts are spread over chips, with the chip scale-up domain', () => {
    expect(streamNetworkOptions(scenario({ expertParallel: 1 }))).toBeUndefined();
    const opts = streamNetworkOptions(scenario({ expertParallel: 16, chips: ['h100'] }));
    expect(opts?.ranks).toBe(16);
    expect(opts?.domain).toBe(8);
    expect(streamNetworkOptions(scenario({ chips: ['no-such-chip'] }))?.domain).toBeUndefined();
  });

  it('helpers: per-step rows with the diagonal left out, one scale, row precision', () => {
    const bytes = Float64Array.from([5, 10, 20, 7]);
    const rows = perStepRows(bytes, 2, 2);
    expect(Number.isNaN(rows[0][0])).toBe(true);
    expect(rows[0][1]).toBe(5);
    expect(rows[1][0]).toBe(10);
    expect(sharedScale([bytes, Float64Array.from([0, 40, 1, 0])], 2)).toEqual({ min: 1, max: 40 });
    expect(sharedScale([], 2)).toEqual({ min: 0, max: 0 });
    expect(rowBytesText(7168, 7168)).toContain('FP8');
    expect(rowBytesText(2 * 7168, 7168)).toContain('BF16');
    expect(rowBytesText(100, 7)).toBe('rows of 100 B');
    expect(halfGainText(null, [])).toContain('no gain');
    expect(halfGainText(8, [{ lag: 0, roundRobin: 0.5, fresh: 0.9, stale: 0.8, keptGain: 0.75 }])).toContain(
      'computed 8 step(s) ago',
    );
  });

  it('renders both placements on one scale with busiest rank, link and domain split, no NaN', async () => {
    const s = scenario({ expertParallel: 16, chipCount: 16, chips: ['h100'], experts: 32 });
    const r = await stream(s);
    const net = r.network as StreamNetwork;
    expect(net.ranks).toBe(16);
    expect(net.domain).toBe(8);
    const html = renderToStaticMarkup(
      createElement(NetworkView, { network: net, source: sw, dModel: s.dModel }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-testid="network-heatmap-plain"');
    expect(html).toContain('data-testid="network-heatmap-eplb"');
    expect(html).toContain('data-rows="16"');
    const scales = [...html.matchAll(/data-scale-max="([^"]+)"/g)].map((m) => m[1]);
    expect(scales).toHaveLength(2);
    expect(scales[0]).toBe(scales[1]);
    expect(html).toMatch(/Busiest rank.*rank \d+: [0-9.]+ (B|KiB|MiB)/);
    expect(html).toContain('across:');
    expect(html).toContain('self (no link)');
    expect(html).toContain(net.note.slice(0, 30));
    expect(eplbChangeText(net.layers[0], 'combine', net.steps)).toMatch(/combine|unchanged/);

    const placement = renderToStaticMarkup(
      createElement(PlacementView, { placement: r.placement!, source: sw }),
    );
    expect(placement).not.toMatch(/NaN/);
    expect(placement).toContain('DeepSeek EPLB');
    expect(placement).toContain('data-testid="drift-chart"');
    expect(placement).toMatch(/data-half-gain-lag=/);
  });

  it('a load-aware scenario shows load-aware before EPLB, on one scale, with its own busiest rank and link', async () => {
    const s = scenario({
      expertParallel: 8,
      chipCount: 8,
      chips: ['h100'],
      experts: 32,
      popularitySkew: 1.2,
      expertPlacement: 'load-aware',
    });
    const r = await stream(s);
    const net = r.network as StreamNetwork;
    expect(net.placement).toBe('load-aware');
    const layer = net.layers[0];
    expect(layer.loadAwareFellBack).toBe(false);
    const html = renderToStaticMarkup(
      createElement(NetworkView, { network: net, source: sw, dModel: s.dModel }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-testid="network-heatmap-load-aware"');
    expect(html).toContain('data-testid="network-heatmap-eplb"');
    expect(html).not.toContain('data-testid="network-heatmap-plain"');
    expect(html).toContain('load-aware (the scenario&#x27;s)');
    expect(html).toMatch(/data-testid="network-charged" data-placement="load-aware"/);
    const scales = [...html.matchAll(/data-scale-max="([^"]+)"/g)].map((m) => m[1]);
    expect(scales).toHaveLength(2);
    expect(scales[0]).toBe(scales[1]);
    // The load-aware side's figures are load-aware's measurement, per step.
    const d = layer.loadAware.dispatch;
    const stats = html.match(/data-testid="network-stats-load-aware"[^>]*/)?.[0] ?? '';
    expect(stats).toContain(`data-busiest-rank="${d.busiestRank.rank}"`);
    expect(stats).toContain(`data-busiest-bytes="${d.busiestRank.bytes / net.steps}"`);
    expect(stats).toContain(`data-busiest-link="${d.busiestLink.src}-${d.busiestLink.dst}"`);
    expect(html).toMatch(/data-testid="network-busiest-load-aware">rank \d+: [0-9.]+ (B|KiB|MiB)/);
    expect(eplbChangeText(layer, 'dispatch', net.steps, 'load-aware')).toContain('against load-aware');
    // The same stream from a round-robin scenario opens on round-robin.
    const rr = renderToStaticMarkup(
      createElement(NetworkView, { network: { ...net, placement: 'round-robin' }, source: sw }),
    );
    expect(rr).toContain('data-testid="network-heatmap-plain"');
    expect(rr).not.toContain('data-testid="network-heatmap-load-aware"');
  });

  it('says when a placement kept round-robin, against either side', () => {
    const R = 4;
    const E = 8;
    const T = 64;
    // A layer whose packings both kept round-robin (set as placeExperts sets them), then only EPLB's.
    const ids = Int32Array.from({ length: T * 2 }, (_, i) => i % E);
    const cmp = networkBeforeAfter({ tokens: T, topK: 2, ids }, E, R, 4, {
      dispatchBytesPerRow: 8,
      combineBytesPerRow: 16,
      stepTokens: T,
    });
    const layer = { layerId: 1, ...cmp, loadAwareFellBack: true, loadAware: cmp.plain, fellBack: true };
    expect(beforeLabel(layer, 'load-aware')).toBe('load-aware (kept round-robin)');
    expect(eplbChangeText(layer, 'dispatch', 1)).toMatch(/kept round-robin .* unchanged/);
    expect(eplbChangeText(layer, 'dispatch', 1, 'load-aware')).toMatch(/round-robin's, as load-aware's/);
    const mixed = { ...layer, loadAwareFellBack: false };
    expect(eplbChangeText(mixed, 'combine', 1, 'load-aware')).toMatch(
      /against load-aware, EPLB \(kept round-robin .*\) takes the busiest rank/,
    );
  });

  it('144 ranks: no per-cell text, both grids 144 × 144, rendered quickly', () => {
    const R = 144;
    const E = 256;
    const T = R * 16;
    const ids = Int32Array.from({ length: T * 8 }, (_, i) => (i * 2654435761) % E);
    const cmp = networkBeforeAfter({ tokens: T, topK: 8, ids }, E, R, 32, {
      dispatchBytesPerRow: 7168,
      combineBytesPerRow: 14336,
      domain: 8,
      stepTokens: T,
    });
    const net: StreamNetwork = {
      placement: 'round-robin',
      ranks: R,
      domain: 8,
      redundant: 32,
      dispatchBytesPerRow: 7168,
      combineBytesPerRow: 14336,
      steps: 1,
      tokensPerStep: T,
      layers: [{ layerId: 3, ...cmp }],
      note: '144 ranks',
    };
    const t0 = performance.now();
    const html = renderToStaticMarkup(createElement(NetworkView, { network: net, source: sw, dModel: 7168 }));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(html).not.toMatch(/NaN/);
    expect((html.match(/data-rows="144"/g) ?? []).length).toBe(2);
    expect(html).toContain('FP8 rows of 7,168');
    // Axis labels are thinned; no cell carries its own text.
    expect((html.match(/<text /g) ?? []).length).toBeLessThan(200);
  });

  it('empty and degenerate data render without NaN', () => {
    const empty: StreamNetwork = {
      placement: 'round-robin',
      ranks: 4,
      domain: 4,
      redundant: 0,
      dispatchBytesPerRow: 0,
      combineBytesPerRow: 0,
      steps: 0,
      tokensPerStep: 0,
      layers: [],
      note: 'nothing kept',
    };
    const html = renderToStaticMarkup(createElement(NetworkView, { network: empty, source: sw }));
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('No measured layer');
    const drift = renderToStaticMarkup(
      createElement(DriftChart, {
        points: [{ lag: 0, roundRobin: Number.NaN, fresh: 1, stale: 1, keptGain: null }],
        halfGainLag: null,
        window: 1,
        note: 'drift needs at least 2 windows',
        layerId: 0,
        source: sw,
      }),
    );
    expect(drift).not.toMatch(/NaN/);
    expect(drift).toContain('data-points="0"');
  });
});
