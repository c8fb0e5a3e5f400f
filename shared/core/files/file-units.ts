import type { RowSpan } from "./parquet-records.ts";

/**
 * The units a file is cut into: each is read, processed and committed on its own (in AWS, one
 * SQS message each), and is idempotent, because its batches are named by the object version and
 * the lines or rows they hold.
 *
 * - `bytes`: a byte range of an uncompressed JSON-lines or text file that starts and ends on a
 *   line boundary, with the number of its first line;
 * - `rows`: consecutive whole row groups of a Parquet file;
 * - `whole`: the file at once: compressed files (gzip and zstd streams cannot be entered in the
 *   middle, as Hadoop does not split them either), CSV (a quoted field may hold a line break, so a
 *   cut on a line boundary could fall inside a record, as Spark's multiLine CSV is not split) and
 *   small files.
 */
export type FileUnit =
  | { readonly kind: "whole" }
  | { readonly kind: "bytes"; readonly start: number; readonly end: number; readonly firstLine: number }
  | ({ readonly kind: "rows" } & RowSpan);

/** A unit's name in bookkeeping keys: stable for the same cut. */
export function unitName(unit: FileUnit): string {
  switch (unit.kind) {
    case "whole":
      return "whole";
    case "bytes":
      return `bytes-${unit.start}-${unit.end}`;
    case "rows":
      return `rows-${unit.rowStart}-${unit.rowEnd}`;
  }
}

/**
 * Cuts an uncompressed line file into byte ranges of about `targetBytes` that end on line ends,
 * counting lines on the way so each range knows its first line number. Fed the file's bytes in
 * order, in chunks of any size (a stream), so a file larger than memory can be planned.
 */
export class LineRangePlanner {
  readonly #target: number;
  readonly #ranges: { start: number; end: number; firstLine: number }[] = [];
  #pos = 0;
  #line = 1;
  #start = 0;
  #firstLine = 1;

  constructor(targetBytes: number) {
    this.#target = Math.max(1, targetBytes);
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(0x0a, i);
      if (nl < 0) break;
      this.#line++;
      const end = this.#pos + nl + 1;
      // A range ends at the first line end once it holds the target size.
      if (end - this.#start >= this.#target) {
        this.#ranges.push({ start: this.#start, end, firstLine: this.#firstLine });
        this.#start = end;
        this.#firstLine = this.#line;
      }
      i = nl + 1;
    }
    this.#pos += chunk.length;
  }

  /** The ranges, the last one ending at the file's end. */
  finish(): FileUnit[] {
    if (this.#pos > this.#start)
      this.#ranges.push({ start: this.#start, end: this.#pos, firstLine: this.#firstLine });
    return this.#ranges.map((r) => ({ kind: "bytes", ...r }));
  }
}
