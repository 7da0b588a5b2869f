import { useEffect } from 'react';
import { useAppStore } from '../state';

/** Presentation and embed modes and the theme live in the link (so a slide deck's link keeps them). */
export function useModes() {
  const extras = useAppStore((s) => s.extras);
  const present = extras.present === '1';
  const embed = extras.embed === '1';
  const theme = extras.theme === 'dark' || extras.theme === 'light' ? extras.theme : undefined;
  useEffect(() => {
    const root = document.documentElement;
    root.style.setProperty('--font-scale', present ? '1.35' : '1');
    if (theme) root.dataset.theme = theme;
    else delete root.dataset.theme;
    root.classList.toggle('present', present);
    root.classList.toggle('embed', embed);
  }, [present, embed, theme]);
  return { present, embed, theme };
}
