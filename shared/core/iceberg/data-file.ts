import { encodeParquet } from "../encode/parquet.ts";
import type { TableSchema } from "../schema.ts";
import { fileMetrics } from "./metrics.ts";
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
  return {
    bytes,
    dataFile: {
      content: 0,
      filePath: input.location,
      fileFormat: "PARQUET",
      partition: input.partition,
      recordCount: input.rowCount,
      fileSizeInBytes: bytes.byteLength,
      valueCounts: m.valueCounts,
      nullValueCounts: m.nullValueCounts,
      nanValueCounts: m.nanValueCounts,
      lowerBounds: m.lowerBounds,
      upperBounds: m.upperBounds,
    },
  };
}
