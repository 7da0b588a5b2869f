import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, NpyError, narrowNpy, readNpy, writeNpy } from './npy';
import { routingTraceFromNpy, traceCounts } from './trace';

// The project's own copies of ../shared/data/routing (byte-identical; see public/data/routing/README.md).
const ROUTING = fileURLToPath(new URL('../../public/data/routing/', import.meta.url));
const TRACE = `${ROUTING}esft_vanilla_lite_law_topk_ids.npy`;
const COUNTS = `${ROUTING}esft_vanilla_lite_expert_counts.csv`;

/** A .npy file built by hand: any version, header text and payload. */
function npyBytes(
  header: string,
  payload: Uint8Array = new Uint8Array(0),
  major = 1,
  headerLength?: number,
): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(prefix + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLength ?? text.length, true);
  else view.setUint32(8, headerLength ?? text.length, true);
  out.set(text, prefix);
  out.set(payload, prefix + text.length);
  return out;
}
const dict = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
const floats = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

describe('writeNpy / readNpy', () => {
  it('round-trips float32 and int32 in several shapes', () => {
    const cases: [Float32Array | Int32Array, number[]][] = [
      [new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]],
      [new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, -0, 1e-40]), [4]],
      [new Int32Array([7, -8, 2147483647, -2147483648]), [2, 1, 2]],
      [new Int32Array([42]), []],
      [new Float32Array(0), [0, 3]],
    ];
    for (const [data, shape] of cases) {
      const back = readNpy(writeNpy(data, shape));
      expect(back.dtype).toBe(data instanceof Float32Array ? 'float32' : 'int32');
      expect(back.shape).toEqual(shape);
      expect(new Uint8Array(back.data.buffer)).toEqual(new Uint8Array(data.buffer));
    }
  });

  it("writes NumPy's own bytes: header padded to 64, newline-terminated", () => {
    const bytes = writeNpy(new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]);
    expect(bytes.length).toBe(128 + 24);
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 128));
    expect(header).toBe(`${"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117)}\n`);
    expect(Array.from(bytes.subarray(0, 10))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    expect(new TextDecoder().decode(writeNpy(new Int32Array(3), [3]).subarray(10, 70))).toContain(
      "'shape': (3,), }",
    );
  });

  it('reads versions 2.0 and 3.0, Python 2 long shapes, and input at an odd byte offset', () => {
    const v2 = readNpy(npyBytes(dict('<f4', '(2,)'), floats(1, 2), 2));
    expect(Array.from(v2.data)).toEqual([1, 2]);
    const v3 = readNpy(npyBytes(dict('<i4', '(1L, 1L)'), new Uint8Array(new Int32Array([9]).buffer), 3));
    expect(v3.shape).toEqual([1, 1]);
    const file = writeNpy(new Float32Array([3, 4]), [2]);
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect(Array.from(readNpy(shifted.subarray(1)).data)).toEqual([3, 4]);
    expect(Array.from(readNpy(file.buffer as ArrayBuffer).data)).toEqual([3, 4]);
  });

  it('reads uint8 traces', () => {
    const u8 = readNpy(npyBytes(dict('|u1', '(3,)'), new Uint8Array([1, 2, 255])));
    expect(u8.dtype).toBe('uint8');
    expect(Array.from(u8.data)).toEqual([1, 2, 255]);
  });

  it('refuses a shape that does not match the data on write', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(NpyError);
    expect(() => writeNpy(new Float32Array(5), [-5])).toThrow(/non-negative/);
  });
});

describe('readNpy refuses malformed files with one clear message', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'bad magic',
      new TextEncoder().encode('PK\u0003\u0004 not numpy at all'),
      /x\.npy: not a \.npy file \(bad magic bytes\)/,
    ],
    ['unknown version', npyBytes(dict('<f4', '(1,)'), floats(1), 4), /unsupported \.npy format version 4\.0/],
    // float64, big-endian and Fortran order are converted now (see npyRobustness.test.ts); complex is not.
    [
      'wrong dtype',
      npyBytes(dict('<c8', '(1,)'), new Uint8Array(8)),
      /unsupported dtype '<c8'; expected float32/,
    ],
    ['bool', npyBytes(dict('|b1', '(1,)'), new Uint8Array(1)), /unsupported dtype '\|b1'/],
    [
      'structured dtype',
      npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", floats(1)),
      /structured dtype/,
    ],
    [
      'int64 too large for int32',
      npyBytes(dict('<i8', '(1,)'), new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0])),
      /int64 value 4294967296 at flat index 0 of shape \[1\] does not fit int32/,
    ],
    [
      'truncated data',
      npyBytes(dict('<f4', '(3,)'), floats(1, 2)),
      /truncated data: shape \[3\] needs 12 bytes, the file has 8/,
    ],
    [
      'extra data',
      npyBytes(dict('<f4', '(1,)'), floats(1, 2)),
      /data size mismatch: shape \[1\] needs 4 bytes, the file has 8/,
    ],
    ['truncated header', npyBytes(dict('<f4', '(1,)'), new Uint8Array(0), 1, 500), /truncated header/],
    [
      'huge header',
      npyBytes(dict('<f4', '(1,)'), floats(1), 2, MAX_HEADER_BYTES + 1),
      /header is 65537 bytes; at most 65536/,
    ],
    [
      'malformed header',
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,\n"),
      /malformed header/,
    ],
    [
      'missing key',
      npyBytes("{'descr': '<f4', 'shape': (1,), }\n", floats(1)),
      /header has no 'fortran_order'/,
    ],
    ['negative shape', npyBytes(dict('<f4', '(-1,)')), /shape is not a tuple of non-negative integers/],
    ['too short', new Uint8Array([0x93, 0x4e]), /not a \.npy file/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        readNpy(bytes, 'x.npy');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(NpyError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message.startsWith('x.npy: ')).toBe(true);
    });
  }
});

