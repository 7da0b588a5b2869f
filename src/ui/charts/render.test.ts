import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { chipSpecFromPreset, projectAll } from '../../costmodel';
import { defaultScenario, findChipPreset } from '../../scenario';
import { ChipComparison } from './ChipComparison';
import { Heatmap } from './Heatmap';
import { SparsityChart } from './SparsityChart';
import { chipRoof, StageRoofline } from './StageRoofline';
import { StageTimeChart } from './StageTimeChart';

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
    const html = renderToStaticMarkup(createElement(Heatmap, { rows: big, rowLabel: 'step', source: sw }));
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

  const stages = [
    {
      name: 'router',
      label: 'router GEMM',
      flops: 2e6,
      bytes: 1e5,
      medianMs: 0.2,
      minMs: 0.15,
      efficiency: 0.3,
    },
    { name: 'gate', label: 'gate / top-k', flops: 0, bytes: 4e4, medianMs: 0.05, minMs: 0.04 },
    { name: 'ffn', label: 'expert FFN', flops: 5e7, bytes: 2e6, medianMs: Number.NaN, minMs: Number.NaN },
  ];

  it('StageRoofline: device roof, stage points, memory-only stages, chip roofs', () => {
    const preset = findChipPreset('h100');
    expect(preset).toBeDefined();
    const h100 = chipRoof(chipSpecFromPreset(preset!));
    const html = renderToStaticMarkup(
      createElement(StageRoofline, {
        stages,
        roofline: { copyGBps: 20, matmulGflops: 100 },
        source: sw,
        chips: [{ ...h100, point: { intensity: 30, gflops: 2e5 } }],
      }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-stages="1"');
    expect(html).toContain('data-intensity="20"');
    expect(html).toContain('data-gflops="10"');
    expect(html).toContain('gate / top-k 0.8 GB/s');
    expect(html).toContain('data-chip="h100"');
    expect(html).toContain('software adapter');
    const none = renderToStaticMarkup(
      createElement(StageRoofline, { stages: [], roofline: null, source: sw }),
    );
    expect(none).toContain('data-stages="0"');
    expect(none).not.toMatch(/NaN/);
  });

  it('SparsityChart: measured points beside the uniform expectation', () => {
    const html = renderToStaticMarkup(
      createElement(SparsityChart, {
        experts: 64,
        topK: 2,
        points: [
          { batch: 1, distinct: 2, p5: 2, p95: 2 },
          { batch: 8, distinct: 14, p5: 12, p95: 16 },
          { batch: 64, distinct: 50, p5: Number.NaN },
        ],
        source: sw,
      }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-points="3"');
    expect(html).toContain(`data-uniform="${64 * (1 - (1 - 2 / 64) ** 8)}"`);
    const none = renderToStaticMarkup(
      createElement(SparsityChart, { experts: 0, topK: 2, points: [], source: sw }),
    );
    expect(none).not.toMatch(/NaN/);
  });

  it('StageTimeChart: timed stages with efficiency, untimed left out', () => {
    const html = renderToStaticMarkup(
      createElement(StageTimeChart, { stages, totalMs: 0.4, source: sw, timingNote: 'Wall time.' }),
    );
    expect(html).not.toMatch(/NaN/);
    expect(html).toContain('data-stages="2"');
    expect(html).toContain('data-median-ms="0.2"');
    expect(html).toContain('30%');
  });
});
