import type { BatchPlan } from "../core/batch.ts";
import type { PartitionBatch } from "../core/kafka-decode.ts";
import type { OffsetRange } from "../core/keys.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import { maxEventTimesOf, type RangeEventTime, type RecordTime } from "../core/stages/watermarks.ts";
import type { WrittenFile } from "./write-files.ts";

/** What one batch did; stored in its commit record and returned again on replay. */
export interface IngestSummary {
  readonly pipeline: string;
  readonly table: string;
  readonly batch: readonly OffsetRange[];
  readonly recordsIn: number;
  readonly rowsWritten: number;
  readonly filtered: number;
  readonly quarantined: number;
  readonly files: readonly { readonly key: string; readonly partition: string; readonly rows: number }[];
  readonly quarantineFiles: readonly string[];
  /** Per committed range, the largest event time written: what later batches' watermarks build on. */
  readonly maxEventTimes: readonly RangeEventTime[];
}

export type Counts = Pick<BatchPlan, "recordsIn" | "filtered" | "quarantined">;

export const NO_COUNTS: Counts = { recordsIn: 0, filtered: 0, quarantined: 0 };

/**
 * The counts of what a batch commits: all of the plan, or, when some partitions resume at a
 * failed offset, only the records below it. A retry counts the rest, so totals over a
 * partition's invocations add up to its records once.
 */
export function committedCounts(
  batches: readonly PartitionBatch[],
  planned: BatchPlan,
  failedAt: ReadonlyMap<string, number>,
): Counts {
  if (failedAt.size === 0) return planned;
  const below = (tp: string, offset: number) => offset < (failedAt.get(tp) ?? Number.POSITIVE_INFINITY);
  let recordsIn = 0;
  for (const b of batches) {
    for (const r of b.records) if (below(`${b.topic}-${b.partition}`, r.offset)) recordsIn++;
  }
  let filtered = 0;
  for (const [tp, offsets] of planned.filteredOffsets) filtered += offsets.filter((o) => below(tp, o)).length;
  let quarantined = 0;
  for (const q of planned.quarantineFiles) {
    quarantined += q.lines.filter((l) => below(`${q.topic}-${q.partition}`, l.offset)).length;
  }
  return { recordsIn, filtered, quarantined };
}

export function summarize(
  pipeline: Pipeline,
  batch: readonly OffsetRange[],
  counts: Counts,
  data: readonly WrittenFile[],
  bad: readonly WrittenFile[],
  eventTimes: readonly RecordTime[] = [],
): IngestSummary {
  return {
    pipeline: pipeline.name,
    table: pipeline.sink.table,
    batch,
    recordsIn: counts.recordsIn,
    rowsWritten: data.reduce((n, w) => n + w.file.rows, 0),
    filtered: counts.filtered,
    quarantined: counts.quarantined,
    files: data.map((w) => ({ key: w.key, partition: w.file.partitionPath ?? "", rows: w.file.rows })),
    quarantineFiles: bad.map((w) => w.key),
    maxEventTimes: maxEventTimesOf(eventTimes, batch),
  };
}
