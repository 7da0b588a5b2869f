/** (b) Per-token expert choices from JSON: arrays of records, JSON Lines, or one object of [tokens][k] columns. */

import { countProblem, parseJsonSafely, printable } from '../input';
import type { ChoiceEntry } from './choices';
import {
  clip,
  finiteHint,
  IDS_COLUMNS,
  LAYER_COLUMNS,
  NUMBER,
  TOKEN_COLUMNS,
  WEIGHT_COLUMNS,
} from './fields';
import { ImportError } from './types';

/** The first key of `o` among the aliases (case-insensitive), or undefined. */
function pick(o: Record<string, unknown>, aliases: readonly string[]): string | undefined {
  const keys = Object.keys(o);
  for (const a of aliases) {
    const k = keys.find((key) => key.toLowerCase() === a);
    if (k !== undefined) return k;
  }
  return undefined;
}

const JSON_TOKEN_KEYS = TOKEN_COLUMNS;
const JSON_LAYER_KEYS = LAYER_COLUMNS;
const JSON_IDS_KEYS = IDS_COLUMNS;
const JSON_WEIGHT_KEYS = WEIGHT_COLUMNS;
/** Keys under which a JSON object may hold the list of choice records. */
const JSON_LIST_KEYS = ['choices', 'records', 'tokens', 'data', 'routing', 'trace'] as const;

/**
 * Per-token choices from JSON: an array of records `{token, layer, experts, weights?}` (key aliases as the CSV
 * columns: token_id, layer_id, expert_ids, topk_ids, topk_weights, …), the same array under a key of an object
 * (`{"choices": [...]}`), JSON Lines (one record per line), or one object of columns `{"topk_ids": [[..], ..]}`
 * ([tokens][k], or [tokens][layers][k]) with optional `topk_weights` of the same shape and an optional `layer`.
 * Numbers written as strings ("3") are read as numbers.
 */
