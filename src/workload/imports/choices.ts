/**
 * (b) Per-token expert choices from CSV (`token,layer,expert_ids[,weights]`), and the checks and assembly that
 * turn choice records (CSV or JSON) into the TokenChoices layout.
 */

import { layerIdProblem, MAX_IMPORT_EXPERTS } from '../input';
import type { CsvRow } from './csv';
import {
  checkExperts,
  checkLayers,
  clip,
  findColumn,
  finiteHint,
  IDS_COLUMNS,
  intFromText,
  LAYER_COLUMNS,
  NUMBER,
  TOKEN_COLUMNS,
  WEIGHT_COLUMNS,
} from './fields';
import { ImportError, type ImportOptions, MAX_TOP_K, type TokenChoices } from './types';

export interface ChoiceEntry {
  token: number;
  layer: number;
  experts: number[];
  weights?: number[];
  /** Where it came from, for errors: "line 5" or "entry 3". */
  at: string;
}

function splitList(raw: string): string[] {
  return raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(/[\s;,]+/)
    .filter((v) => v !== '');
}

export function choicesFromCsv(name: string, header: string[], rows: CsvRow[]): ChoiceEntry[] {
  const ti = findColumn(header, TOKEN_COLUMNS);
  const li = findColumn(header, LAYER_COLUMNS);
  const xi = findColumn(header, IDS_COLUMNS);
  const wi = findColumn(header, WEIGHT_COLUMNS);
  const missing = [ti < 0 && 'token', li < 0 && 'layer', xi < 0 && 'expert_ids'].filter(Boolean);
  if (missing.length) {
    throw new ImportError(
      `${name}: expert choices need columns token, layer and expert_ids (weights optional); missing ` +
        `${missing.join(', ')} (header: ${clip(header.join(','), 80)})`,
    );
  }
  return rows.map((row) => {
    if (row.fields.length !== header.length) {
      throw new ImportError(
        `${name} line ${row.line}: ${row.fields.length} fields, but the header has ${header.length} columns` +
          ' (separate expert ids with spaces or semicolons, or quote the field)',
      );
    }
    const at = `line ${row.line}`;
    const experts = splitList(row.fields[xi]).map((v) => {
      if (!/^[+-]?\d+$/.test(v)) {
        throw new ImportError(
          `${name} ${at}: expert id "${clip(v)}" is not ${NUMBER.test(v) ? 'a whole number' : 'a number'}`,
        );
      }
      return Number(v);
    });
    const entry: ChoiceEntry = {
      token: intFromText(name, row.line, row.fields[ti] ?? '', header[ti]),
      layer: intFromText(name, row.line, row.fields[li] ?? '', header[li]),
      experts,
      at,
    };
    if (wi >= 0 && row.fields[wi].trim() !== '') {
      entry.weights = splitList(row.fields[wi]).map((v) => {
        if (!NUMBER.test(v)) throw new ImportError(`${name} ${at}: weight "${clip(v)}" is not a number`);
        const w = Number(v);
        if (!Number.isFinite(Math.fround(w)))
          throw new ImportError(`${name} ${at}: weight ${clip(v)} is not a finite number${finiteHint(w)}`);
        return w;
      });
    }
    return entry;
  });
}

export function checkRowIds(
  name: string,
  where: string,
  ids: ArrayLike<number>,
  experts: number | undefined,
): void {
  for (let j = 0; j < ids.length; j++) {
    const e = ids[j];
    if (e < 0) {
      throw new ImportError(
        `${name} ${where}: expert id ${e} is negative (ids count from 0; every token needs k real experts, ` +
          'so padding such as -1 for dropped slots cannot be replayed)',
      );
    }
    if (experts !== undefined && e >= experts) {
      throw new ImportError(
        `${name} ${where}: expert id ${e} is outside 0–${experts - 1} (the model has ${experts} experts)`,
      );
    }
    if (e >= MAX_IMPORT_EXPERTS)
      throw new ImportError(
        `${name} ${where}: expert id ${e} is too large (at most ${MAX_IMPORT_EXPERTS - 1})`,
      );
    for (let i = 0; i < j; i++) {
      if (ids[i] === e) throw new ImportError(`${name} ${where}: expert ${e} is chosen twice by one token`);
    }
  }
}

