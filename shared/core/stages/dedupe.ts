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
  const ordered = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const owner = new Map<string, number>();
  const kept: { row: R; file: number; index: number }[] = [];
  const keptPerFile = new Map<string, number>();
  let duplicates = 0;
  for (const [file, { key, rows }] of ordered.entries()) {
    let count = 0;
    for (const [index, row] of rows.entries()) {
      const id = `${row._topic}\u0000${row._partition}\u0000${row._offset}`;
      const first = owner.get(id);
      if (first === undefined) owner.set(id, file);
      if (first === undefined || first === file) {
        kept.push({ row, file, index });
        count++;
      } else duplicates++;
    }
    keptPerFile.set(key, (keptPerFile.get(key) ?? 0) + count);
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

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
