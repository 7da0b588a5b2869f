import { useState } from 'react';
import { currentLink } from '../state';

export function Header() {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
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
