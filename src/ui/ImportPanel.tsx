import { useMemo, useState } from 'react';
import { loadMetrics } from '../metrics';
import {
  applyImportedLoad,
  fetchTracePreset,
  importFailure,
  type LoadedImport,
  previewLoaded,
  readImportFile,
  useAppStore,
} from '../state';
import { type ImportPreview, TRACE_PRESETS } from '../workload';
import { Heatmap } from './charts/Heatmap';
import { fmt } from './format';

/** Bring a load recorded from a real model: a count table, per-token choices, or router logits. Preview first. */
export function ImportPanel() {
  const [loaded, setLoaded] = useState<LoadedImport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const imported = useAppStore((s) => s.imported);
  const preview: ImportPreview | null = useMemo(() => (loaded ? previewLoaded(loaded) : null), [loaded]);

  // Reading, fetching and previewing live in src/state (importController); the panel keeps what is on screen.
  const readFile = async (file: File) => {
    setError(null);
    try {
      setLoaded(await readImportFile(file));
    } catch (err) {
      setLoaded(null);
      setError(importFailure(err));
    }
  };

  const readPreset = async (id: string) => {
    setError(null);
    setBusy(true);
    try {
      const next = await fetchTracePreset(id, import.meta.env.BASE_URL);
      if (next) setLoaded(next);
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
