import { describe, expect, it } from 'vitest';
import { NOT_EXPRESSED } from './calibrationSet';
import { summarise, validationPoints } from './validation';

/**
 * The signed errors (%) of every validation row at the default (tuned) stack level, as published in
 * docs/COST_MODEL.md §11 and printed by `npm run moe -- validate`. A model change that moves any of them by more
 * than half a point fails here: update this table and the docs table together, so the change shows in review.
 */
const PINNED: Record<string, number> = {
  'M1-128/2048': 0.3,
  'M1-1000/1000': -9.3,
  'M1-2048/2048': -19.6,
  'M2-128/2048': -1.5,
  'M2-1000/1000': -7.2,
  'M2-2048/2048': -5.9,
  'M3-H100-128/2048': -0.5,
  'M3-H200-128/2048': -0.7,
  'M3-A100-128/2048': -1.9,
  'M3-H100-1000/1000': 3.6,
  'M3-H200-1000/1000': 3.4,
  'M3-A100-1000/1000': -2.3,
  'M9-bf16-TP2': -1.4,
  'M9-bf16-TP4': 0.7,
  'M9-bf16-TP8': -22.2,
  'M9-int8-TP1': 27.4,
  'M9-int8-TP2': 6.7,
  'M9-int8-TP4': -0.1,
  'M9-int8-TP8': -16.8,
  'X1-H100-128/2048': 16.1,
  'X1-H200-128/2048': -1.7,
  'X1-A100-128/2048': 17.7,
  'X1-H100-1000/1000': 12.7,
  'X1-H200-1000/1000': 1.9,
  'X1-H100-2048/2048': 18.2,
  'X1-H200-2048/2048': 7.7,
  'D10-vLLM-c4': -11.3,
  'D10-vLLM-c64': -26.7,
  'D10-vLLM-c128': -16.9,
  'D10-SGLang-c4': -47.6,
  'D11-SGLang-c4': -38.0,
  'D11-vLLM-c128': -49.2,
  'K5-fused-moe-1': -1.0,
  'K5-fused-moe-2': 4.2,
  'K5-fused-moe-4': 1.1,
  'K5-fused-moe-8': 5.2,
  'K5-fused-moe-16': 6.0,
  'K5-fused-moe-24': -2.5,
  'K5-fused-moe-32': -0.5,
  'deepep-dispatch-ep8': -40.1,
  'deepep-combine-ep8': -24.3,
  'deepep-dispatch-ep16': -14.6,
  'deepep-combine-ep16': -1.3,
  'deepep-dispatch-ep32': -5.4,
  'deepep-combine-ep32': 4.1,
  'deepep-dispatch-ep64': -2.0,
  'deepep-combine-ep64': 5.1,
  'deepep-dispatch-ep128': -5.7,
  'deepep-combine-ep128': -4.3,
  'deepep-dispatch-ep256': -3.7,
  'deepep-combine-ep256': 1.3,
  'deepseek-decode-node': -6.3,
  'deepseek-decode-user': -6.2,
  'deepseek-decode-cost': 6.7,
  'deepseek-prefill-node': 53.1,
  'vllm-padding': 0.0,
};

describe('validation against published measurements', () => {
  const points = validationPoints();

  it('covers every pinned row', () => {
    expect(points.map((p) => p.id).sort()).toEqual(Object.keys(PINNED).sort());
  });

  for (const [id, error] of Object.entries(PINNED)) {
    it(`${id}: ${error} %`, () => {
      const p = points.find((x) => x.id === id);
      expect(p).toBeDefined();
      if (!p) return;
      expect(Math.abs(p.errorPct - error)).toBeLessThanOrEqual(0.5);
    });
  }

  it('every calibration row is within 2×, and the median |error| is at most 15 %', () => {
    const s = summarise(points);
    expect(s.within2x).toBe(s.rows);
    expect(s.medianAbsErrorPct).toBeLessThanOrEqual(15);
    expect(s.endToEndMedianAbsErrorPct).toBeLessThanOrEqual(15);
  });

  it('the stack level matters: the roofline alone is optimistic, an untuned stack slower than a tuned one', () => {
    const ideal = summarise(validationPoints('ideal'));
    expect(ideal.medianAbsErrorPct).toBeGreaterThan(30);
    const tuned = validationPoints('tuned');
    const untuned = validationPoints('untuned');
    for (const p of untuned.filter((x) => x.unit === 'tok/s' || x.unit === 'tok/s/user')) {
      const t = tuned.find((x) => x.id === p.id);
      expect(p.model, p.id).toBeLessThan(t?.model ?? 0);
    }
  });

  it('lists the rows it cannot express, each with a reason', () => {
    expect(NOT_EXPRESSED.length).toBeGreaterThan(0);
    for (const r of NOT_EXPRESSED) expect(r.why.length).toBeGreaterThan(20);
  });
});
