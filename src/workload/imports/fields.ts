/** Field helpers shared by the readers: numbers and ids from text, column aliases, and the expert / layer count checks. */

import { countProblem, layerCountProblem, MAX_IMPORT_EXPERTS, printable } from '../input';
import type { RowCursor } from './csv';
import { ImportError } from './types';

export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A count or id from a CSV field: a number under the one rule for counts (countProblem: a non-negative whole number
 * no larger than MAX_COUNT), or a one-line error naming the line and column.
 */
export function intFromText(name: string, line: number, field: string, column: string): number {
  const raw = field.trim();
  const at = `${name} line ${line}`;
  if (raw === '') throw new ImportError(`${at}: ${column} is empty`);
  if (!NUMBER.test(raw)) throw new ImportError(`${at}: ${column} "${clip(raw)}" is not a number`);
  const v = Number(raw);
  const why = countProblem(v);
  if (why) throw new ImportError(`${at}: ${column} ${clip(raw)} ${why}`);
  return v;
}

/** intFromText for field `col` of a row, with a fast path for plain digits. */
export function intField(name: string, row: RowCursor, col: number, column: string): number {
  const v = row.digits(col);
  return v >= 0 ? v : intFromText(name, row.line, row.field(col), column);
}

/** Text from the file for a message: clipped to `n` characters, control characters escaped (one line). */
export function clip(s: string, n = 24): string {
  return printable(s, n);
}

export function findColumn(header: string[], aliases: readonly string[]): number {
  const lower = header.map((h) => h.toLowerCase());
  for (const a of aliases) {
    const i = lower.indexOf(a);
    if (i >= 0) return i;
  }
  return -1;
}

/** A pandas index written by DataFrame.to_csv (no name, "Unnamed: 0") or an explicit "index" column. */
export const isIndexColumn = (lowerName: string) =>
  lowerName === '' || lowerName === 'index' || /^unnamed: \d+$/.test(lowerName);

export const LAYER_COLUMNS = ['layer_id', 'layer', 'layer_idx'] as const;
export const EXPERT_COLUMNS = ['expert_id', 'expert', 'expert_idx'] as const;
export const COUNT_COLUMNS = ['count', 'counts', 'tokens_per_expert'] as const;
export const TOKEN_COLUMNS = ['token', 'token_id', 'token_idx'] as const;
export const IDS_COLUMNS = ['expert_ids', 'experts', 'topk_ids', 'topk_expert_ids'] as const;
export const WEIGHT_COLUMNS = ['weights', 'expert_weights', 'topk_weights'] as const;

export function checkExperts(name: string, experts: number | undefined): void {
  if (experts !== undefined && !(Number.isInteger(experts) && experts >= 1 && experts <= MAX_IMPORT_EXPERTS))
    throw new ImportError(
      `${name}: the expert count ${experts} must be a whole number from 1 to ${MAX_IMPORT_EXPERTS}`,
    );
}

export function checkLayers(name: string, layers: number | undefined): void {
  const why = layers === undefined ? undefined : layerCountProblem(layers);
  if (why) throw new ImportError(`${name}: ${why}`);
}

/** Why a number that is finite in float64 is refused: float32 (what the GPU reads) cannot hold it. */
export const finiteHint = (n: unknown) =>
  typeof n === 'number' && Number.isFinite(n) ? ' (float32 holds at most ±3.4e38)' : '';
