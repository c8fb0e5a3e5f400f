import pLimit from "p-limit";
import { HIVE_DEFAULT_PARTITION, unescapeHivePathName } from "../../core/hive-path.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { dedupeRows, type LineageRow } from "../../core/stages/dedupe.ts";
import { CorruptFileError } from "../../core/stages/errors.ts";
import type { RawFileRef } from "../../core/stages/plan.ts";
import { fileSchema } from "../../core/table-layout.ts";
import { readRows } from "./read-rows.ts";
import type { StageDeps } from "./stage-deps.ts";

export interface LoadedPartition {
  /** Deduped rows in (topic, partition, offset) order, value-partition columns restored from the path. */
  readonly rows: LineageRow[];
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly rowsIn: number;
  readonly duplicates: number;
  /** Raw bytes scaled by the share of rows each file keeps: what the deduped data weighs. */
  readonly estimatedBytes: number;
}

/**
 * Reads the committed raw files of ONE partition path and dedupes them. Dedupe is per path:
 * a flatMap may send rows of one offset to different partitions, and those are distinct rows.
 * `columns` (top-level names) reads only those; lineage columns are always read. `traced` rows
 * carry their `rowSource`, to be read again whole.
 */
export async function loadPartitionRows(
  deps: StageDeps,
  refs: readonly RawFileRef[],
  columns?: readonly string[],
  traced = false,
): Promise<LoadedPartition> {
  const limit = pLimit(deps.concurrency ?? 8);
  const files = await Promise.all(refs.map((ref) => limit(() => readRawFile(deps, ref, columns, traced))));
  const { rows, keptPerFile, duplicates } = dedupeRows(files);
  let estimatedBytes = 0;
  for (const f of files) {
    if (f.rows.length > 0) estimatedBytes += (f.bytes * (keptPerFile.get(f.key) ?? 0)) / f.rows.length;
  }
  return {
    rows,
    filesIn: files.length,
    bytesIn: files.reduce((n, f) => n + f.bytes, 0),
    rowsIn: files.reduce((n, f) => n + f.rows.length, 0),
    duplicates,
    estimatedBytes,
  };
}

const LINEAGE_COLUMNS = ["_topic", "_partition", "_offset", "_ts"];

/** Where a row was read from: its raw file and its position there, to read it again whole. */
const SOURCE_FILE = Symbol("lakestream.sourceFile");
const SOURCE_INDEX = Symbol("lakestream.sourceIndex");

export interface RowSource {
  readonly ref: RawFileRef;
  readonly index: number;
}

type Sourced = { [SOURCE_FILE]: RawFileRef; [SOURCE_INDEX]: number };

/** A row with the place it was read from (`traced` rows of `loadPartitionRows` have one). */
export function rowSource(row: LineageRow): RowSource {
  const r = row as unknown as Sourced;
  return { ref: r[SOURCE_FILE], index: r[SOURCE_INDEX] };
}

/**
 * The bytes of raw files read `traced`, kept for as long as the plan's file reference lives (one
 * stage invocation): reading such a file again whole costs no second GET. Compressed bytes are
 * a small fraction of the rows they decode to.
 */
const tracedBodies = new WeakMap<RawFileRef, Uint8Array>();

/**
 * One raw file's rows with lineage and the path's partition values, each marked with its source
 * (`rowSource`) when `traced`. A file read again gives the same rows at the same positions.
 */
export async function readRawFile(
  deps: StageDeps,
  ref: RawFileRef,
  columns?: readonly string[],
  traced = false,
) {
  const body = tracedBodies.get(ref) ?? (await deps.store.get(ref.key));
  if (!body) throw new CorruptFileError(ref.key, "listed as committed but missing from the lake");
  if (traced) tracedBodies.set(ref, body);
  const schema = fileSchema(deps.pipeline);
  const rows = await readRows(ref.key, body, schema, columns && [...columns, ...LINEAGE_COLUMNS]);
  const { eventTime } = deps.pipeline.partitioning;
  const eventField = eventTime === "kafka-timestamp" ? undefined : eventTime.field;
  const restore = partitionValues(deps.pipeline, ref.partition);
  const lineage = (r: Record<string, unknown>, index: number) => {
    if (traced) {
      // Two fields, not an object per row: a partition's light rows are many.
      (r as Partial<Sourced>)[SOURCE_FILE] = ref;
      (r as Partial<Sourced>)[SOURCE_INDEX] = index;
    }
    return withLineage(r, ref.key, index, restore, eventField);
  };
  const watermark = ref.watermark === undefined ? {} : { watermark: ref.watermark };
  return { key: ref.key, bytes: body.byteLength, rows: rows.map(lineage), ...watermark };
}

/**
 * A backfill dataset written by another tool may lack lineage columns: each row then gets its
 * file key as topic and its position as offset, which is stable as long as the file is.
 */
function withLineage(
  row: Record<string, unknown>,
  key: string,
  index: number,
  restore: Readonly<Record<string, unknown>>,
  eventField: string | undefined,
): LineageRow {
  Object.assign(row, restore);
  if (row._topic === null || row._topic === undefined) {
    row._topic = `file:${key}`;
    row._partition = 0;
    row._offset = BigInt(index);
  }
  // Without an arrival time, the event time stands in (lateness follows watermarks, not `_ts`).
  row._ts ??= eventField === undefined ? 0 : row[eventField];
  return row as LineageRow;
}

/** Value-partition columns live only in the path (Hive layout): parse them back into values. */
function partitionValues(pipeline: Pipeline, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const segments = path.split("/").slice(pipeline.partitioning.granularity === "hour" ? 2 : 1);
  for (const segment of segments) {
    const eq = segment.indexOf("=");
    const name = unescapeHivePathName(segment.slice(0, eq));
    const text = segment.slice(eq + 1);
    const type = pipeline.schema[name]?.type;
    if (text === HIVE_DEFAULT_PARTITION) out[name] = null;
    else {
      const value = unescapeHivePathName(text);
      out[name] =
        type === "int32"
          ? Number(value)
          : type === "int64"
            ? BigInt(value)
            : type === "boolean"
              ? value === "true"
              : type === "date"
                ? Date.parse(`${value}T00:00:00Z`) / 86_400_000
                : value;
    }
  }
  return out;
}
