import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { findModelPreset } from '../scenario';
import { type CountTable, choiceCounts, parseImport, type TokenChoices } from './imports';
import { TRACE_PRESETS, tracePresetUrl } from './tracePresets';

// Hundreds of layer runs per test: generous limits for a shared, loaded machine (each takes ~1 s alone).
vi.setConfig({ testTimeout: 30_000 });

const PUBLIC = resolve(__dirname, '../../public');
const read = (file: string) => new Uint8Array(readFileSync(resolve(PUBLIC, file)));

/** max/mean per layer of a count row. */
function maxOverMean(row: ArrayLike<number>): number {
  let sum = 0;
  let max = 0;
  for (let e = 0; e < row.length; e++) {
    sum += row[e];
    max = Math.max(max, row[e]);
  }
  return (max * row.length) / sum;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('recorded routing presets (public/data/routing, figures from its README)', () => {
  it('lists ids once, with a model preset of the same E and k', () => {
    expect(new Set(TRACE_PRESETS.map((p) => p.id)).size).toBe(TRACE_PRESETS.length);
    expect(TRACE_PRESETS.length).toBe(18);
    for (const p of TRACE_PRESETS) {
      const model = findModelPreset(p.modelPresetId);
      expect(model, p.id).toBeDefined();
      expect([model?.values.experts, model?.values.topK], p.id).toEqual([p.experts, p.topK]);
      expect(
        p.layerIds.every((l) => l < (model?.values.moeLayers ?? 0) + (model?.values.denseLayers ?? 0)),
        p.id,
      ).toBe(true);
      expect(tracePresetUrl(p, '/app')).toBe(`/app/${p.file}`);
    }
  });

  for (const p of TRACE_PRESETS) {
    it(`${p.id}: parses, and every layer sums to tokens × k = ${p.tokens} × ${p.topK}`, () => {
      const data = parseImport(p.file, read(p.file), {
        filter: p.filter,
        experts: p.experts,
        layerIds: p.file.endsWith('.npy') ? p.layerIds : undefined,
      });
      expect(data.format).toBe(p.format);
      expect(data.layerIds).toEqual(p.layerIds);
      expect(data.experts).toBe(p.experts);
      const rows =
        data.format === 'count-table'
          ? data.counts
          : data.layerIds.map((_, l) => choiceCounts(data as TokenChoices, l));
      for (const row of rows) {
        expect(row.length).toBe(p.experts);
        expect(Array.from(row).reduce((a, b) => a + b, 0)).toBe(p.tokens * p.topK);
      }
      if (data.format === 'count-table') {
        // "Every expert appears (0 is written explicitly)."
        expect(data.selectedRows).toBe(p.layerIds.length * p.experts);
      }
    });
  }

  it('OLMoE max/mean per layer spans 2.5 (c4, layer 15) to 7.8 (arxiv, layer 0); Mixtral 1.08 to 1.33', () => {
    const olmoe: [string, number][] = [];
    const mixtral: number[] = [];
    for (const p of TRACE_PRESETS.filter(
      (q) => q.model === 'OLMoE-1B-7B-0924' || q.model.startsWith('Mixtral'),
    )) {
      const t = parseImport(p.file, read(p.file), { filter: p.filter }) as CountTable;
      t.counts.forEach((row, i) => {
        if (p.model.startsWith('Mixtral')) mixtral.push(maxOverMean(row));
        else if (p.dataset !== 'tulu') olmoe.push([`${p.dataset}/${t.layerIds[i]}`, maxOverMean(row)]);
      });
    }
    olmoe.sort((a, b) => a[1] - b[1]);
    expect(olmoe[0][0]).toBe('c4/15');
    expect(olmoe[0][1]).toBeCloseTo(2.5, 1);
    expect(olmoe[olmoe.length - 1][0]).toBe('arxiv/0');
    expect(olmoe[olmoe.length - 1][1]).toBeCloseTo(7.8, 1);
    expect(Math.min(...mixtral)).toBeCloseTo(1.08, 2);
    expect(Math.max(...mixtral)).toBeCloseTo(1.33, 2);
  });

  it('ESFT max/mean over the 26 layers (min–median–max) is as the README states', () => {
    const want: Record<string, number[]> = {
      intent: [2.93, 3.96, 4.68],
      law: [1.95, 3.28, 6.87],
      translation: [4.06, 5.58, 7.69],
    };
    for (const [dataset, [lo, mid, hi]] of Object.entries(want)) {
      const p = TRACE_PRESETS.find((q) => q.id === `esft-lite-${dataset}`);
      if (!p) throw new Error(dataset);
      const t = parseImport(p.file, read(p.file), { filter: p.filter }) as CountTable;
      const m = t.counts.map(maxOverMean);
      expect(Math.min(...m)).toBeCloseTo(lo, 2);
      expect(median(m)).toBeCloseTo(mid, 2);
      expect(Math.max(...m)).toBeCloseTo(hi, 2);
    }
  });

  it('the SGLang dump equals the translation rows, and the law trace recounts to the law rows', () => {
    const find = (id: string) => TRACE_PRESETS.find((q) => q.id === id) ?? (null as never);
    const table = (id: string) => {
      const p = find(id);
      return parseImport(p.file, read(p.file), { filter: p.filter }) as CountTable;
    };
    expect(table('esft-lite-translation-sglang').counts).toEqual(table('esft-lite-translation').counts);
    const law = table('esft-lite-law');
    const p = find('esft-lite-law-trace');
    const trace = parseImport(p.file, read(p.file), { layerIds: p.layerIds }) as TokenChoices;
    expect([trace.tokens, trace.layers, trace.topK]).toEqual([8327, 26, 6]);
    trace.layerIds.forEach((id, l) => {
      expect(Array.from(choiceCounts(trace, l))).toEqual(Array.from(law.counts[law.layerIds.indexOf(id)]));
    });
    // The 33 sequence lengths of the README sum to the trace's tokens.
    const lengths = [
      211, 238, 260, 228, 269, 136, 216, 277, 185, 164, 273, 226, 275, 161, 366, 187, 580, 211, 204, 212, 351,
      126, 440, 215, 125, 327, 358, 204, 233, 238, 221, 138, 472,
    ];
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(8327);
  });

  it('the public copies are byte-identical to the shared data when it is present', () => {
    const shared = resolve(PUBLIC, '../../shared/data/routing');
    for (const file of new Set(TRACE_PRESETS.map((p) => p.file))) {
      let original: Uint8Array;
      try {
        original = new Uint8Array(readFileSync(resolve(shared, file.split('/').pop() as string)));
      } catch {
        continue;
      }
      expect(Buffer.compare(read(file), original), file).toBe(0);
    }
  });
});
