import { useState } from 'react';
import { scenarioFromJson } from '../scenario';
import { currentLink, useAppStore } from '../state';
import { useTheme } from './modes';

export function Header() {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const extras = useAppStore((s) => s.extras);
  const setExtra = useAppStore((s) => s.setExtra);
  const present = extras.present === '1';
  const dark = useTheme() === 'dark';
  const openFile = async (file: File) => {
    const { replaceScenario, notify } = useAppStore.getState();
    if (file.size > 65_536) {
      notify('Could not open the scenario file', [
        `${file.name} is ${file.size} bytes; a scenario file is under 64 kB.`,
      ]);
      return;
    }
    const text = await file.text();
    try {
      JSON.parse(text);
    } catch {
      // Keep the current scenario: a file that is not JSON holds nothing to open.
      notify('Could not open the scenario file', scenarioFromJson(text).issues);
      return;
    }
    const { scenario, issues } = scenarioFromJson(text);
    replaceScenario(scenario);
    if (issues.length) notify(`Opened ${file.name}, with fixes`, issues);
  };
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
        <label className="file-button">
          Open scenario file
          <input
            type="file"
            accept=".json,application/json"
            className="visually-hidden-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void openFile(file);
              e.target.value = '';
            }}
          />
        </label>
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
