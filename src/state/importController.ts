/**
 * The import panel's orchestration: a file or a trace preset is read (size-checked before a byte is read) and
 * previewed, and a previewed recorded load (count table, per-token choices or router logits) becomes the app's load. The scenario takes the recorded model's shape first, so the load and the projection
 * describe the same model; then a count table (and per-token choices) becomes the cost model's imported
 * profile, and choices and logits replay through the kernels from the gate onward as a stream.
 */
import { importToLoadProfile, toLoadProfile } from '../costmodel';
import { applyModelPreset, type Scenario } from '../scenario';
import { importedSource, type StreamResult } from '../stream';
import {
  checkInputSize,
  type ImportedData,
  type ImportOptions,
  type ImportPreview,
  type ImportSummary,
  importKindOf,
  layerConfigFromScenario,
  previewImport,
  TRACE_PRESETS,
  type TracePreset,
  tracePresetUrl,
} from '../workload';
import { useAppStore } from './store';
import { runStreamNow } from './streamController';

/** A file (or trace preset) read and waiting for its preview: bytes, and the reading options a person can change. */
export interface LoadedImport {
  name: string;
  bytes: Uint8Array;
  preset?: TracePreset;
  options: ImportOptions;
}

/** Longest message the panel shows; a hostile file may put anything in an error message. */
const MAX_MESSAGE_CHARS = 300;

/**
 * One clear line for whatever reading or replaying a file threw: engine errors from hostile files (a stack
 * overflow from deep nesting, an impossible array length) are said in words, and only the first line is kept.
 */
export function importFailure(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  text = text
    .replace(/Maximum call stack size exceeded|too much recursion/gi, 'the file is nested too deeply to read')
    .replace(
      /Invalid typed array length[^\n]*|Invalid array length|Array buffer allocation failed/gi,
      'the file describes an array too large to hold in memory',
    );
  const line = text.split('\n', 1)[0].trim() || 'the file could not be read';
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}

/** A person's file, refused before a byte is read when it is empty or larger than its format may be. */
export async function readImportFile(file: Blob & { name: string }): Promise<LoadedImport> {
  checkInputSize(file.name, file.size, importKindOf(file.name));
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), options: {} };
}

/** A trace preset's file fetched from the app's own data folder (`baseUrl`: the app's base URL), with its options. */
export async function fetchTracePreset(id: string, baseUrl: string): Promise<LoadedImport | null> {
  const preset = TRACE_PRESETS.find((p) => p.id === id);
  if (!preset) return null;
  const res = await fetch(tracePresetUrl(preset, baseUrl));
  if (!res.ok) throw new Error(`could not fetch ${preset.file} (HTTP ${res.status})`);
  return {
    name: preset.file.split('/').pop() ?? preset.file,
    bytes: new Uint8Array(await res.arrayBuffer()),
    preset,
    options: { filter: preset.filter, experts: preset.experts, layerIds: preset.layerIds, topK: preset.topK },
  };
}

/** previewImport, with anything it throws (it should not) turned into a failed preview of one clear line. */
export function previewLoaded(loaded: LoadedImport): ImportPreview {
  try {
    const p = previewImport(loaded.name, loaded.bytes, loaded.options);
    return p.ok ? p : { ok: false, error: importFailure(p.error) };
  } catch (err) {
    return { ok: false, error: `${loaded.name}: ${importFailure(err)}` };
  }
}

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
