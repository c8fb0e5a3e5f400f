import { hiveSegment, MAX_PARTITION_PATH_BYTES, SegmentTooLongError } from "./hive-path.ts";
import type { Pipeline } from "./pipeline/types.ts";

/** Time partition columns written in the path: `dt=YYYY-MM-DD[/hour=HH]`. */
export const TIME_PARTITION_COLUMNS = { day: ["dt"], hour: ["dt", "hour"] } as const;

/**
 * Computes a row's partition path from event time (never the wall clock) and the value
 * columns. `row` is in storage form (timestamps as epoch millis).
 */
export function partitionPath(
  pipeline: Pipeline,
  row: Readonly<Record<string, unknown>>,
  kafkaTimestamp: number,
): string {
  const { eventTime, granularity, columns } = pipeline.partitioning;
  const ms = eventTime === "kafka-timestamp" ? kafkaTimestamp : (row[eventTime.field] as number);
  let path = timePath(ms, granularity);
  for (const name of columns) {
    const isDate = pipeline.schema[name]?.type === "date";
    path += `/${hiveSegment(name, partitionValueText(row[name], isDate))}`;
  }
  if (columns.length > 0 && Buffer.byteLength(path) > MAX_PARTITION_PATH_BYTES) {
    throw new SegmentTooLongError(
      columns.at(-1)!,
      `the partition path is longer than ${MAX_PARTITION_PATH_BYTES} bytes once escaped (${Buffer.byteLength(path)} bytes)`,
    );
  }
  return path;
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const timePaths = { hour: new Map<number, string>(), day: new Map<number, string>() };

/** `dt=…[/hour=…]` for an instant; cached per time bucket because a batch spans few of them. */
function timePath(ms: number, granularity: "hour" | "day"): string {
  if (!Number.isFinite(ms) || ms < 0 || ms >= 253402300800000) {
    throw new RangeError("event time is outside years 1970-9999");
  }
  const cache = timePaths[granularity];
  const bucket = Math.floor(ms / BUCKET_MS[granularity]);
  let path = cache.get(bucket);
  if (path === undefined) {
    const iso = new Date(ms).toISOString();
    path =
      granularity === "hour" ? `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}` : `dt=${iso.slice(0, 10)}`;
    if (cache.size > 100_000) cache.clear();
    cache.set(bucket, path);
  }
  return path;
}

/** Partition values as Hive writes them: dates as YYYY-MM-DD, numbers in decimal, booleans as true/false. */
function partitionValueText(v: unknown, isDate: boolean): string | null {
  if (v === null || v === undefined) return null;
  if (isDate) return new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
  return String(v);
}

/** Start of the event-time window (epoch millis) that a partition path's time columns name. */
export function partitionStartMillis(path: string): number {
  const m = /^dt=(\d{4}-\d{2}-\d{2})(?:\/hour=(\d{2}))?/.exec(path);
  if (!m) throw new RangeError(`not a time partition path: ${path}`);
  return Date.parse(`${m[1]}T${m[2] ?? "00"}:00:00Z`);
}
