/**
 * CSV scanning: the header line and separator, and row cursors over the text (plain and quoted) that read a large
 * table one row at a time; `openCsv` for streamed passes, `parseCsv` for materialised rows.
 */

import { ImportError, MAX_CSV_HEADER_CHARS } from './types';

/** A data row, materialised (per-token choices; count tables stream over the text instead). */
export interface CsvRow {
  line: number;
  fields: string[];
  /** 0, then +1 after each line that repeats the header (files concatenated with their headers, e.g. one per rank). */
  section: number;
}

/** The header line: the first line that is neither blank nor a '#' comment (up to MAX_CSV_HEADER_CHARS + 1). */
export function headerLineOf(text: string): string {
  // A scan, not a regular expression: V8 keeps the subject of the last match alive (RegExp.input), which would
  // hold a 60 MB text in memory after the import.
  for (let at = 0; at < text.length; ) {
    let end = at;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
    }
    const line = text.slice(at, end);
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) return line;
    at = end + 1;
  }
  return '';
}

/** Field separator from the header line: comma, else tab, else semicolon (spreadsheets in many locales). */
export function separatorOf(headerText: string): string {
  if (headerText.includes(',')) return ',';
  if (headerText.includes('\t')) return '\t';
  if (headerText.includes(';')) return ';';
  return ',';
}

/**
 * One row of a CSV file, read in place: a cursor over the text that moves row by row, so a 60 MB table is never
 * held as millions of row objects. Fields are split when asked for.
 */
export interface RowCursor {
  /** Line number (1-based) where the row starts. */
  line: number;
  /** Fields in the row. */
  size: number;
  /** Moves to the next row that is neither blank nor a '#' comment; false at the end of the text. */
  next(): boolean;
  /** Field i as in the file (untrimmed); '' past the last field. */
  field(i: number): string;
  /** Field i as a number when it is plain ASCII digits (at most 15, blanks around allowed), else -1. */
  digits(i: number): number;
}

const isAsciiBlank = (c: number) => c === 32 || c === 9 || c === 11 || c === 12;

