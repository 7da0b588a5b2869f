/** A projection's assumptions, as data and as one line (docs/COST_MODEL.md: "Every projection says ..."). */
import type { Prepared } from './prepare';
import type { ProjectionAssumptions } from './types';

const up = (x: string) => x.toUpperCase();
/** 1,234,567 for large values, 3 significant digits for small ones (toLocaleString costs ~20 µs a call in V8). */
function n(x: number): string {
  if (!(x >= 100)) return String(+x.toPrecision(3));
  return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function assumptionsOf(p: Prepared): ProjectionAssumptions {
  const { s, layout, work, stack } = p;
  const mode = s.phase === 'decode' ? s.servingMode : 'prefill';
  const a: Omit<ProjectionAssumptions, 'text'> = {
    stack: { level: stack.level, source: stack.source },
    precision: {
      weights: s.weightFormat,
      experts: s.expertFormat,
      kvCache: s.kvFormat,
      activations: s.actFormat,
    },
    layout: {
      chips: layout.totalChips,
      tensorParallel: layout.tensorParallel,
      dataParallel: layout.dataParallel,
      expertParallel: layout.expertRanks,
      expertShard: layout.expertShard,
      stages: layout.stages,
    },
    batch: {
      mode,
      sequences: work.seqs,
      tokensPerSequence: work.queries,
      emittedPerStep: work.emitted,
      kvLength: work.kvLength,
      promptTokensPerStep: work.prefillTokens,
    },
    allToAll: allToAllBasis(p),
  };
  const { precision: pr, layout: l, batch: b } = a;
  const parts = [
    `${stack.level} stack`,
    `weights ${up(pr.weights)}, experts ${up(pr.experts)}, KV ${up(pr.kvCache)}, activations ${up(pr.activations)}`,
    `${l.chips} chips: TP ${l.tensorParallel} × DP ${l.dataParallel}, EP ${l.expertParallel}` +
      (l.expertShard > 1 ? ` × expert TP ${l.expertShard}` : '') +
      (l.stages > 1 ? `, ${l.stages} pipeline stages` : ''),
    mode === 'prefill'
      ? `prefill of ${n(s.tokens)} tokens`
      : `${mode} decode: ${n(b.sequences)} sequences, KV ${n(b.kvLength)}` +
        (b.promptTokensPerStep > 0 ? `, ${n(b.promptTokensPerStep)} prompt tokens per step` : '') +
        (b.tokensPerSequence > 1
          ? `, ${b.tokensPerSequence} tokens checked / ${n(b.emittedPerStep)} emitted per step`
          : ''),
  ];
  const x = a.allToAll;
  const L = p.load.layers.length;
  if (x.basis === 'mean')
    parts.push('all-to-all: every chip sends the mean (k rows a token over even ranks; no trace)');
  else if (x.basis === 'measured')
    parts.push(
      x.layers === L
        ? "all-to-all: the busiest rank's real sends (trace)"
        : `all-to-all: the busiest rank's real sends (trace) in ${x.layers} of ${L} layers, the mean elsewhere`,
    );
  return { ...a, text: parts.join(' · ') };
}

/**
 * Whether the all-to-all is charged from a trace's real traffic (evaluate.ts costsForLayer: LayerLoad.network, on
 * colocated experts) or from the mean send, so a projection from counts alone says it assumed even sends.
 */
function allToAllBasis(p: Prepared): ProjectionAssumptions['allToAll'] {
  const { layout } = p;
  const tokensReplicated = layout.attentionChips === 0 && layout.dataParallel <= 1 && layout.stageChips > 1;
  const exchanging =
    layout.attentionChips > 0 || (!tokensReplicated && layout.expertRanks * layout.expertShard > 1);
  if (!exchanging) return { basis: 'none', layers: 0 };
  const measured =
    p.load.uniform || layout.attentionChips > 0 ? 0 : p.load.layers.filter((l) => l.network).length;
  return measured > 0 ? { basis: 'measured', layers: measured } : { basis: 'mean', layers: 0 };
}
