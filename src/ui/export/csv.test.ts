import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, parseCsv, toCsv } from './csv';

describe('csv', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('writes no NaN or Infinity: missing numbers are empty fields', () => {
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(-1.5e-7)).toBe('-1.5e-7');
    expect(csvCell(true)).toBe('true');
    const text = toCsv(['a', 'b'], [[Number.NaN, 1]]);
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(text).toBe('a,b\r\n,1\r\n');
  });

  it('ends every record with CRLF', () => {
    expect(toCsv(['x'], [[1], [2]])).toBe('x\r\n1\r\n2\r\n');
  });

  it('parses quoted fields, escaped quotes, embedded line breaks and empty fields', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n,"x\r\ny",\r\n')).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['', 'x\r\ny', ''],
    ]);
    expect(parseCsv('a,b\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(() => parseCsv('"open')).toThrow(/not closed/);
  });

  it('round-trips any strings and finite numbers', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), {
            minLength: 3,
            maxLength: 3,
          }),
        ),
        (rows) => {
          const parsed = parseCsv(toCsv(['a', 'b', 'c'], rows));
          expect(parsed[0]).toEqual(['a', 'b', 'c']);
          expect(parsed.slice(1)).toEqual(
            rows.map((r) => r.map((v) => (typeof v === 'number' ? String(v) : v))),
          );
        },
      ),
    );
  });
});
