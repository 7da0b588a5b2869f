import { decodeHash, encodeHash, FIRST_SCREEN_LINK } from '../scenario';
import { useAppStore } from './store';

const WRITE_DELAY_MS = 250;

/**
 * Keep the URL hash and the store in step: read the hash at start and on navigation, write it back
 * (throttled, with replaceState so editing does not flood history).
 */
export function startUrlSync(win: Window = window): () => void {
  const store = useAppStore;
  let lastWritten = '';

  const readHash = () => {
    const hash = win.location.hash;
    if (hash.slice(1) === lastWritten) return;
    // No hash: the first screen (a real model); any link is read over the schema defaults instead.
    const blank = hash.replace(/^#/, '').trim() === '';
    const { scenario, issues, extras } = decodeHash(blank ? FIRST_SCREEN_LINK : hash);
    store.getState().replaceScenario(scenario, extras);
    if (issues.length) store.getState().notify('This link needed fixing', issues);
  };
  readHash();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    timer = undefined;
    const { scenario, extras } = store.getState();
    const hash = encodeHash(scenario, extras);
    if (hash === lastWritten) return;
    lastWritten = hash;
    win.history.replaceState(null, '', `#${hash}`);
  };
  const unsubscribe = store.subscribe((state, prev) => {
    if (state.scenario === prev.scenario && state.extras === prev.extras) return;
    if (timer === undefined) timer = setTimeout(write, WRITE_DELAY_MS);
  });
  // Write the canonical form once so the first link is complete.
  write();
  win.addEventListener('hashchange', readHash);
  return () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
    win.removeEventListener('hashchange', readHash);
  };
}

/** The current page link with the latest scenario (not waiting for the throttle). */
export function currentLink(win: Window = window): string {
  const { scenario, extras } = useAppStore.getState();
  const url = new URL(win.location.href);
  url.hash = encodeHash(scenario, extras);
  return url.toString();
}
