import { useEffect, useState } from 'react';
import { useAppStore } from '../state';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** The theme in use: the link's `theme`, else the system's preference (followed as it changes). */
export function useTheme(): 'light' | 'dark' {
  const linked = useAppStore((s) => s.extras.theme);
  const [systemDark, setSystemDark] = useState(
    () => typeof matchMedia !== 'undefined' && matchMedia(DARK_QUERY).matches,
  );
  useEffect(() => {
    if (typeof matchMedia === 'undefined') return;
    const query = matchMedia(DARK_QUERY);
    const follow = () => setSystemDark(query.matches);
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);
  if (linked === 'dark' || linked === 'light') return linked;
  return systemDark ? 'dark' : 'light';
}

/**
 * Presentation and embed modes and the theme live in the link (so a slide deck's link keeps them). The theme is
 * always written to <html data-theme>, the one switch the style sheets read.
 */
export function useModes() {
  const extras = useAppStore((s) => s.extras);
  const present = extras.present === '1';
  const embed = extras.embed === '1';
  const theme = useTheme();
  useEffect(() => {
    const root = document.documentElement;
    root.style.setProperty('--font-scale', present ? '1.35' : '1');
    root.dataset.theme = theme;
    root.classList.toggle('present', present);
    root.classList.toggle('embed', embed);
  }, [present, embed, theme]);
  return { present, embed, theme };
}
