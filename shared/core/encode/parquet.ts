import { zstdCompressSync } from "node:zlib";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import packageJson from "../../../package.json" with { type: "json" };
import type { Column, TableSchema } from "../schema.ts";
import { type FieldIds, parquetSchema } from "./parquet-schema.ts";

export interface ParquetOptions {
  readonly compression: "zstd" | "snappy";
  /** Key-value metadata stored in the footer (lineage offsets, pipeline name). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Iceberg field ids by column path; omitted for files no Iceberg table lists (raw landing files). */
  readonly fieldIds?: FieldIds;
}

// Node 24's zlib has zstd built in: no native addon or wasm module in the Lambda bundle.
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdCompressSync(input)) };

/**
 * Spark (parquet-mr's VersionParser) uses the min/max statistics of string and decimal columns
 * only when `created_by` reads `<app> version <semver> (build <id>)`; a bare name makes it
 * distrust them and scan every row group. The version alone is the build id: a footer must not
 * depend on when or where it was written, so replays stay byte-identical.
 */
export const PARQUET_CREATED_BY = `lakestream version ${packageJson.version} (build ${packageJson.version})`;

/**
 * Encodes rows given column-wise (`columns[name][i]`, values in storage form) as one
 * Parquet file, with statistics so engines can skip row groups.
 */
export function encodeParquet(
  schema: TableSchema,
  columns: Readonly<Record<string, unknown[]>>,
  options: ParquetOptions,
): Uint8Array {
  const file = parquetFileWriter(schema, options);
  file.append(columns);
  return file.finish();
}

/** A Parquet file written one row group at a time. */
export interface ParquetFileWriter {
  /** Appends the rows given column-wise as ONE row group (none when there are no rows). */
  append(columns: Readonly<Record<string, unknown[]>>): void;
  /** Writes the footer and returns the file's bytes. */
  finish(): Uint8Array;
}

/**
 * A file whose rows arrive in parts: each part becomes a row group, so a stage rewriting a
 * large partition holds one group's rows, not the file's. Only the encoded bytes accumulate.
 */
export function parquetFileWriter(schema: TableSchema, options: ParquetOptions): ParquetFileWriter {
  const writer = new ByteWriter();
  const pw = new ParquetWriter({
    writer,
    schema: parquetSchema(schema, options.fieldIds),
    codec: options.compression === "zstd" ? "ZSTD" : "SNAPPY",
    compressors,
    statistics: true,
    createdBy: PARQUET_CREATED_BY,
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  const names = Object.keys(schema);
  return {
    append(columns) {
      const rowCount = columns[names[0]!]?.length ?? 0;
      if (rowCount === 0) return;
      pw.write({
        columnData: names.map((name) => {
          const col = schema[name]!;
          const data = toParquetValues(col, columns[name] ?? []);
          // Flink's vectorized reader takes only PLAIN booleans; the writer would pick RLE past 16 values.
          return col.type === "boolean" ? { name, data, encoding: "PLAIN" as const } : { name, data };
        }),
        rowGroupSize: rowCount,
      });
    },
    finish() {
      pw.finish();
      return new Uint8Array(writer.getBuffer());
    },
  };
}

/** Storage form → what the writer takes: timestamps (epoch millis) become microseconds. */
function toParquetValues(col: Column, values: unknown[]): unknown[] {
  const convert = converter(col);
  return convert ? values.map(convert) : values;
}

type Convert = (v: unknown) => unknown;

/** A value converter for a column, or undefined when the column holds no timestamp at any depth. */
function converter(col: Column): Convert | undefined {
  switch (col.type) {
    case "timestamp":
      return (v) => (v === null || v === undefined ? v : BigInt(v as number) * 1000n);
    case "list": {
      const item = converter(col.items);
      return item && ((v) => (Array.isArray(v) ? v.map(item) : v));
    }
    case "struct": {
      const fields = Object.entries(col.fields).flatMap(([name, c]) => {
        const f = converter(c);
        return f ? [[name, f] as const] : [];
      });
      if (fields.length === 0) return undefined;
      return (v) => {
        if (v === null || v === undefined) return v;
        const out = { ...(v as Record<string, unknown>) };
        for (const [name, f] of fields) out[name] = f(out[name]);
        return out;
      };
    }
    default:
      return undefined;
  }
}
