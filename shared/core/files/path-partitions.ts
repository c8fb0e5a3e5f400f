import { HIVE_DEFAULT_PARTITION, unescapeHivePathName } from "../hive-path.ts";
import type { TableSchema } from "../schema.ts";

/**
 * Hive partition folders of a dataset written by Spark, Hive or Flink (`dt=2026-11-23/hour=6/…`).
 * Such writers keep partition columns in the path only, so a reader puts them back into each
 * row, as Spark's partition discovery does; values are unescaped as Hive escapes them, and
 * `__HIVE_DEFAULT_PARTITION__` (null or empty) is null.
 */
export function hivePartitionValues(path: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const folders = path.split("/").slice(0, -1);
  for (const folder of folders) {
    const eq = folder.indexOf("=");
    if (eq <= 0) continue;
    const name = unescapeHivePathName(folder.slice(0, eq));
    const text = folder.slice(eq + 1);
    out[name] = text === HIVE_DEFAULT_PARTITION ? null : unescapeHivePathName(text);
  }
  return out;
}

/**
 * The path's values of the pipeline's columns (a column kept only in the folders, as Spark and
 * Hive write partition columns), typed for them: integers, booleans as Hive writes them;
 * everything else stays text, which the row normalizer reads (dates, times, decimals). Folders
 * of no column (`dt`, `hour` of a dataset partitioned by time) are left out: a row holds only
 * the schema's columns. A value that is not a number where the column wants one stays text, and
 * the row then fails validation with the column named, as any other bad value does.
 */
export function typedPartitionValues(
  values: Readonly<Record<string, string | null>>,
  schema: TableSchema,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(values)) {
    const type = schema[name]?.type;
    if (type === undefined) continue;
    if (text === null) out[name] = null;
    else if ((type === "int32" || type === "double") && /^-?\d+(\.\d+)?$/.test(text))
      out[name] = Number(text);
    else if (type === "int64" && /^-?\d+$/.test(text)) out[name] = BigInt(text);
    else if (type === "boolean" && (text === "true" || text === "false")) out[name] = text === "true";
    else out[name] = text;
  }
  return out;
}

/**
 * The event-time span `[start, end)` a path's `dt` (and `hour`) folders name, in UTC, or
 * undefined when the path has no `dt` folder. `hour=6` and `hour=06` are the same hour: Spark
 * writes the first (it infers `hour` as an integer), Hive and lakestream the second.
 */
export function pathTimeSpan(
  values: Readonly<Record<string, string | null>>,
): { start: number; end: number } | undefined {
  const dt = values.dt;
  if (typeof dt !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(dt)) return undefined;
  const day = Date.parse(`${dt}T00:00:00Z`);
  if (Number.isNaN(day)) return undefined;
  const hour = values.hour;
  if (typeof hour === "string" && /^\d{1,2}$/.test(hour) && Number(hour) < 24) {
    const start = day + Number(hour) * 3_600_000;
    return { start, end: start + 3_600_000 };
  }
  return { start: day, end: day + 86_400_000 };
}
