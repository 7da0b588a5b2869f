import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyModelPreset, defaultScenario } from '../scenario';
import { findTracePreset, type ImportPreview, importedCounts, previewImport } from '../workload';
import {
  applyImportedLoad,
  importedScenario,
  importFailure,
  previewLoaded,
  readImportFile,
} from './importController';
import { useAppStore } from './store';

function ok(p: ImportPreview): Extract<ImportPreview, { ok: true }> {
  if (!p.ok) throw new Error(p.error);
  return p;
}

const csv = (text: string) => new TextEncoder().encode(text);

describe('applyImportedLoad (the import panel, without React)', () => {
  beforeEach(() => {
    useAppStore
      .getState()
      .replaceScenario({ ...defaultScenario(), experts: 16, topK: 2, groups: 4, topGroups: 2 });
    useAppStore.getState().setImported(null);
  });

  it('a preset count table: the preset model, its experts and top-k, and the imported profile', async () => {
    const preset = findTracePreset('esft-lite-translation-sglang')!;
    const bytes = new Uint8Array(readFileSync(new URL(`../../public/${preset.file}`, import.meta.url)));
    const p = ok(
      previewImport('dump.csv', bytes, {
        experts: preset.experts,
        layerIds: preset.layerIds,
        topK: preset.topK,
      }),
    );
    if (p.data.format !== 'count-table') throw new Error(`expected a count table, got ${p.data.format}`);
    const before = useAppStore.getState().scenario;
    const stream = await applyImportedLoad({ name: 'dump.csv', data: p.data, summary: p.summary, preset });
    expect(stream).toBeNull(); // a count table sets the profile; nothing replays
    const { scenario, imported } = useAppStore.getState();
    const modelled = applyModelPreset(before, preset.modelPresetId);
    expect(modelled.dModel).not.toBe(before.dModel); // the preset changes the model, so the check below bites
    expect(scenario.dModel).toBe(modelled.dModel);
    expect(scenario.experts).toBe(64);
    expect(scenario.topK).toBe(6);
    expect(imported).not.toBeNull();
    expect(imported!.label).toBe(preset.name);
    expect(imported!.source).toBe('imported');
    expect(imported!.topK).toBe(6);
    const { counts } = importedCounts(p.data);
    expect(imported!.layers.map((l) => Array.from(l.counts))).toEqual(counts.map((c) => Array.from(c)));
  });

  it('a plain count table: experts from the data, top-k kept (capped), grouping off, labelled by file', async () => {
    const p = ok(
      previewImport('mine.csv', csv('layer_id,expert_id,count\n0,0,5\n0,1,1\n0,2,0\n0,3,2\n'), {}),
    );
    expect(p.summary.topK).toBeNull();
    await applyImportedLoad({ name: 'mine.csv', data: p.data, summary: p.summary });
    const { scenario, imported } = useAppStore.getState();
    expect(scenario.experts).toBe(4);
    expect(scenario.topK).toBe(2);
    expect([scenario.groups, scenario.topGroups]).toEqual([1, 1]);
    expect(scenario.dModel).toBe(defaultScenario().dModel);
    expect(imported!.label).toBe('mine.csv');
    expect(Array.from(imported!.layers[0].counts)).toEqual([5, 1, 0, 2]);
  });

  it('keeps the scenario as it is when the data already has its shape', () => {
    const s = { ...defaultScenario(), experts: 4, topK: 2, groups: 2, topGroups: 1 };
    const p = ok(
      previewImport('mine.csv', csv('layer_id,expert_id,count\n0,0,5\n0,1,1\n0,2,0\n0,3,2\n'), {}),
    );
    expect(importedScenario(s, { data: p.data, summary: p.summary })).toEqual({ scenario: s, topK: 2 });
    const capped = importedScenario({ ...s, experts: 16, topK: 8 }, { data: p.data, summary: p.summary });
    expect([capped.scenario.experts, capped.topK]).toEqual([4, 4]);
  });
});

describe('reading and previewing a file (the panel, without React)', () => {
  it('refuses an empty file and one past its format limit before reading it', async () => {
    await expect(readImportFile(new File([], 'empty.csv'))).rejects.toThrow(/empty\.csv: the file is empty/);
    // A Blob that claims 65 MiB: text is refused, the same size as .npy is within the binary limit.
    const big = (name: string) =>
      ({ name, size: 65 * 2 ** 20, arrayBuffer: async () => new ArrayBuffer(1) }) as unknown as File;
    await expect(readImportFile(big('counts.csv'))).rejects.toThrow(/counts\.csv: the file is 65\.0 MiB/);
    await expect(readImportFile(big('ids.npy'))).resolves.toMatchObject({ name: 'ids.npy', options: {} });
  });

  it('previews a file, and turns whatever a reader throws into one line naming the file', async () => {
    const loaded = await readImportFile(new File(['layer_id,expert_id,count\n0,0,3\n0,1,5\n'], 'c.csv'));
    const p = previewLoaded(loaded);
    expect(p.ok && p.summary.experts).toBe(2);
    const bad = previewLoaded({ ...loaded, bytes: csv('layer_id,expert_id,count\n0,0,NaN\n') });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^c\.csv line 2: .*NaN/);
    expect(importFailure(new RangeError('Maximum call stack size exceeded\n  at x'))).toBe(
      'the file is nested too deeply to read',
    );
    expect(importFailure(new RangeError('Invalid typed array length: 1e12'))).toBe(
      'the file describes an array too large to hold in memory',
    );
    expect(importFailure('x'.repeat(1000))).toHaveLength(301);
  });
});
