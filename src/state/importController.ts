/**
 * The import panel's orchestration: a previewed recorded load (count table, per-token choices or router logits)
 * becomes the app's load. The scenario takes the recorded model's shape first, so the load and the projection
 * describe the same model; then a count table (and per-token choices) becomes the cost model's imported
 * profile, and choices and logits replay through the kernels from the gate onward as a stream.
 */
import { importToLoadProfile, toLoadProfile } from '../costmodel';
import { applyModelPreset, type Scenario } from '../scenario';
import { importedSource, type StreamResult } from '../stream';
import {
  type ImportedData,
  type ImportSummary,
  layerConfigFromScenario,
  type TracePreset,
} from '../workload';
import { useAppStore } from './store';
import { runStreamNow } from './streamController';

/** What the panel hands over: the previewed data, its summary, and the trace preset it came from (if any). */
export interface ImportRequest {
  /** The file's name (the profile's label when there is no preset). */
  name: string;
  data: ImportedData;
  summary: Pick<ImportSummary, 'topK'>;
  preset?: TracePreset;
}

/**
 * The scenario rewritten to the recorded model's shape: the preset's model applied first (when the load came
 * from a trace preset), then the data's experts and top-k (top-k from the file, else the preset, else the
 * scenario's own, at most the experts); grouped routing is turned off when the shape changes.
 */
export function importedScenario(
  scenario: Scenario,
  req: Pick<ImportRequest, 'data' | 'summary' | 'preset'>,
): { scenario: Scenario; topK: number } {
  let s = scenario;
  if (req.preset) s = applyModelPreset(s, req.preset.modelPresetId);
  const topK = req.summary.topK ?? req.preset?.topK ?? Math.min(s.topK, req.data.experts);
  if (s.experts !== req.data.experts || s.topK !== topK)
    s = { ...s, experts: req.data.experts, topK, groups: 1, topGroups: 1 };
  return { scenario: s, topK };
}

/**
 * Use a recorded load: rewrite the scenario, then set the imported load profile (count tables, token choices)
 * and, for choices and logits, replay them as a stream (runStreamNow); router logits take their profile from
 * the replayed stream. Throws what reading or replaying threw, and an Error with the stream's message when
 * the replay failed (runStreamNow also keeps it in the stream state); resolves with the stream, if one ran.
 */
export async function applyImportedLoad(req: ImportRequest): Promise<StreamResult | null> {
  const store = useAppStore.getState();
  const { scenario: s, topK } = importedScenario(store.scenario, req);
  store.replaceScenario(s);
  const { data } = req;
  const label = req.preset?.name ?? req.name;
  if (data.format === 'count-table') {
    store.setImported(importToLoadProfile(data, { topK, label }));
    return null;
  }
  if (data.format === 'token-choices') store.setImported(importToLoadProfile(data, { label }));
  const cfg = layerConfigFromScenario(s);
  const stream = await runStreamNow({ source: importedSource(s, cfg, data) });
  const streamState = useAppStore.getState().streamState;
  if (!stream && streamState.status === 'error') throw new Error(streamState.message);
  if (stream && data.format === 'router-logits') useAppStore.getState().setImported(toLoadProfile(stream));
  return stream;
}
