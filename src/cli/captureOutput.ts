import { vi } from 'vitest';

/**
 * Test helper for the CLI's in-process tests: runs fn with process.stdout and process.stderr captured (nothing
 * reaches the terminal) and gives back what each received.
 */
export async function captured<T>(fn: () => Promise<T> | T): Promise<{ value: T; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    return { value: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
