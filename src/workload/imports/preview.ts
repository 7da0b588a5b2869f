/** Previews: a parsed import summarised (load per layer, first rows, notes) for the import dialog to show. */

import { InputError } from '../input';
import { parseImport } from './parse';
import { choiceCounts } from './replay';
import { sizeOf } from './text';
import {
  type FilterColumn,
  IMPORT_FORMAT_LABELS,
  type ImportedData,
  type ImportFormat,
  type ImportOptions,
  PREVIEW_ROWS,
} from './types';

export interface LayerLoadSummary {
  layerId: number;
  /** Σ c_e (token-slot assignments). */
  total: number;
  max: number;
  mean: number;
  maxOverMean: number;
}

export interface ImportSummary {
  format: ImportFormat;
  formatLabel: string;
  name: string;
  bytes: number;
  layers: number;
  layerIds: number[];
  experts: number;
  /** Tokens per layer (count tables: Σ counts / k when k is known, else null). */
  tokens: number | null;
  topK: number | null;
  /** Column names (or field names) and the first rows, as text. */
  header: string[];
  firstRows: string[][];
  /** Load per layer: for logits, from plain top-k of the logits (k = options.topK, default 1). */
  perLayer: LayerLoadSummary[];
  filters: FilterColumn[];
  notes: string[];
}

export type ImportPreview =
  | { ok: true; data: ImportedData; summary: ImportSummary }
  | { ok: false; error: string };

function loadSummary(layerId: number, counts: ArrayLike<number>): LayerLoadSummary {
  let total = 0;
  let max = 0;
  for (let e = 0; e < counts.length; e++) {
    total += counts[e];
    max = Math.max(max, counts[e]);
  }
  const mean = counts.length ? total / counts.length : 0;
  return { layerId, total, max, mean, maxOverMean: mean > 0 ? max / mean : 1 };
}

/** Plain top-k of logits (ties toward the lower index) counted per expert: softmax and sigmoid keep the order. */
function logitCounts(logits: Float32Array, T: number, E: number, k: number): Int32Array {
  const counts = new Int32Array(E);
  const kk = Math.max(1, Math.min(k, E));
  const idx = new Int32Array(kk);
  for (let t = 0; t < T; t++) {
    let found = 0;
    for (let e = 0; e < E; e++) {
      const v = logits[t * E + e];
      if (found === kk && !(v > logits[t * E + idx[kk - 1]])) continue;
      let p = found < kk ? found : kk - 1;
      while (p > 0 && v > logits[t * E + idx[p - 1]]) {
        idx[p] = idx[p - 1];
        p--;
      }
      idx[p] = e;
      if (found < kk) found++;
    }
    for (let j = 0; j < kk; j++) counts[idx[j]]++;
  }
  return counts;
}

/** Summary of a parsed import for the UI to show before it is used. */
export function summarizeImport(data: ImportedData, bytes: number, opts: ImportOptions = {}): ImportSummary {
  const notes: string[] = [...(data.notes ?? [])];
  const base = {
    format: data.format,
    formatLabel: IMPORT_FORMAT_LABELS[data.format],
    name: data.name,
    bytes,
    layerIds: data.layerIds,
    experts: data.experts,
  };
  if (data.format === 'count-table') {
    const perLayer = data.layerIds.map((l, i) => loadSummary(l, data.counts[i]));
    const k = opts.topK ?? null;
    const totals = new Set(perLayer.map((p) => p.total));
    if (totals.size > 1) notes.push('Layers have different totals (a partial dump, or dropped tokens).');
    if (data.filters.length) {
      notes.push(
        `Selected ${data.filters.map((f) => `${f.name} = ${f.selected}`).join(', ')} ` +
          `(${data.selectedRows} of ${data.rows} rows).`,
      );
    }
    return {
      ...base,
      layers: data.layerIds.length,
      tokens: k && perLayer.length ? perLayer[0].total / k : null,
      topK: k,
      header: data.columns,
      firstRows: data.firstRows,
      perLayer,
      filters: data.filters,
      notes,
    };
  }
  if (data.format === 'token-choices') {
    const perLayer = data.layerIds.map((l, i) => loadSummary(l, choiceCounts(data, i)));
    const firstRows: string[][] = [];
    for (let t = 0; t < Math.min(PREVIEW_ROWS, data.tokens); t++) {
      const at = t * data.layers * data.topK;
      const row = [
        String(data.tokenIds?.[t] ?? t),
        String(data.layerIds[0]),
        Array.from(data.ids.subarray(at, at + data.topK)).join(' '),
      ];
      if (data.weights)
        row.push(Array.from(data.weights.subarray(at, at + data.topK), (w) => w.toPrecision(3)).join(' '));
      firstRows.push(row);
    }
    notes.push(
      'Replayed through dispatch, expert FFN and combine with logits that make the gate pick exactly these experts.',
    );
    return {
      ...base,
      layers: data.layers,
      tokens: data.tokens,
      topK: data.topK,
      header: data.weights ? ['token', 'layer', 'expert_ids', 'weights'] : ['token', 'layer', 'expert_ids'],
      firstRows,
      perLayer,
      filters: [],
      notes,
    };
  }
  const k = opts.topK ?? 1;
  const perLayer = data.logits.map((lg, l) =>
    loadSummary(data.layerIds[l], logitCounts(lg, data.tokens, data.experts, k)),
  );
  notes.push(
    `Load previewed with plain top-${k} of the logits; a run applies the scenario's gate (bias, groups, capacity).`,
  );
  const shown = Math.min(data.experts, 8);
  const firstRows: string[][] = [];
  for (let t = 0; t < Math.min(PREVIEW_ROWS, data.tokens); t++) {
    firstRows.push([
      String(t),
      ...Array.from(data.logits[0].subarray(t * data.experts, t * data.experts + shown), (v) => v.toFixed(3)),
    ]);
  }
  return {
    ...base,
    layers: data.layers,
    tokens: data.tokens,
    topK: null,
    header: [
      'token',
      ...Array.from({ length: shown }, (_, e) => `e${e}`),
      ...(data.experts > shown ? ['…'] : []),
    ],
    firstRows,
    perLayer,
    filters: [],
    notes,
  };
}

/** Parse and summarise in one call, never throwing: what the import dialog shows before the data is used. */
export function previewImport(
  name: string,
  input: Uint8Array | string,
  opts: ImportOptions = {},
): ImportPreview {
  try {
    const data = parseImport(name, input, opts);
    return { ok: true, data, summary: summarizeImport(data, sizeOf(input), opts) };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, error: err.message };
    return { ok: false, error: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
