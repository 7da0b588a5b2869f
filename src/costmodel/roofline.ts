/**
 * The roofline every stage is built on: an operation's time is the slower of its compute and its memory traffic,
 * each with a small-operation ramp (docs/COST_MODEL.md §3), and its energy is FLOPs and bytes times the chip's
 * joules per unit.
 */
import type { ChipSpec, Precision, StageTimes } from './types';

/** Roofline time of one operation: max(compute, off-chip + on-chip memory), each with its small-op ramp. */
export function opTime(
  c: ChipSpec,
  flops: number,
  prec: Precision,
  memBytes: number,
  sramBytes: number,
): number {
  const tc = flops > 0 ? (flops / c.flops[prec] + c.computeRamp) / c.computeEffMax : 0;
  const tm = memBytes > 0 ? (memBytes / c.memBw + c.memRamp) / c.memEffMax : 0;
  const ts = sramBytes > 0 ? (sramBytes / c.sramBw + c.memRamp) / c.memEffMax : 0;
  return Math.max(tc, tm + ts);
}

/** Same, with bytes from wherever the chip keeps them (HBM, or SRAM on chips without HBM). */
export function memOpTime(c: ChipSpec, flops: number, prec: Precision, bytes: number): number {
  return c.memBytes > 0 ? opTime(c, flops, prec, bytes, 0) : opTime(c, flops, prec, 0, bytes);
}

export function zeroTimes(): StageTimes {
  return {
    attention: 0,
    router: 0,
    dispatch: 0,
    experts: 0,
    combine: 0,
    shared: 0,
    dense: 0,
    head: 0,
    pipeline: 0,
    host: 0,
    draft: 0,
  };
}

/** Energy accumulator (J). */
export class Energy {
  compute = 0;
  mem = 0;
  sram = 0;
  link = 0;
  /** `chips` chips each doing this operation. */
  op(c: ChipSpec, chips: number, flops: number, prec: Precision, bytes: number, sramBytes = 0): void {
    this.compute += chips * flops * c.jPerFlop[prec];
    if (c.memBytes > 0) {
      this.mem += chips * bytes * c.jPerMemByte;
      this.sram += chips * sramBytes * c.jPerSramByte;
    } else this.sram += chips * (bytes + sramBytes) * c.jPerSramByte;
  }
  scale(f: number): void {
    this.compute *= f;
    this.mem *= f;
    this.sram *= f;
    this.link *= f;
  }
  add(o: Energy, f = 1): void {
    this.compute += f * o.compute;
    this.mem += f * o.mem;
    this.sram += f * o.sram;
    this.link += f * o.link;
  }
  total(): number {
    return this.compute + this.mem + this.sram + this.link;
  }
}

/**
 * One stage of a layer on one chip, the way LLMCompass models an operator: its time on the critical path, the
 * FLOPs, memory bytes and link bytes one chip moves, and the energy of every chip doing it.
 */
export interface StageCost {
  time: number;
  flops: number;
  bytes: number;
  linkBytes: number;
  energy: Energy;
}
