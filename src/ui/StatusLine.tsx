import { useAppStore } from '../state';

export function StatusLine() {
  const gpu = useAppStore((s) => s.gpu);
  let text: string;
  let tone: 'ok' | 'warn' | 'info';
  if (gpu.kind === 'checking') {
    text = 'Looking for a WebGPU adapter…';
    tone = 'info';
  } else if (gpu.kind === 'ready') {
    text = gpu.isSoftware
      ? `WebGPU adapter: ${gpu.label}. This is a software adapter: measured times are CPU times, not a GPU's.`
      : `WebGPU adapter: ${gpu.label}.`;
    tone = gpu.isSoftware ? 'warn' : 'ok';
  } else if (gpu.kind === 'lost') {
    text = gpu.message;
    tone = 'warn';
  } else {
    text = `${gpu.message} The CPU reference engine runs instead.`;
    tone = 'warn';
  }
  return (
    <footer className={`status status-${tone}`} data-testid="gpu-status" aria-live="polite">
      {text}
    </footer>
  );
}
