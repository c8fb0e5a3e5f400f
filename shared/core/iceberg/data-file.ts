import { encodeParquet, parquetFileWriter } from "../encode/parquet.ts";
import type { TableSchema } from "../schema.ts";
import { type FileMetrics, fileMetrics, metricsAccumulator } from "./metrics.ts";
import { fieldIdsByPath } from "./schema.ts";
import type { DataFile, IcebergSchema, PartitionValue } from "./types.ts";

export interface DataFileInput {
  /** Absolute location (URI) the file will be written to. */
  readonly location: string;
  /** The columns written, in lakestream's terms (names match the table schema's fields). */
  readonly schema: TableSchema;
  /** Column-wise values in storage form, all of one partition. */
  readonly columns: Readonly<Record<string, unknown[]>>;
  readonly rowCount: number;
  /** The table's current schema: its field ids go into the Parquet columns and the metrics. */
  readonly table: IcebergSchema;
  readonly partition: Readonly<Record<string, PartitionValue>>;
  readonly compression: "zstd" | "snappy";
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Encodes one Parquet data file of an Iceberg table and the manifest entry that describes it. */
export function encodeDataFile(input: DataFileInput): { bytes: Uint8Array; dataFile: DataFile } {
  const bytes = encodeParquet(input.schema, input.columns, {
    compression: input.compression,
    fieldIds: fieldIdsByPath(input.table),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  });
  const m = fileMetrics(input.schema, input.columns, input.table);
  return { bytes, dataFile: dataFileEntry(input, input.rowCount, bytes, m) };
}

/**
 * Rows per row group of a file written row by row: a bound on what a stage holds while it
 * rewrites a partition, and large enough for engines to read in long runs (DuckDB writes
 * 122,880). Fixed, so the same rows always make the same bytes, however they were fed.
 */
export const ROW_GROUP_ROWS = 32_768;

/** A data file fed rows in parts; only its encoded bytes and one row group's rows are held. */
export interface DataFileWriter {
  add(row: Readonly<Record<string, unknown>>): void;
  finish(): { bytes: Uint8Array; dataFile: DataFile };
}

/** Encodes one data file `groupRows` rows at a time, its metrics merged over the groups. */
export function dataFileWriter(
  input: Omit<DataFileInput, "columns" | "rowCount">,
  groupRows = ROW_GROUP_ROWS,
): DataFileWriter {
  const file = parquetFileWriter(input.schema, {
    compression: input.compression,
    fieldIds: fieldIdsByPath(input.table),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  });
  const metrics = metricsAccumulator(input.schema, input.table);
  const names = Object.keys(input.schema);
  let pending: Readonly<Record<string, unknown>>[] = [];
  let rowCount = 0;
  const flush = () => {
    const columns: Record<string, unknown[]> = {};
    for (const name of names) columns[name] = pending.map((r) => r[name] ?? null);
    file.append(columns);
    metrics.add(columns);
    rowCount += pending.length;
    pending = [];
  };
  return {
    add(row) {
      pending.push(row);
      if (pending.length === groupRows) flush();
    },
    finish() {
      if (pending.length > 0 || rowCount === 0) flush();
      const bytes = file.finish();
      return { bytes, dataFile: dataFileEntry(input, rowCount, bytes, metrics.result()) };
    },
  };
}

function dataFileEntry(
  input: Omit<DataFileInput, "columns" | "rowCount">,
  rowCount: number,
  bytes: Uint8Array,
  m: FileMetrics,
): DataFile {
  return {
    content: 0,
    filePath: input.location,
    fileFormat: "PARQUET",
    partition: input.partition,
    recordCount: rowCount,
    fileSizeInBytes: bytes.byteLength,
    valueCounts: m.valueCounts,
    nullValueCounts: m.nullValueCounts,
    nanValueCounts: m.nanValueCounts,
    lowerBounds: m.lowerBounds,
    upperBounds: m.upperBounds,
  };
}