describe('the real ESFT trace (uint8, tokens × layers × slots)', () => {
  const trace = readNpy(readFileSync(TRACE), 'law_topk_ids.npy');
  it('has the documented header and values', () => {
    expect(trace.dtype).toBe('uint8');
    expect(trace.shape).toEqual([8327, 26, 6]);
    expect(trace.data.length).toBe(8327 * 26 * 6);
    expect(Array.from(trace.data.subarray(0, 6))).toEqual([8, 26, 56, 57, 60, 11]);
    expect(trace.data.every((id) => id < 64)).toBe(true);
  });
  it('gives the recorded per-expert counts of the law dataset, layer by layer', () => {
    const rows = readFileSync(COUNTS, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const routing = routingTraceFromNpy(trace);
    expect([routing.tokens, routing.layers, routing.topK]).toEqual([8327, 26, 6]);
    for (const layer of [0, 12, 25]) {
      const recorded = new Array<number>(64).fill(0);
      for (const [dataset, layerId, expert, n] of rows) {
        if (dataset === 'law' && Number(layerId) === layer + 1) recorded[Number(expert)] = Number(n);
      }
      expect(Array.from(traceCounts(routing, 64, layer))).toEqual(recorded);
    }
    const firstSequence = traceCounts(routing, 64, 0, 0, 211);
    expect(firstSequence.reduce((a, b) => a + b, 0)).toBe(211 * 6);
    expect(() => traceCounts(routing, 32, 0)).toThrow(/outside 0–31/);
    expect(() => traceCounts(routing, 64, 26)).toThrow(/outside the trace's 26 layers/);
  });
});

describe('readNpy exactCounts: count tables kept exact, everything else as without it', () => {
  const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  it('keeps float64, int64, uint64 and uint32 of shape [E] or [L, E] exact; narrowNpy gives the plain read', () => {
    const cases: [string, string, ArrayBufferView, number[]][] = [
      ['<f8', '(2, 2)', Float64Array.from([16777217, 0.5, 3, 4]), [16777217, 0.5, 3, 4]],
      ['<i8', '(3,)', BigInt64Array.from([2n ** 40n, -5n, 7n]), [2 ** 40, -5, 7]],
      ['>u8', '(1, 2)', new BigUint64Array(2), [0, 0]],
      ['<u4', '(2,)', Uint32Array.from([2 ** 32 - 1, 1]), [2 ** 32 - 1, 1]],
    ];
    for (const [descr, shape, data, want] of cases) {
      const bytes = npyBytes(dict(descr, shape), raw(data));
      const a = readNpy(bytes, 'c.npy', { exactCounts: true });
      expect([a.dtype, Array.from(a.data)]).toEqual(['float64', want]);
      expect(a.notes ?? []).not.toContainEqual(expect.stringMatching(/^converted (float|u?int)/));
      // Narrowed, it is the plain read: the same values, notes and refusals.
      let plain: unknown;
      try {
        plain = readNpy(bytes, 'c.npy');
      } catch (err) {
        plain = (err as Error).message;
      }
      let narrowed: unknown;
      try {
        narrowed = narrowNpy(a, 'c.npy');
      } catch (err) {
        narrowed = (err as Error).message;
      }
      expect(narrowed).toEqual(plain);
    }
  });

  it('reads traces, logits and narrow dtypes as without it', () => {
    const trace = npyBytes(dict('<i8', '(2, 1, 2)'), raw(BigInt64Array.from([1n, 2n, 3n, 4n])));
    expect(readNpy(trace, 't.npy', { exactCounts: true })).toEqual(readNpy(trace, 't.npy'));
    const f4 = writeNpy(Float32Array.from([1, 2]), [2]);
    expect(readNpy(f4, 'f.npy', { exactCounts: true })).toEqual(readNpy(f4, 'f.npy'));
  });
});
