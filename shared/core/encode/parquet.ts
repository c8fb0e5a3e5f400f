import { zstdCompressSync } from "node:zlib";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { TableSchema } from "../schema.ts";
import { parquetSchema } from "./parquet-schema.ts";

export interface ParquetOptions {
  readonly compression: "zstd" | "snappy";
  /** Key-value metadata stored in the footer (lineage offsets, pipeline name). */
  readonly metadata?: Readonly<Record<string, string>>;
}

// Node 24's zlib has zstd built in: no native addon or wasm module in the Lambda bundle.
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdCompressSync(input)) };

/**
 * Encodes rows given column-wise (`columns[name][i]`, values in storage form) as one
 * Parquet file, with statistics so engines can skip row groups.
 */
export function encodeParquet(
  schema: TableSchema,
  columns: Readonly<Record<string, unknown[]>>,
  options: ParquetOptions,
): Uint8Array {
  const writer = new ByteWriter();
  const pw = new ParquetWriter({
    writer,
    schema: parquetSchema(schema),
    codec: options.compression === "zstd" ? "ZSTD" : "SNAPPY",
    compressors,
    statistics: true,
    createdBy: "lakestream",
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  const rowCount = columns[Object.keys(schema)[0]!]?.length ?? 0;
  pw.write({
    columnData: Object.keys(schema).map((name) => ({ name, data: columns[name] ?? [] })),
    rowGroupSize: Math.max(rowCount, 1),
  });
  pw.finish();
  return new Uint8Array(writer.getBuffer());
}