export function assembleChoices(
  name: string,
  source: 'csv' | 'json',
  entries: ChoiceEntry[],
  opts: ImportOptions,
): TokenChoices {
  checkExperts(name, opts.experts);
  checkLayers(name, opts.layers);
  if (entries.length === 0) throw new ImportError(`${name}: no expert choices in the file`);
  const k = entries[0].experts.length;
  if (k === 0) throw new ImportError(`${name} ${entries[0].at}: no expert ids`);
  if (k > MAX_TOP_K) {
    throw new ImportError(
      `${name} ${entries[0].at}: ${k} expert ids per token; a model routes at most ${MAX_TOP_K} (top-k)`,
    );
  }
  const withWeights = entries[0].weights !== undefined;
  let maxExpert = -1;
  for (const en of entries) {
    if (en.experts.length !== k) {
      throw new ImportError(
        `${name} ${en.at}: ${en.experts.length} expert ids, but the first row has ${k} (every token needs the same k)`,
      );
    }
    if ((en.weights !== undefined) !== withWeights)
      throw new ImportError(`${name} ${en.at}: weights must be given for every row or for none`);
    if (en.weights && en.weights.length !== k)
      throw new ImportError(`${name} ${en.at}: ${en.weights.length} weights for ${k} expert ids`);
    if (en.weights?.some((w) => w < 0)) throw new ImportError(`${name} ${en.at}: a weight is negative`);
    checkRowIds(name, en.at, en.experts, opts.experts);
    const layerWhy = layerIdProblem(en.layer, opts.layers);
    if (layerWhy) throw new ImportError(`${name} ${en.at}: ${layerWhy}`);
    for (const e of en.experts) maxExpert = Math.max(maxExpert, e);
  }
  const tokenIds = [...new Set(entries.map((e) => e.token))].sort((a, b) => a - b);
  const layerIds = [...new Set(entries.map((e) => e.layer))].sort((a, b) => a - b);
  const T = tokenIds.length;
  const L = layerIds.length;
  const tIndex = new Map(tokenIds.map((t, i) => [t, i]));
  const lIndex = new Map(layerIds.map((l, i) => [l, i]));
  const twice = (en: ChoiceEntry) =>
    new ImportError(`${name} ${en.at}: token ${en.token}, layer ${en.layer} appears a second time`);
  const hole = (t: number, l: number) =>
    new ImportError(
      `${name}: token ${tokenIds[t]} has no row for layer ${layerIds[l]} (every token needs a row in every layer)`,
    );
  if (T * L > entries.length) {
    // Some (token, layer) has no row. Found without the T × L grid, which a sparse file would make huge.
    const seen = new Set<number>();
    const perToken = new Int32Array(T);
    for (const en of entries) {
      const t = tIndex.get(en.token) as number;
      const cell = t * L + (lIndex.get(en.layer) as number);
      if (seen.has(cell)) throw twice(en);
      seen.add(cell);
      perToken[t]++;
    }
    const t = perToken.findIndex((n) => n < L);
    throw hole(
      t,
      layerIds.findIndex((_, l) => !seen.has(t * L + l)),
    );
  }
  const ids = new Int32Array(T * L * k);
  const weights = withWeights ? new Float32Array(T * L * k) : undefined;
  const filled = new Uint8Array(T * L);
  for (const en of entries) {
    const cell = (tIndex.get(en.token) as number) * L + (lIndex.get(en.layer) as number);
    if (filled[cell]) throw twice(en);
    filled[cell] = 1;
    ids.set(en.experts, cell * k);
    if (weights && en.weights) weights.set(en.weights, cell * k);
  }
  const empty = filled.indexOf(0);
  if (empty >= 0) throw hole(Math.floor(empty / L), empty % L);
  const experts = opts.experts ?? maxExpert + 1;
  if (k > experts) throw new ImportError(`${name}: ${k} experts per token but only ${experts} experts`);
  const out: TokenChoices = {
    format: 'token-choices',
    name,
    source,
    tokens: T,
    layers: L,
    topK: k,
    experts,
    layerIds,
    tokenIds,
    ids,
  };
  if (weights) out.weights = weights;
  return out;
}
