import { useState } from 'react';
import { currentLink, useAppStore } from '../state';

export function Header() {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const extras = useAppStore((s) => s.extras);
  const setExtra = useAppStore((s) => s.setExtra);
  const present = extras.present === '1';
  const dark =
    extras.theme === 'dark' ||
    (extras.theme !== 'light' &&
      typeof matchMedia !== 'undefined' &&
      matchMedia('(prefers-color-scheme: dark)').matches);
  const copy = async () => {
    const link = currentLink();
    try {
      await navigator.clipboard.writeText(link);
      setCopied('copied');
    } catch {
      // Clipboard can be blocked (insecure context, permissions); the link is still in the address bar.
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 2000);
  };
  return (
    <header className="header">
      <div className="brand">
        <h1>moe-lab</h1>
        <p className="tagline">What does the dynamism of Mixture-of-Experts models cost on today's chips?</p>
      </div>
      <div className="header-actions">
        <button
          type="button"
          aria-pressed={present}
          onClick={() => setExtra('present', present ? undefined : '1')}
        >
          Presentation mode
        </button>
        <button type="button" aria-pressed={dark} onClick={() => setExtra('theme', dark ? 'light' : 'dark')}>
          Dark theme
        </button>
        <button type="button" onClick={copy} aria-live="polite">
          {copied === 'copied'
            ? 'Link copied'
            : copied === 'failed'
              ? 'Copy failed: use the address bar'
              : 'Copy link'}
        </button>
      </div>
    </header>
  );
}
