import { describe, expect, it } from 'vitest';
import { parseImport, previewImport, type RouterLogits, type TokenChoices } from './imports';
import { NpyError, readNpy } from './npy';

/** Files written by NumPy 2.4 itself (np.save / numpy.lib.format.write_array), base64. */
const NUMPY: Record<string, string> = {
  // [[-1, -0.5, 0], [0.5, 1, 1.5]] as float64 (NumPy's default dtype)
  f8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwvwAAAAAAAOC/AAAAAAAAAAAAAAAAAADgPwAAAAAAAPA/AAAAAAAA+D8=',
  be_f4:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAq/gAAAvwAAAAAAAAA/AAAAP4AAAD/AAAA=',
  f2: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAvAC4AAAAOAA8AD4=',
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8=',
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8=',
  // np.asfortranarray(np.arange(24, dtype='f4').reshape(2, 3, 4))
  fortran_f4:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQQAAgEAAAIBBAAAAQQAAoEEAAIA/AABQQQAAoEAAAIhBAAAQQQAAqEEAAABAAABgQQAAwEAAAJBBAAAgQQAAsEEAAEBAAABwQQAA4EAAAJhBAAAwQQAAuEE=',
  // [[1, 0], [2, 3], [0, 3]] as int64, little- and big-endian (torch.topk indices saved through numpy)
  i8_ids:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAADAAAAAAAAAAAAAAAAAAAAAwAAAAAAAAA=',
  be_i8_ids:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAAM=',
  scalar:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAEBA',
  four_d:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDEsIDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  // SGLang's logical_count summed over steps, saved as int64 [layers, experts]
  counts_i8:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoFAAAAAAAAAAAAAAAAAAAAAwAAAAAAAAACAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAAHAAAAAAAAAAEAAAAAAAAA',
};
const file = (k: string) => new Uint8Array(Buffer.from(NUMPY[k], 'base64'));
const LOGITS = [-1, -0.5, 0, 0.5, 1, 1.5];

describe('.npy as NumPy writes it by default', () => {
  it('converts float64, float16 and big-endian float32 to float32, with a note', () => {
    for (const [k, note] of [
      ['f8', 'converted float64 to float32'],
      ['f2', 'converted float16 to float32'],
      ['be_f4', 'converted big-endian to little-endian'],
    ]) {
      const a = readNpy(file(k), `${k}.npy`);
      expect(a.dtype, k).toBe('float32');
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual(LOGITS);
      expect(a.notes).toContain(note);
    }
    // And as router logits, the note reaches the preview.
    const p = previewImport('l.npy', file('f8'));
    expect(p.ok).toBe(true);
    if (p.ok) {
      expect((p.data as RouterLogits).logits[0]).toEqual(Float32Array.from(LOGITS));
      expect(p.summary.notes.join(' ')).toMatch(/Converted float64 to float32/);
    }
  });

  it('reads versions 1.0, 2.0 and 3.0 exactly as written', () => {
    for (const k of ['v2', 'v3']) {
      const a = readNpy(file(k), k);
      expect(Array.from(a.data)).toEqual(LOGITS);
      expect(a.notes).toBeUndefined();
    }
  });

  it('reorders Fortran-order arrays to C order', () => {
    const a = readNpy(file('fortran_f4'), 'f.npy');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(a.notes).toEqual(['converted Fortran order to C order']);
  });

  it('reads int64 top-k ids (little- and big-endian) as token choices', () => {
    for (const k of ['i8_ids', 'be_i8_ids']) {
      const c = parseImport(`${k}.npy`, file(k)) as TokenChoices;
      expect(c.format).toBe('token-choices');
      expect(Array.from(c.ids)).toEqual([1, 0, 2, 3, 0, 3]);
      expect(c.notes?.join(' ')).toMatch(/Converted int64 to int32/);
    }
  });

  it('reads an int64 [layers, experts] array of counts as a count table, not as top-k ids', () => {
    const p = previewImport('logical_count.npy', file('counts_i8'));
    expect(p.ok).toBe(true);
    if (p.ok && p.data.format === 'count-table') {
      expect(p.data.counts.map((c) => Array.from(c))).toEqual([
        [5, 0, 3, 2],
        [1, 1, 7, 1],
      ]);
      expect(p.summary.notes.join(' ')).toMatch(/Read as counts \[layers, experts\]/);
    } else expect.unreachable(p.ok ? p.data.format : p.error);
  });

  it('refuses 0-d and 4-d arrays with the shape it expected', () => {
    expect(readNpy(file('scalar')).shape).toEqual([]);
    expect(() => parseImport('s.npy', file('scalar'))).toThrow(
      's.npy: router logits must have shape [tokens, experts] or [layers, tokens, experts], not []',
    );
    expect(() => parseImport('d.npy', file('four_d'))).toThrow(/not \[1, 1, 2, 3\]/);
  });

  it('truncated or padded data, and NaN/Inf logits, are refused with one line naming the place', () => {
    const full = file('f8');
    for (let cut = 1; cut < full.length; cut += 7) {
      let caught: unknown;
      try {
        readNpy(full.subarray(0, cut), 'f.npy');
      } catch (err) {
        caught = err;
      }
      expect(caught, `cut at ${cut}`).toBeInstanceOf(NpyError);
      expect((caught as Error).message).toMatch(/^f\.npy: (not a \.npy file|truncated)/);
    }
    const padded = new Uint8Array(full.length + 8);
    padded.set(full);
    expect(() => readNpy(padded, 'f.npy')).toThrow(/data size mismatch: shape \[2, 3\] needs 48 bytes/);
    const nan = full.slice();
    new DataView(nan.buffer).setFloat64(full.length - 16, Number.NaN, true);
    expect(() => parseImport('n.npy', nan)).toThrow(
      'n.npy: logit NaN at layer 0, token 1, expert 1 is not finite',
    );
    const inf = full.slice();
    new DataView(inf.buffer).setFloat64(full.length - 8, 1e300, true);
    expect(() => parseImport('i.npy', inf)).toThrow(
      /float64 value 1e\+300 at flat index 5 .* too large for float32/,
    );
  });
});
