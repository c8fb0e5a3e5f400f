import { ROW_WATERMARK } from "./watermarks.ts";

/**
 * Exactly-once over raw files that may overlap. Retries, replays and bisected batches can
 * write a source offset into several raw files; a published table must hold it once.
 */

/** A row in storage form with its lineage columns. */
export type LineageRow = Readonly<Record<string, unknown>> & {
  readonly _topic: string;
  readonly _partition: number;
  readonly _offset: bigint;
};

/** The rows of one raw file. */
export interface FileRows<R extends LineageRow = LineageRow> {
  readonly key: string;
  readonly rows: readonly R[];
  /** The watermark of the batch that wrote the file (see watermarks.ts); none: never late. */
  readonly watermark?: number;
}

export interface DedupeResult<R extends LineageRow> {
  /** Kept rows in (topic, partition, offset) order; the rows of one offset keep their file order. */
  readonly rows: R[];
  /** Rows kept from each file, by key (for size estimates). */
  readonly keptPerFile: ReadonlyMap<string, number>;
  readonly duplicates: number;
}

/**
 * Keeps every row of an offset from the first file (in key order) that holds the offset and
 * drops that offset's rows from every other file. A flatMap transform emits several rows for
 * one offset, all in the same file, so collapsing to one row per offset would lose data;
 * owning offsets per file keeps them all, once. Key order makes the choice deterministic.
 */
export function dedupeRows<R extends LineageRow>(files: readonly FileRows<R>[]): DedupeResult<R> {
  const disjoint = inDisjointOrder(files);
  if (disjoint) return concatenated(disjoint);
  const ordered = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const owner = new Map<string, number>();
  // Offsets another file delivered with a lower watermark than the owner's: the lowest wins.
  const lowered = new Map<string, number | undefined>();
  const kept: { row: R; file: number; index: number }[] = [];
  const keptPerFile = new Map<string, number>();
  let duplicates = 0;
  for (const [file, { key, rows, watermark }] of ordered.entries()) {
    let count = 0;
    for (const [index, row] of rows.entries()) {
      const id = rowId(row);
      const first = owner.get(id);
      if (first === undefined) owner.set(id, file);
      if (first === undefined || first === file) {
        kept.push({ row, file, index });
        count++;
        continue;
      }
      duplicates++;
      const current = lowered.has(id) ? lowered.get(id) : ordered[first]!.watermark;
      if (current !== undefined && (watermark === undefined || watermark < current))
        lowered.set(id, watermark);
    }
    keptPerFile.set(key, (keptPerFile.get(key) ?? 0) + count);
  }
  // Rows are the caller's freshly read objects: they carry their watermark from here on.
  for (const k of kept) {
    const id = lowered.size > 0 ? rowId(k.row) : "";
    const watermark = lowered.has(id) ? lowered.get(id) : ordered[k.file]!.watermark;
    if (watermark !== undefined) (k.row as Record<string, unknown>)[ROW_WATERMARK] = watermark;
  }
  kept.sort(
    (a, b) =>
      compareText(a.row._topic, b.row._topic) ||
      a.row._partition - b.row._partition ||
      (a.row._offset < b.row._offset ? -1 : a.row._offset > b.row._offset ? 1 : 0) ||
      a.file - b.file ||
      a.index - b.index,
  );
  return { rows: kept.map((k) => k.row), keptPerFile, duplicates };
}

/**
 * The usual case, decided without a map of every row: each file holds one topic-partition in
 * offset order (as ingest writes them) and no two files of a topic-partition overlap. Then no
 * offset has two owners, and the files in offset order are the rows in source order. Returns
 * the files in that order, or undefined when the general path must decide.
 */
function inDisjointOrder<R extends LineageRow>(files: readonly FileRows<R>[]): FileRows<R>[] | undefined {
  const spans: { file: FileRows<R>; topic: string; partition: number; first: bigint; last: bigint }[] = [];
  for (const file of files) {
    const head = file.rows[0];
    if (!head) continue;
    let previous = head._offset;
    for (const row of file.rows) {
      if (row._topic !== head._topic || row._partition !== head._partition || row._offset < previous)
        return undefined;
      previous = row._offset;
    }
    spans.push({ file, topic: head._topic, partition: head._partition, first: head._offset, last: previous });
  }
  spans.sort(
    (a, b) =>
      compareText(a.topic, b.topic) ||
      a.partition - b.partition ||
      (a.first < b.first ? -1 : a.first > b.first ? 1 : 0),
  );
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1]!, spans[i]!];
    if (a.topic === b.topic && a.partition === b.partition && b.first <= a.last) return undefined;
  }
  return [...spans.map((s) => s.file), ...files.filter((f) => f.rows.length === 0)];
}

/** Every row of disjoint files, in their order, each carrying its file's watermark. */
function concatenated<R extends LineageRow>(files: readonly FileRows<R>[]): DedupeResult<R> {
  const rows: R[] = [];
  const keptPerFile = new Map<string, number>();
  for (const { key, rows: fileRows, watermark } of files) {
    for (const row of fileRows) {
      if (watermark !== undefined) (row as Record<string, unknown>)[ROW_WATERMARK] = watermark;
      rows.push(row);
    }
    keptPerFile.set(key, (keptPerFile.get(key) ?? 0) + fileRows.length);
  }
  return { rows, keptPerFile, duplicates: 0 };
}

/** Offset coverage of rows per topic-partition: what a manifest reports. */
export interface OffsetSpan {
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
  /** Distinct offsets (gaps are filtered or quarantined records, or other partitions' rows). */
  readonly offsets: number;
}

/** Spans of rows already in (topic, partition, offset) order. */
export function offsetSpans(rows: readonly LineageRow[]): OffsetSpan[] {
  const out: OffsetSpan[] = [];
  let current: { topic: string; partition: number; first: number; last: number; offsets: number } | undefined;
  for (const row of rows) {
    const offset = Number(row._offset);
    if (current && current.topic === row._topic && current.partition === row._partition) {
      if (offset !== current.last) current.offsets++;
      current.last = offset;
      continue;
    }
    if (current) out.push(current);
    current = { topic: row._topic, partition: row._partition, first: offset, last: offset, offsets: 1 };
  }
  if (current) out.push(current);
  return out;
}

function rowId(row: LineageRow): string {
  return `${row._topic}\u0000${row._partition}\u0000${row._offset}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
