import { type ReactNode, useRef, useState } from 'react';
import { downloadBlob, textBlob } from './download';
import { chartToPng } from './png';
import '../charts/charts.css';

/** A text download offered beside a chart (CSV, JSON or Markdown), made when clicked. */
export interface TextDownload {
  kind: 'csv' | 'json' | 'md';
  /** Button text (default: the kind in capitals). */
  label?: string;
  /** File name without extension (default: the frame's). */
  fileName?: string;
  make: () => string;
}

export interface ExportMenuProps {
  /** File name without extension, e.g. "expert-load". */
  fileName: string;
  /** What is being saved, for the buttons' accessible names, e.g. "tokens per expert chart". */
  label: string;
  /** The element to render as PNG (omit for text downloads only). */
  target?: () => HTMLElement | SVGSVGElement | null;
  downloads?: readonly TextDownload[];
}

/** Download buttons: PNG of a chart and any text exports. Ignored when the chart itself is saved as PNG. */
export function ExportMenu({ fileName, label, target, downloads = [] }: ExportMenuProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const savePng = async () => {
    const el = target?.();
    if (!el) return;
    setBusy(true);
    setError(null);
    try {
      downloadBlob(`${fileName}.png`, await chartToPng(el));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const saveText = (d: TextDownload) => {
    setError(null);
    try {
      downloadBlob(`${d.fileName ?? fileName}.${d.kind}`, textBlob(d.make(), d.kind));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="chart-frame-tools" data-export-ignore="" data-testid="export-menu">
      {target && (
        <button type="button" onClick={savePng} disabled={busy} aria-label={`Download ${label} as PNG`}>
          {busy ? 'Saving…' : 'PNG'}
        </button>
      )}
      {downloads.map((d) => {
        const text = d.label ?? d.kind.toUpperCase();
        return (
          <button
            key={`${d.kind}-${text}`}
            type="button"
            onClick={() => saveText(d)}
            aria-label={`Download ${label} as ${text}`}
          >
            {text}
          </button>
        );
      })}
      {error && (
        <span className="chart-frame-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export interface ChartFrameProps {
  fileName: string;
  label: string;
  children: ReactNode;
  downloads?: readonly TextDownload[];
  testId?: string;
}

/** Wraps any chart with a "PNG" button (and optional CSV/JSON/Markdown buttons). */
export function ChartFrame({ fileName, label, children, downloads, testId }: ChartFrameProps) {
  const ref = useRef<HTMLDivElement | null>(null);
  return (
    <div className="chart-frame" data-testid={testId ?? `frame-${fileName}`}>
      <ExportMenu fileName={fileName} label={label} target={() => ref.current} downloads={downloads} />
      <div ref={ref}>{children}</div>
    </div>
  );
}
