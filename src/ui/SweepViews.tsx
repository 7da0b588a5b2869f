import { useMemo, useState } from 'react';
import type { LayoutFrontier } from '../costmodel';
import { CHIP_PRESETS } from '../scenario';
import { chooseLoad, useAppStore } from '../state';
import { layoutFrontiersCsv } from './charts/layoutFrontierData';
import { LayoutFrontierChart } from './charts/ThroughputFrontier';
import { ChartFrame } from './export/ChartFrame';
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

/**
 * The layout search for every chip, off the main thread: output tokens/s per chip against tokens/s per user (the
 * InferenceX / AIConfigurator frontier) and, from the same search, $/M tokens against tokens/s per user. Two
 * panels from one search (the cost panel keeps its place and test id).
 */
export function FrontierView() {
  const { scenario, load, source } = useLoad();
  const request = useMemo(() => ({ kind: 'layouts' as const, scenario, load }), [scenario, load]);
  const sweep = useSweep(request);
  const result = sweep?.status === 'done' && sweep.result.kind === 'layouts' ? sweep.result : null;
  const frontiers = result?.frontiers ?? null;
  const panels = [
    {
      metric: 'throughput' as const,
      testId: 'throughput-frontier',
      title: 'Throughput per chip versus speed, at the best layout',
      file: 'throughput-frontier',
    },
    {
      metric: 'cost' as const,
      testId: 'frontier',
      title: 'Cost versus speed, at the best layout',
      file: 'frontier',
    },
  ];
  return panels.map((c) => (
    <section key={c.metric} className="panel" aria-labelledby={`${c.testId}-title`} data-testid={c.testId}>
      <h2 id={`${c.testId}-title`}>{c.title}</h2>
      {sweep?.status === 'error' && <p role="alert">The layout search failed: {sweep.message}</p>}
      {!frontiers ? (
        sweep?.status !== 'error' && (
          <p className="placeholder">
            Searching layouts (TP, EP, expert TP, batch, stages) off the main thread…
          </p>
        )
      ) : (
        <>
          <p className="muted" data-testid={`${c.testId}-note`}>
            {c.metric === 'throughput'
              ? 'Each point is the chip at the parallel layout with the most output tokens/s per chip at that speed per user: '
              : 'The layouts of the throughput frontier, at their $/M tokens (a chip costs about the same per hour whatever it runs, so the most tokens per chip is the cheapest to within its power draw): '}
            {searchNote(frontiers, result?.ms ?? 0)} Hover a point for its layout.
          </p>
          <ChartFrame
            fileName={c.file}
            label={c.title}
            downloads={[
              { kind: 'csv', fileName: 'layout-frontier', make: () => layoutFrontiersCsv(frontiers) },
            ]}
          >
            <LayoutFrontierChart
              frontiers={frontiers}
              metric={c.metric}
              loadSource={source}
              targetTokensPerSecPerUser={scenario.targetSpeed}
              phase={scenario.phase}
            />
          </ChartFrame>
        </>
      )}
    </section>
  ));
}

function searchNote(frontiers: readonly LayoutFrontier[], ms: number): string {
  const evaluated = frontiers.reduce((a, f) => a + f.evaluated, 0);
  const candidates = frontiers.reduce((a, f) => a + f.candidates, 0);
  return `${evaluated.toLocaleString('en-US')} of ${candidates.toLocaleString('en-US')} candidate layouts projected in ${fmt(ms)} ms.`;
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
