import type { Pipeline } from "../pipeline/types.ts";
import { columnPathReader } from "./column-path.ts";
import type { LineageRow } from "./dedupe.ts";
import { type Granularity, MINUTE_MS, partitionBounds, timePartitionsOverlapping } from "./windows.ts";

/**
 * Dedupe by business key, for upstreams that deliver at least once (a Storm tuple replayed, a
 * Flink job restarted from a checkpoint, a producer retry): the same event arrives again at
 * another offset, which offset dedupe cannot see.
 *
 * Rule: a row is a duplicate when another row with the same key values comes earlier in source
 * order — (topic, partition, offset), then the row's content for rows of one record — and has an
 * event time at most `withinMinutes` away. The first delivery wins because a replay always lands
 * at a higher offset of its partition, so the published row keeps the lineage of the original
 * and stays the same when the replay arrives days later; a total order (not file or arrival
 * order) makes the choice the same in every run. Each row is judged against all rows, dropped
 * or not, so the decision for a row needs only the rows within `withinMinutes` of it: a
 * compaction reads the partitions that far around the one it rewrites and nothing else. Keys
 * compare like SQL's GROUP BY: null equals null.
 *
 * Spark's `dropDuplicatesWithinWatermark(cols)` keeps the first row of a key and drops the
 * later ones while its state lives (event time + watermark delay); Flink's deduplication
 * (`ROW_NUMBER() OVER (PARTITION BY key ORDER BY time ASC) = 1`) keeps the first row per key for
 * its state TTL. Both keep the first arrival, as here; neither is repeatable across reprocessing,
 * which the source-order rule is.
 */

export interface KeyDedupe {
  readonly withinMs: number;
  /** The top-level columns a verdict reads (keys, event time) besides the lineage columns. */
  readonly columns: readonly string[];
  /**
   * The rows of `rows` that are later deliveries of a key. A row's verdict is exact when
   * `rows` holds every row whose event time is within `withinMs` of it (see dedupeContext).
   * `onContentTie` is called when two rows of a key share their source offset (a flatMap's
   * rows), the only case whose order reads every column: a caller that read fewer columns
   * must then decide again on whole rows.
   */
  duplicates<R extends LineageRow>(rows: readonly R[], onContentTie?: () => void): Set<R>;
}

/** Compiles the pipeline's `dedupe` once per cold start; undefined when it has none. */
export function compileKeyDedupe(pipeline: Pipeline): KeyDedupe | undefined {
  if (!pipeline.dedupe) return undefined;
  const readers = pipeline.dedupe.key.map(columnPathReader);
  const withinMs = pipeline.dedupe.withinMinutes * MINUTE_MS;
  const { eventTime } = pipeline.partitioning;
  const timeOf = (r: LineageRow) => (eventTime === "kafka-timestamp" ? r._ts : r[eventTime.field]) as number;
  const [only] = readers;
  const keyOf =
    readers.length === 1
      ? (r: LineageRow) => valueText(only!(r))
      : (r: LineageRow) => readers.map((read) => valueText(read(r))).join("\u0001");

  const roots = pipeline.dedupe.key.map((path) => path.split(".")[0]!);
  if (eventTime !== "kafka-timestamp") roots.push(eventTime.field);
  return {
    withinMs,
    columns: [...new Set(roots)],
    duplicates(rows, onContentTie) {
      const sourceOrder = (a: LineageRow, b: LineageRow) => {
        const order = coordinateOrder(a, b);
        if (order !== 0 || a === b) return order;
        onContentTie?.();
        const x = contentText(a);
        const y = contentText(b);
        return x < y ? -1 : x > y ? 1 : 0;
      };
      // Most keys occur once: a key's first row is kept as is, a list made only for a second.
      type Row = (typeof rows)[number];
      const groups = new Map<string, Row | Row[]>();
      for (const row of rows) {
        const key = keyOf(row);
        const group = groups.get(key);
        if (group === undefined) groups.set(key, row);
        else if (Array.isArray(group)) group.push(row);
        else groups.set(key, [group, row]);
      }
      const out = new Set<Row>();
      for (const group of groups.values()) {
        if (!Array.isArray(group)) continue;
        group.sort(sourceOrder);
        // Event times of the rows earlier in source order, sorted: one binary search per row.
        const seen: number[] = [];
        for (const row of group) {
          const t = timeOf(row);
          const i = lowerBound(seen, t - withinMs);
          if (i < seen.length && seen[i]! <= t + withinMs) out.add(row);
          seen.splice(lowerBound(seen, t), 0, t);
        }
      }
      return out;
    },
  };
}

/**
 * The time partitions whose rows can decide the rows of `timePartition`: those overlapping
 * [start − within, end + within), the partition itself included, oldest first.
 */
export function dedupeContext(timePartition: string, granularity: Granularity, withinMs: number): string[] {
  const { start, end } = partitionBounds(timePartition, granularity);
  return dedupeContextOfRange(start, end, granularity, withinMs);
}

/** The time partitions whose rows can decide the rows with event times in [from, to). */
export function dedupeContextOfRange(
  from: number,
  to: number,
  granularity: Granularity,
  withinMs: number,
): string[] {
  return timePartitionsOverlapping(from - withinMs, to + withinMs, granularity);
}

/** Source order by coordinates; rows of one record tie (the total order then compares their content). */
function coordinateOrder(a: LineageRow, b: LineageRow): number {
  if (a._topic !== b._topic) return a._topic < b._topic ? -1 : 1;
  if (a._partition !== b._partition) return a._partition - b._partition;
  if (a._offset !== b._offset) return a._offset < b._offset ? -1 : 1;
  return 0;
}

function contentText(row: LineageRow): string {
  return JSON.stringify(
    Object.keys(row)
      .filter((k) => !k.startsWith("_"))
      .sort()
      .map((k) => [k, row[k]]),
    (_, v) => (typeof v === "bigint" ? `${v}n` : v),
  );
}

function valueText(v: unknown): string {
  return typeof v === "bigint" ? `${v}n` : JSON.stringify(v ?? null);
}

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
