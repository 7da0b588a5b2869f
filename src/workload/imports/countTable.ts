/**
 * (a) Count tables: SGLang's expert-distribution CSV (`layer_id,expert_id,count`) and tables like it with extra
 * filter columns, streamed over the text into counts per layer.
 */

import {
  ALL_ZERO_COUNTS,
  layerIdProblem,
  MAX_COUNT,
  MAX_IMPORT_EXPERTS,
  zeroLayersNote,
  zeroRows,
} from '../input';
import type { CsvFile } from './csv';
import {
  COUNT_COLUMNS,
  checkExperts,
  checkLayers,
  clip,
  EXPERT_COLUMNS,
  findColumn,
  intField,
  isIndexColumn,
  LAYER_COLUMNS,
  NUMBER,
} from './fields';
import {
  type CountTable,
  type FilterColumn,
  ImportError,
  type ImportOptions,
  MAX_COUNT_CELLS,
  PREVIEW_ROWS,
} from './types';

function tooManyCells(
  name: string,
  at: string,
  layers: number,
  experts: number,
  soFar: boolean,
): ImportError {
  return new ImportError(
    `${name}${at}: ${layers} layers × ${experts} experts${soFar ? ' so far' : ''} is more than ` +
      `${MAX_COUNT_CELLS} counts; a count table holds at most that many`,
  );
}

/** Counts of one layer while a table is read: grown as expert ids appear, with the section that wrote each. */
interface LayerCounts {
  counts: Float64Array;
  /** Section of the last row for each expert (-1: none), to find a pair repeated within one dump. */
  section: Int32Array;
}

/** Room for expert ids up to `expert` (and at least `width`: layers mostly have the same experts). */
function growLayer(acc: LayerCounts, expert: number, width: number, limit: number): void {
  const size = Math.min(limit, Math.max(expert + 1, width, acc.counts.length * 2, 16));
  const counts = new Float64Array(size);
  const section = new Int32Array(size).fill(-1);
  counts.set(acc.counts);
  section.set(acc.section);
  acc.counts = counts;
  acc.section = section;
}

/**
 * A count table, streamed over the text: one pass for the row count, field counts, sections, preview and which extra
 * columns are numeric, one for the filter columns' values (when there are any), one that adds the selected rows'
 * counts into typed arrays per layer. Memory: the text plus the counts, whatever the number of rows.
 */
