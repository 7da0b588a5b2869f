/** Save a Blob as a file through a temporary link (the browser's own download). */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(name);
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke later: some browsers start the download after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Text as a Blob with the right type for the exports (CSV, JSON, Markdown). */
export function textBlob(text: string, kind: 'csv' | 'json' | 'md' | 'txt'): Blob {
  const type = {
    csv: 'text/csv;charset=utf-8',
    json: 'application/json;charset=utf-8',
    md: 'text/markdown;charset=utf-8',
    txt: 'text/plain;charset=utf-8',
  }[kind];
  return new Blob([text], { type });
}

/** A file name without path separators or characters file systems reject; never empty. */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize('NFKC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.-]+|[\s.]+$/g, '')
    .slice(0, 120);
  return cleaned || 'moe-lab-export';
}
