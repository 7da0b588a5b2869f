import { describe, expect, it } from 'vitest';
import { portableCosSinTurn, portableExp, portableLog, Rng } from './rng';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference xoshiro128** outputs for state [1, 2, 3, 4]', () => {
    const rng = new Rng(1, 2, 3, 4);
    const out = Array.from({ length: 8 }, () => rng.nextU32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('gives known first values for a seed (a change here changes every generated tensor)', () => {
    const rng = Rng.from(1);
    expect([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()]).toEqual([
      1791510253, 808485725, 1281353093, 2349528831,
    ]);
    const normals = Rng.from(1);
    expect([normals.normal(), normals.normal(), normals.normal(), normals.normal()]).toEqual([
      0.5003766718060573, 1.2240886836224463, -1.4878835590762984, -0.4530531403924878,
    ]);
  });

  it('is deterministic per (seed, keys) and separates streams', () => {
    const a = Rng.from(42, 'router', 3);
    const b = Rng.from(42, 'router', 3);
    const seqA = Array.from({ length: 100 }, () => a.nextU32());
    expect(Array.from({ length: 100 }, () => b.nextU32())).toEqual(seqA);
    for (const other of [
      Rng.from(43, 'router', 3),
      Rng.from(42, 'router', 4),
      Rng.from(42, 'x', 3),
      Rng.from(42),
    ]) {
      expect(other.nextU32()).not.toBe(seqA[0]);
    }
  });

  it('fillUniform continues the same stream as nextU32', () => {
    const a = Rng.from(9);
    const b = Rng.from(9);
    const filled = new Float32Array(7);
    a.fillUniform(filled, 1);
    const step = 2 / 2 ** 32;
    expect(Array.from(filled)).toEqual(Array.from({ length: 7 }, () => Math.fround(b.nextU32() * step - 1)));
    expect(a.nextU32()).toBe(b.nextU32());
  });

  it('produces uniforms in [0, 1) and standard normals', () => {
    const rng = Rng.from(5);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 10000; i++) {
      const u = rng.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.04);
  });

  it('refuses the all-zero state', () => {
    expect(() => new Rng(0, 0, 0, 0)).toThrow();
  });
});

describe('portable math (+, −, ×, ÷ only)', () => {
  it('log agrees with Math.log to 2 ulp', () => {
    const rng = Rng.from(11);
    for (let i = 0; i < 2000; i++) {
      const x = ((rng.nextU32() + 1) / 2 ** 32) * 10 ** ((i % 9) - 3);
      const want = Math.log(x);
      expect(Math.abs(portableLog(x) - want)).toBeLessThanOrEqual(
        2 * Number.EPSILON * Math.max(1, Math.abs(want)),
      );
    }
    expect(portableLog(1)).toBe(0);
  });

  it('exp agrees with Math.exp to 2 ulp and saturates cleanly', () => {
    const rng = Rng.from(12);
    for (let i = 0; i < 2000; i++) {
      const x = (rng.next() - 0.5) * 1000;
      const want = Math.exp(x);
      if (want > 1e-300)
        expect(Math.abs(portableExp(x) - want)).toBeLessThanOrEqual(2 * Number.EPSILON * want);
    }
    expect(portableExp(0)).toBe(1);
    expect(portableExp(-800)).toBe(0);
    expect(portableExp(800)).toBe(Number.POSITIVE_INFINITY);
  });

  it('cos and sin of a turn agree with Math to 1e-15', () => {
    const out = new Float64Array(2);
    for (let i = 0; i < 1000; i++) {
      const turn = i / 1000;
      portableCosSinTurn(turn, out);
      expect(Math.abs(out[0] - Math.cos(2 * Math.PI * turn))).toBeLessThan(1e-15);
      expect(Math.abs(out[1] - Math.sin(2 * Math.PI * turn))).toBeLessThan(1e-15);
    }
  });
});
