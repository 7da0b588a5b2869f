/**
 * What one step of the served model processes (docs/COST_MODEL.md §6): sequences, tokens per sequence checked by
 * the target model (1 + draft tokens with speculative decoding), prompt tokens mixed into the step (chunked
 * prefill in served decode), the mean KV length, and the tokens each sequence emits per step.
 */
import type { Scenario } from '../scenario';

export interface BatchWork {
  /** Sequences decoding together (prefill: tokens in the batch). */
  seqs: number;
  /** Tokens per sequence the target step computes: 1, or 1 + draft tokens. */
  queries: number;
  /** Prompt tokens of new requests computed in each decode step (served modes; 0 otherwise). */
  prefillTokens: number;
  /** Mean positions each prompt token attends to in those chunks. */
  prefillContext: number;
  /** Mean KV-cache length each decoding sequence reads. */
  kvLength: number;
  /** Tokens a sequence emits per step (acceptance length with speculative decoding, else 1). */
  emitted: number;
  /** Tokens through the FFNs, routers and experts per step: seqs · queries + prefillTokens. */
  stepTokens: number;
  /** Tokens whose KV the batch holds. */
  kvTokens: number;
}

/**
 * A batch of `seqs` sequences as the scenario serves it. Served decode is in steady state: each request's prompt
 * is computed once per outputLength tokens it emits, so a step that emits seqs · emitted tokens also computes
 * seqs · emitted · input/output prompt tokens, attending on average to half the prompt.
 */
export function batchWork(s: Scenario, seqs: number): BatchWork {
  if (s.phase !== 'decode') {
    const kvTokens = Math.max(s.tokens, s.contextLength);
    return {
      seqs: s.tokens,
      queries: 1,
      prefillTokens: 0,
      prefillContext: 0,
      kvLength: s.contextLength,
      emitted: 1,
      stepTokens: s.tokens,
      kvTokens,
    };
  }
  const spec = s.speculative !== 'none';
  const queries = spec ? 1 + s.draftTokens : 1;
  const emitted = spec ? Math.min(s.acceptLength, queries) : 1;
  const served = s.servingMode !== 'fixed';
  const kvLength = served ? s.inputLength + s.outputLength / 2 : s.contextLength;
  const prefillTokens = served ? (seqs * emitted * s.inputLength) / s.outputLength : 0;
  return {
    seqs,
    queries,
    prefillTokens,
    prefillContext: served ? (s.inputLength + 1) / 2 : 0,
    kvLength,
    emitted,
    stepTokens: seqs * queries + prefillTokens,
    kvTokens: seqs * kvLength,
  };
}
