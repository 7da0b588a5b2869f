import { describe, expect, it } from 'vitest';
import { calibrate, deviceChip, predictStageMs, type StageMeasurement } from './calibrate';
import { SWIFTSHADER_BENCH, SWIFTSHADER_STAGES } from './fixtures/swiftshaderLayer';

describe('calibration against this device', () => {
  it('derives a chip from the micro-benchmark', () => {
    const c = deviceChip(SWIFTSHADER_BENCH);
    expect(c.flops.fp32).toBe(20e9);
    expect(c.flops.bf16).toBe(20e9);
    expect(c.memBw).toBe(5e9);
    expect(c.name).toMatch(/software adapter/);
    expect(() => deviceChip({ ...SWIFTSHADER_BENCH, copyGBs: 0 })).toThrow(/positive/);
  });

  it('recovers a known per-kernel overhead exactly', () => {
    const c = deviceChip(SWIFTSHADER_BENCH);
    const stages: StageMeasurement[] = SWIFTSHADER_STAGES.map((s) => ({
      ...s,
      measuredMs: predictStageMs(c, s) + 0.05,
    }));
    const cal = calibrate(SWIFTSHADER_BENCH, stages);
    expect(cal.overheadUs).toBeCloseTo(50, 9);
    for (const p of cal.stages) expect(Math.abs(p.errorPct)).toBeLessThan(1e-9);
  });

  it('reports per-stage error on the recorded SwiftShader layer', () => {
    const cal = calibrate(SWIFTSHADER_BENCH, SWIFTSHADER_STAGES);
    expect(cal.software).toBe(true);
    // Residuals (µs): router 85.1, gate 82.2, count 69.6, offsets 59.9, scatter 78.4, ffn 4667, combine 151.9.
    expect(cal.overheadUs).toBeCloseTo(82.2176, 3);
    const byName = Object.fromEntries(cal.stages.map((p) => [p.stage, p]));
    // ffn: 402.65 MFLOP at 20 GFLOP/s = 20.13 ms, compute-bound; + 82 µs vs 24.8 ms measured.
    expect(byName.ffn.bound).toBe('compute');
    expect(byName.ffn.rooflineMs).toBeCloseTo(20.1327, 3);
    expect(byName.ffn.errorPct).toBeCloseTo(((20.1327 + 0.0822 - 24.8) / 24.8) * 100, 1);
    expect(byName.gate.bound).toBe('memory');
    expect(byName.ffn.efficiency).toBeCloseTo(20.1327 / 24.8, 3);
    expect(cal.medianAbsErrorPct).toBeGreaterThan(1);
    expect(cal.medianAbsErrorPct).toBeLessThan(25);
    expect(cal.totalErrorPct).toBeLessThan(0);
  });
});
