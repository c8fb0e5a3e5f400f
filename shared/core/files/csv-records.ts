import { Buffer } from "node:buffer";
import { CsvError, parse } from "csv-parse/sync";
import { bomLength, type FileRecord, fileRecord, type StreamOf, type TextPiece } from "./file-records.ts";
import type { CsvOptions } from "./file-source.ts";

/** One CSV record found in a piece: its fields or why it is malformed, its bytes and first line. */
export interface CsvRecord {
  readonly fields?: readonly string[];
  readonly error?: string;
  readonly bytes: Uint8Array;
  readonly line: number;
  /** Offset just past the record (its line end included), within the piece. */
  readonly end: number;
}

/** csv-parse reads this much at a time: a malformed record costs a window, not the rest of the file. */
const WINDOW = 1024 * 1024;

/**
 * Splits a piece into CSV records with csv-parse (quotes, escapes, delimiters and quoted line
 * breaks are its business). Each record keeps its original bytes and the line it starts on. A
 * malformed record (a stray or unclosed quote) becomes an error record holding its first line,
 * and parsing goes on at the next line, as Spark's PERMISSIVE mode keeps reading after a bad
 * row. Blank lines are not records.
 */
export function splitCsv(piece: TextPiece, options: CsvOptions): CsvRecord[] {
  const b = Buffer.from(piece.bytes.buffer, piece.bytes.byteOffset, piece.bytes.byteLength);
  const out: CsvRecord[] = [];
  let pos = bomLength(piece);
  let line = piece.firstLine;
  let window = WINDOW;
  while (pos < b.length) {
    ({ pos, line } = skipBlankLines(b, pos, line));
    if (pos >= b.length) break;
    const stop = windowEnd(b, pos, window);
    const found: number[] = [];
    const fieldsOf: string[][] = [];
    let failure: CsvError | undefined;
    try {
      parse(b.subarray(pos, stop), {
        delimiter: options.delimiter,
        quote: options.quote,
        escape: options.escape,
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
        on_record: ({ record, info }: { record: string[]; info: { bytes: number } }) => {
          fieldsOf.push(record);
          found.push(info.bytes);
          return null;
        },
      } as never);
    } catch (e) {
      if (!(e instanceof CsvError)) throw e;
      failure = e;
    }
    let start = pos;
    for (const [i, end] of found.entries()) {
      const at = skipBlankLines(b, start, line);
      const bytes = withoutLineEnd(b.subarray(at.pos, pos + end));
      out.push({ fields: fieldsOf[i]!, bytes, line: at.line, end: pos + end });
      line = at.line + countNewlines(b, at.pos, pos + end);
      start = pos + end;
    }
    if (!failure) {
      // What follows the last record up to the window's end is blank lines, skipped above.
      pos = found.length > 0 ? start : stop;
      window = WINDOW;
      continue;
    }
    // An unclosed quote at a window's end may be a quoted line break the window cut: read on.
    const cut = stop < b.length && failure.code === "CSV_QUOTE_NOT_CLOSED";
    if (cut && found.length > 0) {
      pos = start;
      continue;
    }
    if (cut) {
      window *= 2;
      continue;
    }
    const at = skipBlankLines(b, start, line);
    const lineEnd = b.indexOf(0x0a, at.pos);
    const next = lineEnd < 0 ? b.length : lineEnd + 1;
    out.push({
      error: failure.message,
      bytes: withoutLineEnd(b.subarray(at.pos, next)),
      line: at.line,
      end: next,
    });
    pos = next;
    line = at.line + 1;
    window = WINDOW;
  }
  return out;
}

/** The records of a CSV piece, with the column names of the file's header (or Spark's `_c0`, `_c1`, …). */
export function csvRecords(
  records: readonly CsvRecord[],
  header: readonly string[] | undefined,
  stream: StreamOf,
): FileRecord[] {
  return records.map((r) => {
    if (r.error !== undefined)
      return fileRecord(stream, r.line, r.bytes, { error: `malformed CSV: ${r.error}` });
    const fields = r.fields!;
    const names = header ?? fields.map((_, i) => `_c${i}`);
    if (fields.length !== names.length) {
      return fileRecord(stream, r.line, r.bytes, {
        error: `malformed CSV: ${fields.length} fields where the header names ${names.length}`,
      });
    }
    const value: Record<string, string> = {};
    names.forEach((n, i) => {
      value[n] = fields[i]!;
    });
    return fileRecord(stream, r.line, r.bytes, { value });
  });
}

function skipBlankLines(b: Buffer, pos: number, line: number): { pos: number; line: number } {
  let p = pos;
  let n = line;
  for (;;) {
    // Empty lines only, as csv-parse's skip_empty_lines: a line of spaces is a record.
    const q = b[p] === 0x0d ? p + 1 : p;
    if (q < b.length && b[q] === 0x0a) {
      p = q + 1;
      n++;
      continue;
    }
    return { pos: p, line: n };
  }
}

/** A window of about `size` bytes from `pos` that ends at a line end (or the piece's end). */
function windowEnd(b: Buffer, pos: number, size: number): number {
  if (pos + size >= b.length) return b.length;
  const nl = b.indexOf(0x0a, pos + size);
  return nl < 0 ? b.length : nl + 1;
}

function withoutLineEnd(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return bytes.subarray(0, end);
}

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(0x0a, from); i >= 0 && i < to; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}
