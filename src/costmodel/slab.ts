/**
 * Zeroed typed arrays for a projection's per-layer results, cut from shared 256 KB buffers. A cold projection of
 * DeepSeek-V3 makes a placement and a set of per-rank sums for each of 58 layers; as separate typed arrays of a
 * few kilobytes each, every one is a zeroed off-heap allocation that V8 tracks as external memory, and those
 * allocations, and the garbage collections they trigger, cost more than the placement itself. Views of a slab are
 * plain objects over memory already allocated (and zeroed once). Space is never reused: a slab lives until no
 * view of it is referenced, so an array kept alone keeps up to 256 KB alive.
 */

const SLAB_BYTES = 256 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** Byte offset of `bytes` fresh, zeroed bytes aligned to 8, from the current slab or a new one. */
function take(bytes: number): ArrayBuffer | undefined {
  const size = (bytes + 7) & ~7;
  if (size > SLAB_BYTES / 4) return undefined;
  if (used + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  used += size;
  return slab;
}

/** A zeroed Int32Array of length n. */
export function int32s(n: number): Int32Array {
  const buffer = take(4 * n);
  return buffer ? new Int32Array(buffer, used - ((4 * n + 7) & ~7), n) : new Int32Array(n);
}

/** A zeroed Float64Array of length n. */
export function float64s(n: number): Float64Array {
  const buffer = take(8 * n);
  return buffer ? new Float64Array(buffer, used - 8 * n, n) : new Float64Array(n);
}
