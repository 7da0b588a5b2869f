import { useMemo, useState } from 'react';
import { CHIP_PRESETS } from '../scenario';
import { chooseLoad, useAppStore } from '../state';
import { FrontierChart } from './charts/FrontierChart';
import { ChartFrame } from './export/ChartFrame';
import { toCsv } from './export/csv';
import { fmt } from './format';
import { projectionSource } from './loadSource';
import { useSweep } from './useSweep';

function useLoad() {
  const scenario = useAppStore((s) => s.scenario);
  const measured = useAppStore((s) => s.measured);
  const imported = useAppStore((s) => s.imported);
  const chosen = useMemo(() => chooseLoad(scenario, measured, imported), [scenario, measured, imported]);
  const source = projectionSource({ projections: [], load: chosen.load }, measured?.isSoftware ?? false);
  return { scenario, load: chosen.load, source };
}

/** Batch size → $/M tokens against tokens/s per user, per chip: cost per token climbs when speed is required. */
export function FrontierView() {
  const { scenario, load, source } = useLoad();
  const request = useMemo(() => ({ kind: 'frontier' as const, scenario, load }), [scenario, load]);
  const sweep = useSweep(request);
  const series = sweep?.status === 'done' && sweep.result.kind === 'frontier' ? sweep.result.series : null;
  return (
    <section className="panel" aria-labelledby="frontier-title" data-testid="frontier">
      <h2 id="frontier-title">Cost versus speed</h2>
      {sweep?.status === 'error' && <p role="alert">The sweep failed: {sweep.message}</p>}
      {!series ? (
        <p className="placeholder">Sweeping batch sizes off the main thread…</p>
      ) : (
        <ChartFrame
          fileName="frontier"
          label="cost versus speed frontier"
          downloads={[
            {
              kind: 'csv',
              make: () =>
                toCsv(
                  [
                    'chip',
                    'batch',
                    'tokens_per_s_per_user',
                    'usd_per_m_tokens',
                    'throughput',
                    'chips',
                    'pareto',
                  ],
                  series.flatMap((s) =>
                    s.points.map((p) => [
                      s.chipId,
                      p.batch,
                      p.tokensPerSecPerUser,
                      p.usdPerMTokens,
                      p.throughput,
                      p.chips,
                      p.pareto,
                    ]),
                  ),
                ),
            },
          ]}
        >
          <FrontierChart
            series={series}
            loadSource={source}
            targetTokensPerSecPerUser={scenario.targetSpeed}
          />
        </ChartFrame>
      )}
    </section>
  );
}

const HYPOTHETICAL = CHIP_PRESETS.filter(
  (c) => c.status === 'hypothetical' || c.id === 'h100' || c.id === 'groq-lpu',
);

/** The cheapest design of a chip family that meets the target speed per user, found by a sweep in a worker. */
export function DesignView() {
  const { scenario, load } = useLoad();
  const [base, setBase] = useState('sram-7nm');
  const request = useMemo(
    () => ({ kind: 'design' as const, scenario, baseChip: base, load, target: scenario.targetSpeed }),
    [scenario, base, load],
  );
  const sweep = useSweep(request, 400);
  const result = sweep?.status === 'done' && sweep.result.kind === 'design' ? sweep.result : null;
  const best = result?.best;
  return (
    <section className="panel" aria-labelledby="design-title" data-testid="design">
      <h2 id="design-title">Design a chip for this load</h2>
      <div className="param">
        <label htmlFor="design-base">Start from</label>
        <select id="design-base" value={base} onChange={(e) => setBase(e.target.value)}>
          {HYPOTHETICAL.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {sweep?.status === 'error' && <p role="alert">The design sweep failed: {sweep.message}</p>}
      {!result ? (
        <p className="placeholder">Sweeping SRAM, bandwidth, FLOP/s and process node off the main thread…</p>
      ) : best ? (
        <p data-testid="design-best" data-usd={best.usdPerMTokens}>
          Cheapest of {result.evaluated.toLocaleString('en-US')} designs (projected, hypothetical) reaching{' '}
          {fmt(result.target)} tokens/s per user: {fmt(best.sramMB)} MB SRAM, {fmt(best.memTBs)} TB/s memory,{' '}
          {fmt(best.tflopsBf16)} TFLOP/s on {best.nodeNm} nm ({fmt(best.areaMm2)} mm², ~${fmt(best.priceUsd)}
          ), {best.chips} chips: {fmt(best.tokensPerSecPerUser)} tokens/s per user at $
          {fmt(best.usdPerMTokens)} per million tokens. Sweep took {fmt(result.ms)} ms.
        </p>
      ) : (
        <p data-testid="design-best">
          None of the {result.evaluated.toLocaleString('en-US')} designs reaches {fmt(result.target)} tokens/s
          per user on this load; lower the target speed or change the system.
        </p>
      )}
    </section>
  );
}
