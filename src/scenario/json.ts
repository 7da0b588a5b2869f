/**
 * JSON from outside, parsed so that nesting cannot overflow the stack: the text's depth is measured by an
 * iterative scan before JSON.parse runs, and anything deeper than MAX_NESTING_DEPTH is refused with a message.
 * Every reader of outside JSON (scenario files and links, imported traces) goes through here, so the code that
 * walks the parsed value afterwards never meets a structure deeper than real files have.
 */

/** Deepest nesting of JSON objects and arrays (or of a .npy header's literal) accepted: real files use 3 or 4. */
export const MAX_NESTING_DEPTH = 64;

/** Deepest nesting of [ and { in JSON text, outside strings (the text need not be valid JSON). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * JSON.parse that refuses nesting deeper than `maxDepth` before parsing. Throws a SyntaxError (invalid JSON, as
 * JSON.parse does) or a RangeError naming the depth; never "Maximum call stack size exceeded".
 */
export function parseJsonSafely(text: string, maxDepth = MAX_NESTING_DEPTH): unknown {
  const depth = jsonNestingDepth(text);
  if (depth > maxDepth) {
    throw new RangeError(`nested ${depth} levels deep; at most ${maxDepth} levels are accepted`);
  }
  return JSON.parse(text);
}
