import { useState } from 'react';
import { scenarioFromJson } from '../scenario';
import { currentLink, useAppStore } from '../state';
import { checkInputSize } from '../workload';
import { useTheme } from './modes';

export function Header() {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const extras = useAppStore((s) => s.extras);
  const setExtra = useAppStore((s) => s.setExtra);
  const present = extras.present === '1';
  const dark = useTheme() === 'dark';
  const openFile = async (file: File) => {
    const { replaceScenario, notify } = useAppStore.getState();
    // The same rules as the CLI's --scenario: at most 64 KiB, checked before reading; a file that holds no
    // scenario (invalid JSON, nested too deep, not an object, a damaged link) is refused and the current one kept.
    try {
      checkInputSize(file.name, file.size, 'scenario');
    } catch (err) {
      notify('Could not open the scenario file', [(err as Error).message]);
      return;
    }
    const { scenario, issues, error } = scenarioFromJson(await file.text());
    if (error) {
      notify('Could not open the scenario file', [`${file.name}: ${error}`]);
      return;
    }
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
