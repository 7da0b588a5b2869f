import { useAppStore } from '../state';

/** Dismissible messages: fixed links, clamped values, failed runs. */
export function Notices() {
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismiss);
  if (!notices.length) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} role="alert" className="notice">
          <div>
            <strong>{n.title}</strong>
            <ul>
              {n.details.slice(0, 8).map((d) => (
                <li key={d}>{d}</li>
              ))}
              {n.details.length > 8 && <li>… and {n.details.length - 8} more.</li>}
            </ul>
          </div>
          <button type="button" aria-label={`Dismiss: ${n.title}`} onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
