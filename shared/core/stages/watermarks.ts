import type { OffsetRange } from "../keys.ts";
import type { Pipeline } from "../pipeline/types.ts";

/**
 * Event-time watermarks, as Spark and Flink define them, made deterministic for micro-batches.
 *
 * The watermark of a batch, per topic-partition, is the largest event time over every record
 * of that topic-partition in the batches committed before it (commit records whose offset range
 * ends before the batch's first offset) minus the allowed lateness. A row misses a window when
 * `window end ≤ watermark of its batch`; a batch with no earlier commit has no watermark and
 * none of its rows is late.
 *
 * - Spark's `withWatermark(col, delay)`: watermark = max event time − delay, advanced between
 *   micro-batches (a record never moves the watermark of its own batch), and a window is
 *   dropped once `window.end ≤ watermark`. Spark keeps one maximum for the whole query;
 *   lakestream keeps one per topic-partition, so a batch's watermark never depends on how
 *   other partitions' batches happened to interleave with it.
 * - Flink's `WatermarkStrategy.forBoundedOutOfOrderness(bound)`: watermark = max event time −
 *   bound (− 1 ms, which Flink's `end − 1` window timestamp cancels out), per Kafka partition
 *   in its source; a window fires and later elements are late once `end ≤ max − bound`.
 *   Flink's operators then take the minimum over partitions; lakestream does not need to, as
 *   every row is judged against its own partition's history.
 *
 * Kafka timestamps play no part, so records that Flink or Storm write back with wall-clock
 * timestamps land in the windows of their events. Only data decides it: the same commit records
 * give the same watermarks in every run, retry or replay. A row delivered by several batches (a
 * retry, a re-cut or bisected batch) takes the lowest of their watermarks: it is late only if
 * every delivery found it late.
 */

/** The largest event time among the rows a commit record covers in one topic-partition. */
export interface RangeEventTime extends OffsetRange {
  /** Epoch millis; null when the range produced no row (all filtered or quarantined). */
  readonly maxEventTime: number | null;
}

/** What ingest needs of a written row: its values and the Kafka record it came from. */
export interface IngestedRow {
  readonly values: Readonly<Record<string, unknown>>;
  readonly record: {
    readonly offset: number;
    readonly topic: string;
    readonly partition: number;
    readonly timestamp: number;
  };
}

/**
 * Per committed range, the largest event time of the rows in it (by record offset), for the
 * batch's commit record. Rows past a range's end (written, but beyond what a partly failed batch
 * commits) are left out: a later batch must not see its own records in its watermark.
 */
export function maxEventTimes(
  pipeline: Pipeline,
  rows: readonly IngestedRow[],
  ranges: readonly OffsetRange[],
): RangeEventTime[] {
  const { eventTime } = pipeline.partitioning;
  return maxEventTimesOf(
    rows.map((r) => ({
      ...r.record,
      eventTime: eventTime === "kafka-timestamp" ? r.record.timestamp : (r.values[eventTime.field] as number),
    })),
    ranges,
  );
}

/** The event time of a record's rows (their largest), at its coordinates. */
export interface RecordTime {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly eventTime: number;
}

/** `maxEventTimes` from each record's event time, as the batch planner reports them. */
export function maxEventTimesOf(
  times: readonly RecordTime[],
  ranges: readonly OffsetRange[],
): RangeEventTime[] {
  const out = ranges.map((range) => ({ ...range, maxEventTime: null as number | null }));
  const byPartition = new Map(out.map((r) => [`${r.topic}\u0000${r.partition}`, r]));
  for (const t of times) {
    const range = byPartition.get(`${t.topic}\u0000${t.partition}`);
    if (!range || t.offset < range.first || t.offset > range.last) continue;
    if (range.maxEventTime === null || t.eventTime > range.maxEventTime) range.maxEventTime = t.eventTime;
  }
  return out;
}

/** A raw file as a commit record lists it. */
export interface CommittedFile {
  readonly key: string;
  readonly partition: string;
  readonly rows: number;
}

/** What the watermark needs of one commit record (older records lack `maxEventTimes`). */
export interface CommitView {
  readonly batch: readonly OffsetRange[];
  readonly files: readonly CommittedFile[];
  readonly maxEventTimes?: readonly RangeEventTime[];
}

/** A committed file with the watermark of the batch that wrote it; none when no earlier batch is known. */
export type WatermarkedFile = CommittedFile & { readonly watermark?: number };

/**
 * Every file of the commit records, once, each with its batch's watermark (the lowest when
 * several commit records list it). Pure: the order of `commits` does not matter.
 */
export function watermarkedFiles(
  commits: readonly CommitView[],
  allowedLatenessMs: number,
): WatermarkedFile[] {
  const spans = new Map<string, { last: number; max: number }[]>();
  for (const c of commits) {
    for (const r of c.maxEventTimes ?? []) {
      if (r.maxEventTime === null) continue;
      const key = tpKey(r.topic, r.partition);
      const list = spans.get(key) ?? [];
      list.push({ last: r.last, max: r.maxEventTime });
      spans.set(key, list);
    }
  }
  const before = new Map<string, (first: number) => number | undefined>();
  for (const [key, list] of spans) before.set(key, maxBefore(list));

  const out = new Map<string, WatermarkedFile>();
  for (const c of commits) {
    for (const file of c.files) {
      const range = c.batch.length === 1 ? c.batch[0] : rangeOfFile(c.batch, file.key);
      const base = range && before.get(tpKey(range.topic, range.partition))?.(range.first);
      const watermark = base === undefined ? undefined : base - allowedLatenessMs;
      const seen = out.get(file.key);
      if (seen && !lower(watermark, seen.watermark)) continue;
      const { key, partition, rows } = file;
      out.set(key, watermark === undefined ? { key, partition, rows } : { key, partition, rows, watermark });
    }
  }
  return [...out.values()];
}

/** True when `a` lets more rows through than `b` (no watermark lets every row through). */
function lower(a: number | undefined, b: number | undefined): boolean {
  return a === undefined ? b !== undefined : b !== undefined && a < b;
}

/** The largest event time of spans ending before `first`: a prefix maximum over spans sorted by end. */
function maxBefore(list: { last: number; max: number }[]): (first: number) => number | undefined {
  list.sort((a, b) => a.last - b.last);
  const prefix: number[] = [];
  for (const [i, s] of list.entries()) prefix.push(i === 0 ? s.max : Math.max(prefix[i - 1]!, s.max));
  return (first) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.last < first) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : prefix[lo - 1];
  };
}

/** The topic-partition a raw data file holds, from its key (`<topic>+<partition>+<first>[+<last>].<ext>`). */
function rangeOfFile(batch: readonly OffsetRange[], key: string): OffsetRange | undefined {
  const m = /\/([A-Za-z0-9._-]+)\+(\d+)\+\d{20}(?:\+\d{20})?\.[a-z.]+$/.exec(key);
  if (!m) return undefined;
  const partition = Number(m[2]);
  return batch.find((r) => r.topic === m[1] && r.partition === partition);
}

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Where a loaded row carries its effective watermark (never a column: encoders write schema columns only). */
export const ROW_WATERMARK = "_watermark";

/** A row's watermark, or undefined when nothing earlier is known (the row is never late). */
export function rowWatermark(row: Readonly<Record<string, unknown>>): number | undefined {
  return row[ROW_WATERMARK] as number | undefined;
}

/** Spark's and Flink's rule: a window is closed to a row once the row's watermark reaches the window's end. */
export function missesWindow(windowEnd: number, watermark: number | undefined): boolean {
  return watermark !== undefined && windowEnd <= watermark;
}
