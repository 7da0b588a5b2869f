/**
 * Reading numbers from outside (links, files) and showing any value in a message: shared by the scenario's
 * validation and the custom chips' (customChips.ts), so both read "4e3" and refuse "4k" the same way.
 */

/** Plain decimal numbers as a link or a file writes them: 12, -3, 0.5, .5, 4e3. No hex, units or separators. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Read a number from a number or decimal string; NaN when it is neither. -0 reads as 0. */
export function toNumber(v: unknown): number {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v) : Number.NaN;
  return n === 0 ? 0 : n;
}

/** Why a value is not a number, with what is expected. */
export function notANumber(raw: unknown): string {
  if (typeof raw === 'string' && /^\s*[+-]?[\d.]+\s*[kKmMgG]\s*$/.test(raw))
    return `${show(raw)} is not a number (write it in full, e.g. 4096 or 4e3; no unit suffixes)`;
  if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return `${show(raw)} is too large`;
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\s*[+-]?(nan|inf|infinity)\s*$/i.test(raw)))
    return `${show(raw)} is not a finite number`;
  return `${show(raw)} is not a number`;
}

/**
 * The first keys of an object a file held, for a message saying it is not the kind of file expected:
 * `"a", "b", "c", "d", …` (each JSON-quoted on one line, cut at 30 characters), or `none`.
 */
export function shownKeys(keys: readonly string[], most = 4): string {
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, most).map((k) => JSON.stringify(k.length > 30 ? `${k.slice(0, 29)}…` : k));
  return `${shown.join(', ')}${keys.length > most ? ', …' : ''}`;
}

/**
 * A short JSON-like rendering of any value for a message, at most 40 characters. Written out by hand, visiting at
 * most a few levels and stopping once long enough, so that no value (nested 10^5 deep, cyclic, a BigInt, an
 * object without a prototype) can make it throw or recurse deeply, as JSON.stringify and String would.
 */
export function show(v: unknown): string {
  const max = 40;
  let out = '';
  const put = (x: unknown, depth: number): void => {
    if (out.length > max) return;
    if (typeof x === 'string') out += JSON.stringify(x.length > max ? x.slice(0, max) : x);
    else if (typeof x === 'number') out += String(x);
    else if (typeof x === 'boolean' || x === null) out += String(x);
    else if (typeof x === 'bigint') out += `${x}n`;
    else if (x === undefined) out += 'undefined';
    else if (typeof x !== 'object') out += typeof x;
    else if (depth >= 3) out += Array.isArray(x) ? '[…]' : '{…}';
    else if (Array.isArray(x)) {
      out += '[';
      for (let i = 0; i < x.length && out.length <= max; i++) {
        if (i) out += ',';
        put(x[i], depth + 1);
      }
      out += ']';
    } else {
      out += '{';
      let i = 0;
      for (const key of Object.keys(x)) {
        if (out.length > max) break;
        if (i++) out += ',';
        out += `${JSON.stringify(key.slice(0, max))}:`;
        put((x as Record<string, unknown>)[key], depth + 1);
      }
      out += '}';
    }
  };
  put(v, 0);
  return out.length > max ? `${out.slice(0, max - 3)}...` : out;
}