export function choicesFromJson(name: string, text: string): ChoiceEntry[] {
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(text);
  } catch (err) {
    if (err instanceof RangeError)
      throw new ImportError(`${name}: the JSON is ${printable(err.message, 120)}`);
    // JSON Lines: one object per line.
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'))) {
      parsed = lines.map((l, i) => {
        try {
          return parseJsonSafely(l);
        } catch (lineErr) {
          throw new ImportError(`${name} line ${i + 1}: not valid JSON (${jsonError(lineErr)})`);
        }
      });
    } else throw new ImportError(`${name}: not valid JSON (${jsonError(err)})`);
  }
  const expected =
    'expected a JSON array of {token, layer, experts, weights?} objects, or an object with topk_ids [tokens][k]';
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    const listKey = pick(o, JSON_LIST_KEYS);
    if (listKey !== undefined && Array.isArray(o[listKey])) parsed = o[listKey];
    else if (pick(o, JSON_IDS_KEYS) !== undefined && pick(o, JSON_TOKEN_KEYS) === undefined)
      return choicesFromJsonColumns(name, o);
    else parsed = [o];
  }
  if (!Array.isArray(parsed)) throw new ImportError(`${name}: ${expected}`);
  if (parsed.length === 0) throw new ImportError(`${name}: the JSON array is empty`);
  return parsed.map((item: unknown, i) => {
    const at = `entry ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new ImportError(`${name} ${at}: not an object (${expected})`);
    const o = item as Record<string, unknown>;
    const tk = pick(o, JSON_TOKEN_KEYS);
    const lk = pick(o, JSON_LAYER_KEYS);
    const xk = pick(o, JSON_IDS_KEYS);
    const wk = pick(o, JSON_WEIGHT_KEYS);
    const missing = [tk === undefined && 'token', lk === undefined && 'layer', xk === undefined && 'experts'];
    const first = missing.find(Boolean);
    if (first) {
      throw new ImportError(
        `${name} ${at}: missing "${first}" (keys: ${clip(Object.keys(o).join(', '), 60)}; expected token, layer, experts)`,
      );
    }
    const token = jsonInt(name, at, 'token', o[tk as string]);
    const layer = jsonInt(name, at, 'layer', o[lk as string]);
    const rawIds = o[xk as string];
    if (!Array.isArray(rawIds)) throw new ImportError(`${name} ${at}: ${xk} is not an array`);
    const experts = rawIds.map((v: unknown) => jsonInt(name, at, 'expert id', v, true));
    const entry: ChoiceEntry = { token, layer, experts, at };
    const rawW = wk === undefined ? undefined : o[wk];
    if (rawW !== undefined && rawW !== null) {
      if (!Array.isArray(rawW)) throw new ImportError(`${name} ${at}: ${wk} is not an array`);
      entry.weights = rawW.map((v: unknown) => jsonNumber(name, at, 'weight', v));
    }
    return entry;
  });
}

/** A whole number from JSON (a number, or a string of digits); `signed` lets negative ids through to checkRowIds. */
/** A JSON.parse error in one line (V8 quotes the text, line breaks included). */
function jsonError(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err), 120);
}

/** A JSON value for a message: short, one line. */
function jsonShown(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return clip(typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));
}

/**
 * A whole number from JSON (a number, or a string of digits). Token and layer ids follow the one rule for counts
 * (countProblem); `signed` lets negative expert ids through to checkRowIds, which says why they cannot be replayed.
 */
function jsonInt(name: string, at: string, what: string, v: unknown, signed = false): number {
  const n = typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number')
    throw new ImportError(
      `${name} ${at}: ${what} ${jsonShown(v)} is not a whole number${signed ? '' : ' ≥ 0'}`,
    );
  if (signed) {
    if (!Number.isSafeInteger(n))
      throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} is not a whole number`);
    return n;
  }
  const why = countProblem(n);
  if (why) throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} ${why}`);
  return n;
}

/** A weight from JSON or CSV: a number that float32 holds as a finite value. */
function jsonNumber(name: string, at: string, what: string, v: unknown): number {
  const n = typeof v === 'string' && NUMBER.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(Math.fround(n)))
    throw new ImportError(`${name} ${at}: ${what} ${jsonShown(v)} is not a finite number${finiteHint(n)}`);
  return n;
}

/** `{"topk_ids": [[..]] or [[[..]]], "topk_weights"?: same shape, "layer"?: n}` → records. */
function choicesFromJsonColumns(name: string, o: Record<string, unknown>): ChoiceEntry[] {
  const xk = pick(o, JSON_IDS_KEYS) as string;
  const wk = pick(o, JSON_WEIGHT_KEYS);
  const lk = pick(o, JSON_LAYER_KEYS);
  const ids = o[xk];
  const weights = wk === undefined ? undefined : o[wk];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(Array.isArray))
    throw new ImportError(`${name}: ${xk} must be an array of [k] (or [layers][k]) arrays, one per token`);
  if (weights !== undefined && weights !== null && (!Array.isArray(weights) || weights.length !== ids.length))
    throw new ImportError(`${name}: ${wk} must be an array with one entry per token, like ${xk}`);
  const perLayer = (ids[0] as unknown[]).every(Array.isArray);
  const baseLayer = lk === undefined || perLayer ? 0 : jsonInt(name, lk, 'layer', o[lk]);
  const out: ChoiceEntry[] = [];
  ids.forEach((row: unknown, t: number) => {
    const rows = (perLayer ? row : [row]) as unknown[];
    if (!Array.isArray(rows)) throw new ImportError(`${name}: ${xk}[${t}] is not an array`);
    rows.forEach((r, l) => {
      const at = perLayer ? `${xk}[${t}][${l}]` : `${xk}[${t}]`;
      if (!Array.isArray(r)) throw new ImportError(`${name} ${at}: not an array of expert ids`);
      const entry: ChoiceEntry = {
        token: t,
        layer: baseLayer + l,
        experts: r.map((v: unknown) => jsonInt(name, at, 'expert id', v, true)),
        at,
      };
      if (Array.isArray(weights)) {
        const wr = perLayer ? (weights[t] as unknown[] | undefined)?.[l] : weights[t];
        if (!Array.isArray(wr)) throw new ImportError(`${name} ${wk}[${t}]: not an array of weights`);
        entry.weights = wr.map((v: unknown) => jsonNumber(name, at, 'weight', v));
      }
      out.push(entry);
    });
  });
  return out;
}
