/**
 * Expert-count tables from files: SGLang's expert-distribution CSV (`layer_id,expert_id,count`, optionally with
 * extra leading columns such as model/dataset, chosen with a filter) and .npy arrays of shape [E] or [L, E].
 * Every malformed input is refused with one line naming the problem.
 */

import type { NpyArray } from '../workload/npy';

export interface CountTable {
  /** counts[i][e] for the i-th layer present (ascending layer id). */
  counts: number[][];
  layerIds: number[];
  experts: number;
  /** The extra columns' values that were selected (empty when there were none). */
  selected: Record<string, string>;
}

const REQUIRED = ['layer_id', 'expert_id', 'count'] as const;

/** Parse "a=b,c=d" into a filter. */
export function parseFilter(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--filter "${part}" is not column=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function splitLine(line: string): string[] {
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

export function parseCountsCsv(
  text: string,
  filter: Record<string, string> = {},
  name = 'counts',
): CountTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`${name}: no data rows`);
  const header = splitLine(lines[0]);
  const col = (c: string) => header.indexOf(c);
  const missing = REQUIRED.filter((c) => col(c) < 0);
  if (missing.length) {
    throw new Error(
      `${name}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${header.join(',')})`,
    );
  }
  for (const f of Object.keys(filter)) {
    if (col(f) < 0)
      throw new Error(`${name}: --filter column "${f}" is not in the header (${header.join(',')})`);
  }
  const extra = header.filter((c) => !(REQUIRED as readonly string[]).includes(c));
  const iL = col('layer_id');
  const iE = col('expert_id');
  const iC = col('count');
  const groups = new Map<string, number>();
  const cells = new Map<number, Map<number, number>>();
  let maxExpert = -1;
  let groupKey: string | undefined;
  let groupValues: Record<string, string> = {};
  for (let n = 1; n < lines.length; n++) {
    const row = splitLine(lines[n]);
    if (row.length !== header.length) {
      throw new Error(`${name}, line ${n + 1}: ${row.length} fields, the header has ${header.length}`);
    }
    if (Object.entries(filter).some(([c, v]) => row[col(c)] !== v)) continue;
    const key = extra.map((c) => `${c}=${row[col(c)]}`).join(',');
    groups.set(key, (groups.get(key) ?? 0) + 1);
    if (groupKey === undefined) {
      groupKey = key;
      groupValues = Object.fromEntries(extra.map((c) => [c, row[col(c)]]));
    }
    if (groups.size > 1) {
      const list = [...groups.keys()].slice(0, 3).join('; ');
      throw new Error(
        `${name}: rows from several groups (${list}…); choose one with --filter, e.g. --filter ${[...groups.keys()][0]}`,
      );
    }
    const num = (i: number, what: string): number => {
      const v = row[i];
      const x = v === '' ? Number.NaN : Number(v);
      if (!Number.isFinite(x)) throw new Error(`${name}, line ${n + 1}: ${what} "${v}" is not a number`);
      if (x < 0) throw new Error(`${name}, line ${n + 1}: ${what} ${v} is negative`);
      return x;
    };
    const layer = num(iL, 'layer_id');
    const expert = num(iE, 'expert_id');
    const count = num(iC, 'count');
    if (!Number.isInteger(layer) || !Number.isInteger(expert)) {
      throw new Error(`${name}, line ${n + 1}: layer_id and expert_id must be integers`);
    }
    if (expert > 65535) throw new Error(`${name}, line ${n + 1}: expert_id ${expert} is implausibly large`);
    let m = cells.get(layer);
    if (!m) {
      m = new Map();
      cells.set(layer, m);
    }
    if (m.has(expert))
      throw new Error(`${name}, line ${n + 1}: a second row for layer ${layer}, expert ${expert}`);
    m.set(expert, count);
    maxExpert = Math.max(maxExpert, expert);
  }
  if (cells.size === 0) {
    throw new Error(`${name}: no rows${Object.keys(filter).length ? ' match the filter' : ''}`);
  }
  const layerIds = [...cells.keys()].sort((a, b) => a - b);
  const E = maxExpert + 1;
  const counts = layerIds.map((l) => {
    const row = new Array<number>(E).fill(0);
    for (const [e, c] of cells.get(l) ?? []) row[e] = c;
    return row;
  });
  return { counts, layerIds, experts: E, selected: groupValues };
}

/** Counts from a .npy of shape [E] (one layer) or [L, E], int32 or float32. */
export function countsFromNpy(a: NpyArray, name = 'counts'): CountTable {
  if (a.dtype === 'uint8') {
    throw new Error(
      `${name}: uint8 looks like a routing trace (expert ids); counts must be int32 or float32 [E] or [L, E]`,
    );
  }
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    throw new Error(`${name}: shape [${a.shape.join(', ')}] is not [E] or [L, E]`);
  }
  const L = a.shape.length === 1 ? 1 : a.shape[0];
  const E = a.shape[a.shape.length - 1];
  if (L === 0 || E === 0) throw new Error(`${name}: empty array`);
  const counts: number[][] = [];
  for (let l = 0; l < L; l++) {
    const row = Array.from(a.data.subarray(l * E, (l + 1) * E));
    row.forEach((c, e) => {
      if (!Number.isFinite(c) || c < 0)
        throw new Error(`${name}: layer ${l}, expert ${e}: count ${c} is not a non-negative number`);
    });
    counts.push(row);
  }
  return { counts, layerIds: counts.map((_, i) => i), experts: E, selected: {} };
}
