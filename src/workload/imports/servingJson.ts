/**
 * JSON written by serving systems: which one a text is (from its first characters, without parsing it), the one
 * parse, and the count table that MindSpeed-RL's and LMDeploy's counts become.
 */

import { MAX_IMPORT_EXPERTS, parseJsonSafely, printable } from '../input';
import { ImportError, type ImportOptions, MAX_COUNT_CELLS } from './types';

/**
 * - mindspeed-rl: `{"0": {"0": 9, …}, …}`: MindSpeed-RL's eplb_token_collects_{rank}.json, {layer: {expert: count}};
 * - lmdeploy: `[[9, 4, …], …]`: LMDeploy's EPLB statistics file [layers][experts];
 * - vllm: `[[[3, 1], …], …]`: vLLM's routed experts [tokens][layers][top_k] (CompletionOutput.routed_experts.tolist()).
 */
export type ServingJson = 'mindspeed-rl' | 'lmdeploy' | 'vllm';

/** Characters looked at to tell the formats apart (whitespace and a first key fit in far fewer). */
const PEEK = 512;

/** Which serving system's JSON `text` is, from its first characters; undefined for any other JSON or text. */
export function servingJsonKind(text: string): ServingJson | undefined {
  const head = text.slice(0, PEEK);
  if (/^\s*\{\s*"\s*\d+\s*"\s*:\s*\{/.test(head)) return 'mindspeed-rl';
  if (/^\s*\[\s*\[\s*\[/.test(head)) return 'vllm';
  if (/^\s*\[\s*\[/.test(head)) return 'lmdeploy';
  return undefined;
}

/** The parsed JSON, or one line: invalid JSON, or nested too deep. */
export function parseServingJson(name: string, text: string): unknown {
  try {
    return parseJsonSafely(text);
  } catch (err) {
    const why = printable(err instanceof Error ? err.message : String(err), 120);
    if (err instanceof RangeError) throw new ImportError(`${name}: the JSON is ${why}`);
    throw new ImportError(`${name}: not valid JSON (${why})`);
  }
}

/** A JSON value for a message: short, one line. */
export function shownJson(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return printable(JSON.stringify(v), 24);
  return printable(String(v), 24);
}

/** Refuse `layers × experts` counts beyond MAX_COUNT_CELLS or experts beyond the model (before allocating). */
export function checkCountShape(name: string, layers: number, experts: number, opts: ImportOptions): void {
  if (experts > MAX_IMPORT_EXPERTS)
    throw new ImportError(
      `${name}: ${experts} experts per layer; at most ${MAX_IMPORT_EXPERTS} are accepted`,
    );
  if (layers * experts > MAX_COUNT_CELLS) {
    throw new ImportError(
      `${name}: ${layers} layers × ${experts} experts is more than ${MAX_COUNT_CELLS} counts; ` +
        'a count table holds at most that many',
    );
  }
  if (opts.experts !== undefined && experts > opts.experts)
    throw new ImportError(
      `${name}: the counts have ${experts} experts per layer but the model has ${opts.experts}`,
    );
}
