import type { DerivedFigures } from '../../costmodel';
import type { Scenario } from '../../scenario';
import { fmt, fmtBytes } from '../format';

/** The figures that follow from the chip and the current model, updated on every edit. */
export function DerivedView({ d, s }: { d: DerivedFigures; s: Scenario }) {
  const gb = (b: number) => `${fmt(b / 1e9)} GB`;
  return (
    <dl className="chip-derived" data-testid="chip-derived">
      <dt>Ridge point</dt>
      <dd data-ridge={d.ridgeBf16}>
        {fmt(d.ridgeBf16)} FLOP/byte at BF16, {fmt(d.ridgeFp8)} at FP8: operations with less work per byte
        read are memory-bound.
      </dd>
      <dt>Weight-streaming bound (decode)</dt>
      <dd
        data-testid="chip-decode-bound"
        data-bound={Number.isFinite(d.decodeBound) ? d.decodeBound : undefined}
      >
        at most {fmt(d.decodeBound)} tokens/s per user: {s.chipCount} chip{s.chipCount === 1 ? '' : 's'} ×
        memory bandwidth ÷ {gb(d.weightBytesPerStep)} of weights read per step at T = {s.tokens}.
      </dd>
      <dt>Area and cost (design model)</dt>
      <dd>
        design model: {fmt(d.designAreaMm2)} mm² for this SRAM, FLOP/s and memory bandwidth; manufacturing $
        {fmt(d.manufacturingUsd)}; price ${fmt(d.priceUsd)} (
        {d.priceBasis === 'derived' ? 'derived' : 'given'}).
      </dd>
      <dt>Does the model fit?</dt>
      <dd data-testid="chip-fits" data-fits={d.fits}>
        {d.fits ? 'yes' : 'no'}: {fmtBytes(d.modelBytes)} of weights; {s.chipCount} chip
        {s.chipCount === 1 ? '' : 's'} hold {fmtBytes(d.memoryBytes)} usable; needs at least{' '}
        {fmt(d.chipsNeeded)} chip{d.chipsNeeded === 1 ? '' : 's'} with the KV cache.
      </dd>
    </dl>
  );
}
