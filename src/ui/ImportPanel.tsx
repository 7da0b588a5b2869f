import { useMemo, useState } from 'react';
import { loadMetrics } from '../metrics';
import { applyImportedLoad, useAppStore } from '../state';
import {
  checkInputSize,
  type ImportOptions,
  type ImportPreview,
  importKindOf,
  previewImport,
  TRACE_PRESETS,
  type TracePreset,
  tracePresetUrl,
} from '../workload';
import { Heatmap } from './charts/Heatmap';
import { fmt } from './format';

interface Loaded {
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

/** previewImport, with anything it throws (it should not) turned into a failed preview. */
function safePreview(loaded: Loaded): ImportPreview {
  try {
    const p = previewImport(loaded.name, loaded.bytes, loaded.options);
    return p.ok ? p : { ok: false, error: importFailure(p.error) };
  } catch (err) {
    return { ok: false, error: `${loaded.name}: ${importFailure(err)}` };
  }
}

/** Bring a load recorded from a real model: a count table, per-token choices, or router logits. Preview first. */
export function ImportPanel() {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const imported = useAppStore((s) => s.imported);
  const preview: ImportPreview | null = useMemo(() => (loaded ? safePreview(loaded) : null), [loaded]);

  const readFile = async (file: File) => {
    setError(null);
    try {
      // Refused before a byte is read: empty, or larger than an imported file of its kind may be (.npy and .pt
      // are read as raw tensors and may be larger than text; parseImport holds text to the text limit anyway).
      checkInputSize(file.name, file.size, importKindOf(file.name));
      setLoaded({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), options: {} });
    } catch (err) {
      setLoaded(null);
      setError(importFailure(err));
    }
  };

  const readPreset = async (id: string) => {
    const preset = TRACE_PRESETS.find((p) => p.id === id);
    if (!preset) return;
    setError(null);
    setBusy(true);
    try {
      const res = await fetch(tracePresetUrl(preset, import.meta.env.BASE_URL));
      if (!res.ok) throw new Error(`could not fetch ${preset.file} (HTTP ${res.status})`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      setLoaded({
        name: preset.file.split('/').pop() ?? preset.file,
        bytes,
        preset,
        options: {
          filter: preset.filter,
          experts: preset.experts,
          layerIds: preset.layerIds,
          topK: preset.topK,
        },
      });
    } catch (err) {
      setError(importFailure(err));
    } finally {
      setBusy(false);
    }
  };

  const use = async () => {
    if (!preview?.ok || !loaded) return;
    setError(null);
    try {
      // The orchestration (scenario rewrite, imported profile, stream replay) lives in src/state.
      await applyImportedLoad({
        name: loaded.name,
        data: preview.data,
        summary: preview.summary,
        preset: loaded.preset,
      });
    } catch (err) {
      setError(importFailure(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="import-title" data-testid="import">
      <h2 id="import-title">Bring a recorded load</h2>
      <div className="import-row">
        <div className="param">
          <label htmlFor="trace-preset">Recorded from a real model</label>
          <select
            id="trace-preset"
            value=""
            onChange={(e) => void readPreset(e.target.value)}
            disabled={busy}
          >
            <option value="">Choose…</option>
            {TRACE_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="param">
          <label htmlFor="import-file">
            Or a file (.csv count table or choices, .json choices, .npy logits or ids, .pt PyTorch dump)
          </label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.json,.npy,.pt,text/csv,application/json"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void readFile(file);
            }}
          />
        </div>
      </div>
      {error && (
        <p role="alert" data-testid="import-failed">
          Import failed: {error}
        </p>
      )}
      {preview && !preview.ok && (
        <p role="alert" data-testid="import-error">
          Could not read {loaded?.name}: {/* Reader messages start with the file's name already. */}
          {loaded && preview.error.startsWith(`${loaded.name}: `)
            ? preview.error.slice(loaded.name.length + 2)
            : preview.error}
        </p>
      )}
      {preview?.ok && loaded && (
        <div className="import-preview" data-testid="import-preview">
          <p>
            <strong>{preview.summary.formatLabel}</strong> from {preview.summary.name}:{' '}
            {preview.summary.layers} layer
            {preview.summary.layers === 1 ? '' : 's'}, {preview.summary.experts} experts
            {preview.summary.tokens !== null && `, ${fmt(preview.summary.tokens)} tokens`}
            {preview.summary.topK !== null && `, top-${preview.summary.topK}`}.
            {loaded.preset && ` ${loaded.preset.attribution} (${loaded.preset.license}).`}
          </p>
          {preview.summary.notes.map((n) => (
            <p key={n} className="provenance-note">
              {n}
            </p>
          ))}
          {preview.summary.filters.map((f) => (
            <div className="param" key={f.name}>
              <label htmlFor={`filter-${f.name}`}>{f.name}</label>
              <select
                id={`filter-${f.name}`}
                value={f.selected}
                onChange={(e) =>
                  setLoaded({
                    ...loaded,
                    options: {
                      ...loaded.options,
                      filter: { ...loaded.options.filter, [f.name]: e.target.value },
                    },
                  })
                }
              >
                {f.values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <table className="metrics">
            <caption>Load per layer in the file</caption>
            <thead>
              <tr>
                <th scope="col">layer</th>
                <th scope="col">assignments</th>
                <th scope="col">max/mean</th>
              </tr>
            </thead>
            <tbody>
              {preview.summary.perLayer.slice(0, 8).map((l) => (
                <tr key={l.layerId}>
                  <th scope="row">{l.layerId}</th>
                  <td>{fmt(l.total)}</td>
                  <td>{fmt(l.maxOverMean)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {preview.summary.perLayer.length > 8 && (
            <p>… and {preview.summary.perLayer.length - 8} more layers.</p>
          )}
          <button type="button" className="primary" onClick={() => void use()}>
            Use this load
          </button>
        </div>
      )}
      {imported && <ImportedLoad />}
    </section>
  );
}

/** The load the cost model is using instead of this device's measurement, with its metrics per layer. */
function ImportedLoad() {
  const imported = useAppStore((s) => s.imported);
  const setImported = useAppStore((s) => s.setImported);
  const rows = useMemo(() => (imported ? imported.layers.map((l) => l.counts) : []), [imported]);
  if (!imported) return null;
  const metrics = imported.layers.map((l) =>
    loadMetrics({
      counts: l.counts,
      kept: l.kept,
      tokens: l.tokens,
      topK: imported.topK,
      blockSize: imported.blockSize,
    }),
  );
  const source = { kind: 'imported' as const, detail: imported.label };
  return (
    <div data-testid="imported-load">
      <h3>
        In use: {imported.source} load, {imported.label}
      </h3>
      <table className="metrics" data-testid="imported-metrics">
        <caption>Load metrics of the {imported.source} load (from its counts)</caption>
        <thead>
          <tr>
            <th scope="col">layer</th>
            <th scope="col">max/mean</th>
            <th scope="col">CV²</th>
            <th scope="col">distinct experts</th>
          </tr>
        </thead>
        <tbody>
          {metrics.slice(0, 12).map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: layers are positional
            <tr key={i} data-max-over-mean={m.maxOverMean}>
              <th scope="row">{i}</th>
              <td>{fmt(m.maxOverMean)}</td>
              <td>{fmt(m.cv2)}</td>
              <td>{m.distinctExperts}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > 0 && <Heatmap rows={rows} rowLabel="layer" source={source} testId="imported-heatmap" />}
      <button type="button" onClick={() => setImported(null)}>
        Stop using it (back to this device's measurement)
      </button>
    </div>
  );
}
