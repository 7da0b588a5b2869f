import { describe, expect, it } from 'vitest';
import { NOT_EXPRESSED } from './calibrationSet';
import { summarise, validationPoints } from './validation';

/**
 * The signed errors (%) of every validation row at the default (tuned) stack level, as published in
 * docs/COST_MODEL.md §11 and printed by `npm run moe -- validate`. A model change that moves any of them by more
 * than half a point fails here: update this table and the docs table together, so the change shows in review.
 */
const PINNED: Record<string, number> = {
  'M1-128/2048': -13.0,
  'M1-1000/1000': -21.3,
  'M1-2048/2048': -30.4,
  'M2-128/2048': -1.3,
  'M2-1000/1000': -7.0,
  'M2-2048/2048': -5.6,
  'M3-H100-128/2048': 0.1,
  'M3-H200-128/2048': -0.1,
  'M3-A100-128/2048': -1.7,
  'M3-H100-1000/1000': 4.0,
  'M3-H200-1000/1000': 3.8,
  'M3-A100-1000/1000': -2.2,
  'M9-bf16-TP2': -15.8,
  'M9-bf16-TP4': -9.6,
  'M9-bf16-TP8': -27.6,
  'M9-int8-TP1': 23.3,
  'M9-int8-TP2': 7.0,
  'M9-int8-TP4': 3.0,
  'M9-int8-TP8': -14.5,
  'X1-H100-128/2048': 16.7,
  'X1-H200-128/2048': -1.2,
  'X1-A100-128/2048': 18.0,
  'X1-H100-1000/1000': 13.1,
  'X1-H200-1000/1000': 2.2,
  'X1-H100-2048/2048': 18.7,
  'X1-H200-2048/2048': 8.0,
  'D10-vLLM-c4': -4.0,
  'D10-vLLM-c64': -19.9,
  'D10-vLLM-c128': -10.5,
  'D10-SGLang-c4': -43.3,
  'D11-SGLang-c4': -33.6,
  'D11-vLLM-c128': -45.6,
  'K5-fused-moe-1': -4.8,
  'K5-fused-moe-2': 1.6,
  'K5-fused-moe-4': 0.3,
  'K5-fused-moe-8': 5.8,
  'K5-fused-moe-16': 7.7,
  'K5-fused-moe-24': -0.6,
  'K5-fused-moe-32': 1.7,
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
  'deepseek-decode-node': -5.4,
  'deepseek-decode-user': -5.3,
  'deepseek-decode-cost': 5.7,
  'deepseek-prefill-node': 53.3,
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
