/**
 * Fit the tuned serving stack's global constants (src/costmodel/software.ts) to the calibration rows: coordinate
 * descent on a log grid minimising the mean |log(model / published)| over every calibration row at once (one set
 * of constants for all rows and chips, never one per row). Prints the constants and the errors; copy the constants
 * into software.ts by hand, so every change to them shows in review.
 *
 *   npx tsx scripts/fitStack.ts
 */
import { STACKS, type StackProfile } from '../src/costmodel/software';
import { summarise, validationPoints } from '../src/costmodel/validation';

type Knob = keyof Omit<StackProfile, 'level' | 'source'>;
const KNOBS: { key: Knob; min: number; max: number }[] = [
  { key: 'stepOverhead', min: 0, max: 10e-3 },
  { key: 'perSequence', min: 0, max: 50e-6 },
  { key: 'kernelTail', min: 0, max: 20e-6 },
  { key: 'allReduceFloor', min: 0, max: 60e-6 },
  { key: 'expertMemEff', min: 0.5, max: 1 },
  { key: 'expertSlotTime', min: 0, max: 5e-6 },
  { key: 'kvMemEff', min: 0.5, max: 1 },
  { key: 'computeEff', min: 0.5, max: 1 },
];

const tuned = STACKS.tuned as unknown as Record<Knob, number>;

function loss(): number {
  const cal = validationPoints('tuned').filter((p) => p.group === 'calibration');
  return cal.reduce((a, p) => a + Math.abs(Math.log(p.model / p.published)), 0) / cal.length;
}

let best = loss();
console.log(`start: mean |log error| ${best.toFixed(4)}`);
for (let round = 0; round < 10; round++) {
  for (const { key, min, max } of KNOBS) {
    const x0 = tuned[key];
    for (const f of [0.5, 0.7, 0.85, 0.95, 1.05, 1.2, 1.5, 2]) {
      const x = Math.min(max, Math.max(min, x0 === 0 ? (max - min) * 0.02 * f : x0 * f));
      tuned[key] = x;
      const l = loss();
      if (l < best - 1e-6) best = l;
      else tuned[key] = x0;
      if (tuned[key] !== x0) break;
    }
  }
  console.log(
    `round ${round}: ${best.toFixed(4)}`,
    KNOBS.map((k) => `${k.key}=${tuned[k.key].toPrecision(3)}`).join(' '),
  );
}
const s = summarise(validationPoints('tuned'));
console.log(
  `median |error| ${s.medianAbsErrorPct.toFixed(1)} % (end-to-end rows ${s.endToEndMedianAbsErrorPct.toFixed(1)} %), within 2×: ${s.within2x}/${s.rows}, worst ${s.worst.id} ${s.worst.errorPct.toFixed(0)} %`,
);