export function parseCountTable(name: string, file: CsvFile, opts: ImportOptions): CountTable {
  const { header } = file;
  const li = findColumn(header, LAYER_COLUMNS);
  const ei = findColumn(header, EXPERT_COLUMNS);
  const ci = findColumn(header, COUNT_COLUMNS);
  const lower = header.map((h) => h.toLowerCase());
  const lastRequired = Math.max(li, ei, ci);
  const extra = header.map((_, i) => i).filter((i) => i !== li && i !== ei && i !== ci);
  // Extra columns after the required ones that may hold per-row numbers (ratio, share, count_top1).
  const maybeNumeric = extra.filter((c) => !isIndexColumn(lower[c]) && c > lastRequired);
  const numeric = maybeNumeric.map(() => true);

  // Pass 1: everything that does not depend on the selection.
  let rows = 0;
  let sections = 0;
  let lastSection = -1;
  let mismatch: { line: number; size: number } | undefined;
  const firstRows: string[][] = [];
  const scan = file.rows();
  while (scan.next()) {
    rows++;
    if (scan.section !== lastSection) {
      sections++;
      lastSection = scan.section;
    }
    if (firstRows.length < PREVIEW_ROWS) firstRows.push(scan.all().map((f) => f.trim()));
    if (mismatch) continue;
    if (scan.size !== header.length) mismatch = { line: scan.line, size: scan.size };
    for (let k = 0; k < maybeNumeric.length; k++)
      if (numeric[k] && !NUMBER.test(scan.field(maybeNumeric[k]).trim())) numeric[k] = false;
  }
  if (rows === 0) throw new ImportError(`${name}: the file has a header but no data rows`);
  const missing = [li < 0 && 'layer_id', ei < 0 && 'expert_id', ci < 0 && 'count'].filter(Boolean);
  if (missing.length) {
    throw new ImportError(
      `${name}: a count table needs columns layer_id, expert_id and count; missing ${missing.join(', ')} ` +
        `(header: ${clip(header.join(','), 80)})`,
    );
  }
  const named = lower.filter((h) => !isIndexColumn(h));
  if (new Set(named).size !== named.length)
    throw new ImportError(`${name}: the header repeats a column name (${clip(header.join(','), 120)})`);
  if (mismatch) {
    throw new ImportError(
      `${name} line ${mismatch.line}: ${mismatch.size} fields, but the header has ${header.length} columns`,
    );
  }
  const notes: string[] = [];
  // Extra columns are filters (model, dataset, run, …), except a pandas index (no name, "Unnamed: 0", "index") and
  // numeric columns after the required ones (ratio, share, count_top1: per-row data, not a run label).
  const ignored = extra.filter(
    (c) => isIndexColumn(lower[c]) || (maybeNumeric.includes(c) && numeric[maybeNumeric.indexOf(c)]),
  );
  if (ignored.length) {
    notes.push(
      `Ignored column${ignored.length > 1 ? 's' : ''} ${ignored.map((c) => (header[c] ? `"${clip(header[c], 40)}"` : `${c + 1} (no name)`)).join(', ')} ` +
        '(a row index or per-row numbers, not a run label).',
    );
  }
  const filterCols = extra.filter((c) => !ignored.includes(c));
  const filters: FilterColumn[] = filterCols.map((i) => ({ name: header[i], values: [], selected: '' }));
  const combos = new Map<string, string[]>();
  if (filterCols.length === 0) combos.set('[]', []);
  else {
    // Pass 2: the filter columns' distinct values and combinations (consecutive rows mostly share them).
    const seen = filterCols.map(() => new Set<string>());
    let previous: string[] = [];
    const pass = file.rows();
    while (pass.next()) {
      const combo = filterCols.map((c) => pass.field(c).trim());
      if (combo.every((v, k) => v === previous[k])) continue;
      previous = combo;
      combo.forEach((v, k) => {
        if (!seen[k].has(v)) {
          seen[k].add(v);
          filters[k].values.push(v);
        }
      });
      const key = JSON.stringify(combo);
      if (!combos.has(key)) combos.set(key, combo);
    }
  }
  const wanted = opts.filter ?? {};
  for (const key of Object.keys(wanted)) {
    if (!filters.some((f) => f.name === key)) {
      throw new ImportError(
        `${name}: no filter column "${clip(key, 40)}"` +
          (filters.length
            ? ` (filter columns: ${clip(filters.map((f) => f.name).join(', '), 80)})`
            : ' (the table has none)'),
      );
    }
  }
  for (const f of filters) {
    const want = wanted[f.name];
    if (want !== undefined && !f.values.includes(want)) {
      throw new ImportError(
        `${name}: column ${clip(f.name, 40)} has no value "${clip(want)}" (values: ${clip(f.values.join(', '), 80)})`,
      );
    }
  }
  // Columns left unselected take their values from the first combination that fits the selected ones.
  const fits = [...combos.values()].find((c) => filters.every((f, k) => (wanted[f.name] ?? c[k]) === c[k]));
  filters.forEach((f, k) => {
    f.selected = wanted[f.name] ?? fits?.[k] ?? f.values[0];
  });
  const selection = filters.map((f) => `${f.name}=${f.selected}`).join(', ');
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  const expertLimit = opts.experts ?? MAX_IMPORT_EXPERTS;

  // Pass 3: the selected rows' counts, added up per layer.
  const perLayer = new Map<number, LayerCounts>();
  let lastId = -1;
  let last: LayerCounts | undefined;
  let selectedRows = 0;
  let maxExpert = -1;
  const pass = file.rows();
  while (pass.next()) {
    let selected = true;
    for (let k = 0; k < filterCols.length && selected; k++)
      selected = pass.field(filterCols[k]).trim() === filters[k].selected;
    if (!selected) continue;
    selectedRows++;
    const layer = intField(name, pass, li, header[li]);
    const expert = intField(name, pass, ei, header[ei]);
    const count = intField(name, pass, ci, header[ci]);
    const at = `${name} line ${pass.line}`;
    if (opts.experts !== undefined && expert >= opts.experts) {
      throw new ImportError(
        `${at}: expert id ${expert} is outside 0–${opts.experts - 1} (the model has ${opts.experts} experts)`,
      );
    }
    if (expert >= MAX_IMPORT_EXPERTS) throw new ImportError(`${at}: expert id ${expert} is too large`);
    const layerWhy = layerIdProblem(layer, opts.layers);
    if (layerWhy) throw new ImportError(`${at}: ${layerWhy}`);
    if (expert > maxExpert) maxExpert = expert;
    let acc = layer === lastId ? last : perLayer.get(layer);
    if (!acc) {
      acc = { counts: new Float64Array(0), section: new Int32Array(0) };
      perLayer.set(layer, acc);
      if (perLayer.size * (maxExpert + 1) > MAX_COUNT_CELLS)
        throw tooManyCells(name, ` line ${pass.line}`, perLayer.size, maxExpert + 1, true);
    }
    lastId = layer;
    last = acc;
    if (expert >= acc.counts.length) {
      if (perLayer.size * (maxExpert + 1) > MAX_COUNT_CELLS)
        throw tooManyCells(name, ` line ${pass.line}`, perLayer.size, maxExpert + 1, true);
      growLayer(acc, expert, maxExpert + 1, expertLimit);
    }
    if (acc.section[expert] === pass.section) {
      throw new ImportError(
        `${at}: a second row for layer ${layer}, expert ${expert}` +
          (selection ? ` within ${clip(selection, 80)}` : '') +
          ' (one dump has one row per pair; to add up dumps of several ranks, concatenate the files with their ' +
          'header lines, e.g. cat expert_distribution_rank*.csv' +
          (filters.length === 0 ? ', or add a column that tells runs apart' : '') +
          ')',
      );
    }
    acc.section[expert] = pass.section;
    const sum = acc.counts[expert] + count;
    if (sum > MAX_COUNT) {
      throw new ImportError(
        `${at}: the counts of layer ${layer}, expert ${expert} add up to more than ${MAX_COUNT}`,
      );
    }
    acc.counts[expert] = sum;
  }
  if (selectedRows === 0) {
    const list = [...combos.values()].map((c) => c.join('/')).join(', ');
    throw new ImportError(`${name}: no rows for ${clip(selection, 80)} (present: ${clip(list, 120)})`);
  }
  const experts = opts.experts ?? maxExpert + 1;
  const allIds = [...perLayer.keys()].sort((a, b) => a - b);
  if (allIds.length * experts > MAX_COUNT_CELLS) throw tooManyCells(name, '', allIds.length, experts, false);
  const allCounts = allIds.map((l) => {
    const row = new Float64Array(experts);
    const acc = perLayer.get(l) as LayerCounts;
    row.set(acc.counts.subarray(0, experts));
    return row;
  });
  const { layerIds, counts } = withoutZeroLayers(name, allIds, allCounts, notes, selection);
  if (sections > 1) {
    notes.push(
      `The file holds ${sections} dumps one after another (the header line repeats, e.g. one file per rank); ` +
        'their counts were added up.',
    );
  }
  return {
    format: 'count-table',
    name,
    columns: header,
    filters,
    combinations: [...combos.values()],
    rows,
    selectedRows,
    experts,
    layerIds,
    counts,
    firstRows,
    notes,
  };
}