/** A file without double quotes (what SGLang and most tools write): lines split at LF, CRLF or CR; fields at `sep`. */
class PlainRows implements RowCursor {
  line = 0;
  size = 0;
  private at = 0;
  private lineNo = 0;
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);
  constructor(
    private readonly text: string,
    private readonly sep: number,
  ) {}

  next(): boolean {
    const t = this.text;
    const n = t.length;
    const sep = this.sep;
    while (this.at < n) {
      const start = this.at;
      this.lineNo++;
      let size = 0;
      let from = start;
      let i = start;
      for (; i < n; i++) {
        const c = t.charCodeAt(i);
        if (c === 10 || c === 13) break;
        if (c === sep) {
          size = this.push(size, from, i);
          from = i + 1;
        }
      }
      size = this.push(size, from, i);
      this.at = i < n && t.charCodeAt(i) === 13 && t.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      if (this.skipped(start, i)) continue;
      this.line = this.lineNo;
      this.size = size;
      return true;
    }
    return false;
  }

  private push(size: number, from: number, to: number): number {
    if (size === this.starts.length) {
      const starts = new Int32Array(size * 2);
      const ends = new Int32Array(size * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[size] = from;
    this.ends[size] = to;
    return size + 1;
  }

  /** A blank line or a comment (its first non-blank character is '#'), as String.prototype.trim sees blanks. */
  private skipped(start: number, end: number): boolean {
    const t = this.text;
    let i = start;
    while (i < end && isAsciiBlank(t.charCodeAt(i))) i++;
    if (i === end) return true;
    const c = t.charCodeAt(i);
    if (c < 128) return c === 35;
    const line = t.slice(start, end);
    return line.trim() === '' || line.trimStart().startsWith('#');
  }

  field(i: number): string {
    return i < this.size ? this.text.slice(this.starts[i], this.ends[i]) : '';
  }

  digits(i: number): number {
    if (i >= this.size) return -1;
    const t = this.text;
    let s = this.starts[i];
    let e = this.ends[i];
    while (s < e && isAsciiBlank(t.charCodeAt(s))) s++;
    while (e > s && isAsciiBlank(t.charCodeAt(e - 1))) e--;
    if (e === s || e - s > 15) return -1;
    let v = 0;
    for (let k = s; k < e; k++) {
      const d = t.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }
}

/**
 * A file with double quotes: "" escapes a quote, a quoted field may hold separators and line breaks, and a quote
 * opens a field only at its start (after blanks); LF, CRLF or CR end a row.
 */
class QuotedRows implements RowCursor {
  line = 0;
  size = 0;
  private fields: string[] = [];
  private at = 0;
  private lineNo = 1;
  private rowLine = 1;
  private done = false;
  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly sep: number,
  ) {}

  /** The row's fields (a fresh array per row). */
  all(): string[] {
    return this.fields;
  }

  private emit(fields: string[], line: number): boolean {
    const blank = fields.length === 1 && fields[0].trim() === '';
    if (blank || fields[0].trimStart().startsWith('#')) return false;
    this.fields = fields;
    this.size = fields.length;
    this.line = line;
    return true;
  }

  next(): boolean {
    const t = this.text;
    const n = t.length;
    const sep = this.sep;
    let fields: string[] = [];
    let field = '';
    let quoted = false;
    while (this.at < n) {
      if (quoted) {
        const q = t.indexOf('"', this.at);
        const stop = q < 0 ? n : q;
        for (let k = this.at; k < stop; k++) if (t.charCodeAt(k) === 10) this.lineNo++;
        field += t.slice(this.at, stop);
        if (q < 0) {
          this.at = n;
          break;
        }
        if (t.charCodeAt(q + 1) === 34) {
          field += '"';
          this.at = q + 2;
        } else {
          quoted = false;
          this.at = q + 1;
        }
        continue;
      }
      let j = this.at;
      for (; j < n; j++) {
        const c = t.charCodeAt(j);
        if (c === 34 || c === sep || c === 10 || c === 13) break;
      }
      if (j > this.at) field += t.slice(this.at, j);
      if (j >= n) {
        this.at = n;
        break;
      }
      const c = t.charCodeAt(j);
      this.at = j + 1;
      if (c === 34) {
        if (field.trim() === '') {
          quoted = true;
          field = '';
        } else field += '"';
      } else if (c === sep) {
        fields.push(field);
        field = '';
      } else {
        if (c === 13 && t.charCodeAt(j + 1) === 10) this.at++;
        fields.push(field);
        field = '';
        const line = this.rowLine;
        this.lineNo++;
        this.rowLine = this.lineNo;
        if (this.emit(fields, line)) return true;
        fields = [];
      }
    }
    if (quoted) throw new ImportError(`${this.name} line ${this.rowLine}: a quoted field is not closed`);
    if (!this.done && (field !== '' || fields.length > 0)) {
      this.done = true;
      fields.push(field);
      return this.emit(fields, this.rowLine);
    }
    return false;
  }

  field(i: number): string {
    return this.fields[i] ?? '';
  }

  digits(i: number): number {
    const raw = this.fields[i];
    return raw !== undefined && /^[ \t]*\d{1,15}[ \t]*$/.test(raw) ? Number(raw) : -1;
  }
}

/**
 * A CSV file opened for reading: comma-separated (tab or semicolon when the header has those and no commas), double
 * quotes with "" escapes, LF, CRLF or CR. Blank lines and lines starting with '#' are skipped; a line that repeats
 * the header starts a new section (files concatenated with `cat`) and is not a data row. `rows()` starts a fresh
 * pass over the data rows; a pass holds one row at a time.
 */
export interface CsvFile {
  header: string[];
  rows(): DataRows;
}

interface DataRows extends RowCursor {
  /** 0, then +1 after each line that repeats the header. */
  section: number;
  /** Every field of the row (a fresh array). */
  all(): string[];
}

export function openCsv(name: string, text: string): CsvFile {
  const headerText = headerLineOf(text);
  if (headerText.length > MAX_CSV_HEADER_CHARS) {
    throw new ImportError(
      `${name}: the header line is ${headerText.length} characters; at most ${MAX_CSV_HEADER_CHARS} are accepted`,
    );
  }
  const sep = separatorOf(headerText).charCodeAt(0);
  const quotes = text.includes('"');
  const cursor = (): RowCursor & { all(): string[] } => {
    if (quotes) return new QuotedRows(name, text, sep);
    const plain = new PlainRows(text, sep);
    return Object.assign(plain, {
      all: () => Array.from({ length: plain.size }, (_, i) => plain.field(i)),
    });
  };
  const first = cursor();
  if (!first.next()) throw new ImportError(`${name}: the file has no header line`);
  const header = first.all().map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  // A data row whose first field is a plain number cannot repeat a header that does not start with one.
  const numericFirst = /^\d{1,15}$/.test(lower[0]);
  const repeatsHeader = (row: RowCursor): boolean => {
    if (row.size !== header.length || (!numericFirst && row.digits(0) >= 0)) return false;
    for (let i = 0; i < lower.length; i++) if (row.field(i).trim().toLowerCase() !== lower[i]) return false;
    return true;
  };
  return {
    header,
    rows(): DataRows {
      const raw = cursor();
      raw.next(); // the header
      const rows: DataRows = {
        line: 0,
        size: 0,
        section: 0,
        next() {
          while (raw.next()) {
            if (repeatsHeader(raw)) {
              rows.section++;
              continue;
            }
            rows.line = raw.line;
            rows.size = raw.size;
            return true;
          }
          return false;
        },
        field: (i) => raw.field(i),
        digits: (i) => raw.digits(i),
        all: () => raw.all(),
      };
      return rows;
    },
  };
}

/** Every data row of a CSV file as objects (per-token choices, whose rows are kept anyway). */
export function parseCsv(name: string, text: string): { header: string[]; rows: CsvRow[] } {
  const file = openCsv(name, text);
  const rows: CsvRow[] = [];
  const cur = file.rows();
  while (cur.next()) rows.push({ line: cur.line, fields: cur.all(), section: cur.section });
  if (rows.length === 0) throw new ImportError(`${name}: the file has a header but no data rows`);
  return { header: file.header, rows };
}
