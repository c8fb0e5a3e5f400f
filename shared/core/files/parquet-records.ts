import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from "node:zlib";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { type FileRecord, fileRecord, type StreamOf } from "./file-records.ts";
import { decimalConverters, rowJson, withUnscaledDecimals } from "./parquet-values.ts";

/**
 * Codecs beside snappy (built into hyparquet) that Spark, Hive and Flink write; Node's zlib has
 * them natively. LZ4 is not among them: such a file is quarantined with that reason.
 */
const compressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};

/** The footer of a Parquet file; throws when the bytes are not Parquet. */
export async function parquetFooter(file: AsyncBuffer): Promise<FileMetaData> {
  const head = new Uint8Array(await file.slice(0, 4));
  if (new TextDecoder().decode(head) !== "PAR1") throw new TypeError("not a Parquet file (no PAR1 magic)");
  return parquetMetadataAsync(file);
}

/** A run of whole row groups: the unit a large Parquet file is cut into. */
export interface RowSpan {
  readonly rowStart: number;
  readonly rowEnd: number;
}

/**
 * Consecutive row groups, gathered until their compressed size reaches `targetBytes`: each span
 * is read alone (its column chunks only), so a large file becomes several independent units.
 */
export function rowGroupSpans(metadata: FileMetaData, targetBytes: number): RowSpan[] {
  const out: RowSpan[] = [];
  let start = 0;
  let rows = 0;
  let bytes = 0;
  for (const group of metadata.row_groups) {
    rows += Number(group.num_rows);
    bytes += Number(group.total_compressed_size ?? group.total_byte_size);
    if (bytes >= targetBytes) {
      out.push({ rowStart: start, rowEnd: rows });
      start = rows;
      bytes = 0;
    }
  }
  if (rows > start) out.push({ rowStart: start, rowEnd: rows });
  return out;
}

/**
 * The rows `[rowStart, rowEnd)` of a file as records: offset = row position (from 0, as
 * Iceberg's `_pos`), value = the typed row, bytes for quarantine = the row as JSON.
 */
export async function parquetRecords(
  file: AsyncBuffer,
  metadata: FileMetaData,
  span: RowSpan,
  stream: StreamOf,
): Promise<FileRecord[]> {
  const convert = decimalConverters(parquetSchema(metadata));
  const rows = await parquetReadObjects({
    file,
    metadata: withUnscaledDecimals(metadata),
    rowStart: span.rowStart,
    rowEnd: span.rowEnd,
    compressors,
    // Binary columns stay bytes; strings are annotated as such by every writer that matters.
    utf8: false,
  });
  const encoder = new TextEncoder();
  return rows.map((read, i) => {
    const row: Record<string, unknown> = { ...read };
    for (const [name, c] of convert) row[name] = c(row[name]);
    return fileRecord(stream, span.rowStart + i, encoder.encode(rowJson(row)), { value: row });
  });
}
