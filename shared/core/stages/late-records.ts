import { rowToJson } from "../encode/jsonl-gzip.ts";
import type { Pipeline } from "../pipeline/types.ts";
import { fileSchema } from "../table-layout.ts";
import type { LateRow } from "./aggregate.ts";
import { LateRecordError } from "./errors.ts";

/**
 * Records that came after the stream's event-time watermark had passed their window (see
 * watermarks.ts) do not change a published aggregate; they go to quarantine with the reason and
 * the row, so an operator can see them and fold them in by hand (or widen
 * `allowedLatenessMinutes` and backfill: the watermark is computed again with the run's lateness).
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
  const error = new LateRecordError(
    `event time ${iso(late.eventTime)} is in window [${iso(late.window.start)}, ${iso(late.window.end)}) ` +
      `of ${table}, which the watermark ${iso(late.watermark)} had reached (the largest event time of ` +
      `earlier batches of ${late.row._topic}-${late.row._partition}, ${iso(late.watermark + allowedLatenessMs)}, ` +
      `minus ${allowedLatenessMs / 60_000} min allowed lateness)`,
  );
  return {
    topic: late.row._topic,
    partition: late.row._partition,
    offset: Number(late.row._offset),
    table,
    eventTime: iso(late.eventTime),
    arrivedAt: iso(late.arrivedAt),
    watermark: iso(late.watermark),
    window: { start: iso(late.window.start), end: iso(late.window.end) },
    error: { name: error.name, message: error.message },
    row: rowToJson(fileSchema(pipeline), late.row),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