/** Drops layers whose counts are all zero (with a note); refuses a table where every count is zero. */
export function withoutZeroLayers(
  name: string,
  layerIds: number[],
  counts: Float64Array[],
  notes: string[],
  selection = '',
): { layerIds: number[]; counts: Float64Array[] } {
  const zero = zeroRows(counts);
  if (zero.length === 0) return { layerIds, counts };
  if (zero.length === counts.length)
    throw new ImportError(`${name}: ${ALL_ZERO_COUNTS}${selection ? ` (${clip(selection, 80)})` : ''}`);
  notes.push(zeroLayersNote(zero.map((l) => layerIds[l])));
  const drop = new Set(zero);
  return {
    layerIds: layerIds.filter((_, l) => !drop.has(l)),
    counts: counts.filter((_, l) => !drop.has(l)),
  };
}

/**
 * A CountTable from a dense matrix of checked counts per layer (.npy, .pt and serving JSON dumps) (ascending layer ids): all-zero layers dropped with a note, an all-zero
 * table refused (withoutZeroLayers), the first rows of the preview as layer, expert, count.
 */
export function denseCountTable(
  name: string,
  allIds: number[],
  allCounts: Float64Array[],
  experts: number,
  notes: string[],
  source?: string,
): CountTable {
  const { layerIds, counts } = withoutZeroLayers(name, allIds, allCounts, notes);
  const rows = allIds.length * experts;
  return {
    format: 'count-table',
    name,
    ...(source ? { source } : {}),
    columns: ['layer', 'expert', 'count'],
    filters: [],
    combinations: [[]],
    rows,
    selectedRows: rows,
    experts,
    layerIds,
    counts,
    firstRows: Array.from({ length: Math.min(PREVIEW_ROWS, experts) }, (_, e) => [
      String(layerIds[0]),
      String(e),
      String(counts[0][e]),
    ]),
    notes,
  };
}
