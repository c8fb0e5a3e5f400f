import { rowToJson } from "../encode/jsonl-gzip.ts";
import type { Pipeline } from "../pipeline/types.ts";
import { fileSchema } from "../table-layout.ts";
import type { LateRow } from "./aggregate.ts";
import { LateRecordError } from "./errors.ts";

/**
 * Records that arrived after their window closed do not change a published aggregate; they go
 * to quarantine with the reason and the row, so an operator can see them and fold them in by
 * hand (or widen `allowedLatenessMinutes` and backfill).
 */

/** One file per gold table and owner partition, rewritten with each version of that partition. */
export function lateRecordsKey(pipeline: Pipeline, table: string, timePartition: string): string {
  return `${pipeline.quarantine.prefix}/${table}/late/${timePartition}/late.jsonl`;
}

/** The quarantine line of one late row: coordinates, times, window, reason and the row itself. */
export function lateRecordLine(
  pipeline: Pipeline,
  table: string,
  late: LateRow,
  allowedLatenessMs: number,
): Record<string, unknown> {
  const closedAt = late.window.end + allowedLatenessMs;
  const error = new LateRecordError(
    `arrived ${iso(late.arrivedAt)}, after window [${iso(late.window.start)}, ${iso(late.window.end)}) ` +
      `of ${table} closed at ${iso(closedAt)}`,
  );
  return {
    topic: late.row._topic,
    partition: late.row._partition,
    offset: Number(late.row._offset),
    table,
    eventTime: iso(late.eventTime),
    arrivedAt: iso(late.arrivedAt),
    window: { start: iso(late.window.start), end: iso(late.window.end) },
    error: { name: error.name, message: error.message },
    row: rowToJson(fileSchema(pipeline), late.row),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
