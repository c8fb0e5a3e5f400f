import { gunzipSync, zstdDecompressSync } from "node:zlib";
import { type FileMetaData, parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { firstColumnMismatch } from "../../core/files/parquet-mapping.ts";
import { structNormalizer } from "../../core/row-normalize.ts";
import type { Column, TableSchema } from "../../core/schema.ts";
import { CorruptFileError } from "../../core/stages/errors.ts";

/**
 * Reads a lake file back into rows in storage form (int64 and decimals as bigint, timestamps
 * as epoch millis, dates as epoch days), the form the encoders take, so compaction rewrites
 * values bit for bit. hyparquet is pure JavaScript: nothing native in the Lambda bundle.
 */
export async function readRows(
  key: string,
  body: Uint8Array,
  schema: TableSchema,
  columns?: readonly string[],
): Promise<Record<string, unknown>[]> {
  try {
    if (key.endsWith(".parquet")) return await readParquet(body, project(schema, columns));
    if (key.endsWith(".jsonl.gz")) return readJsonl(gunzipSync(body), schema);
  } catch (e) {
    throw new CorruptFileError(key, `cannot read: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  throw new CorruptFileError(key, "not a .parquet or .jsonl.gz file");
}

// Node 24's zlib decompresses zstd natively, as encode/parquet.ts compresses with it.
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) };
// Storage form keeps epoch millis: files written before the switch to microseconds hold millis.
const parsers = {
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us / 1000n),
  dateFromDays: (days: number) => days,
};

/**
 * The schema's columns named in `columns` (all when absent). A Parquet file's column chunks are
 * apart, so a stage that needs a few columns (keys, event time, lineage) decodes only those.
 */
function project(schema: TableSchema, columns: readonly string[] | undefined): TableSchema {
  if (!columns) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([name]) => columns.includes(name)));
}

async function readParquet(body: Uint8Array, schema: TableSchema): Promise<Record<string, unknown>[]> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const footer = parquetMetadata(file);
  const tree = parquetSchema(footer);
  // A backfill dataset written by another tool may hold a column of another type: say which.
  const mismatch = firstColumnMismatch(tree, schema);
  if (mismatch) {
    throw new TypeError(
      `column "${mismatch.column}": ${mismatch.found} cannot be read as the table's ${mismatch.expected}`,
    );
  }
  const metadata = withRawDecimals(footer);
  // Only columns the file has: a dataset written by another tool may lack lineage columns.
  const present = new Set(tree.children.map((c) => c.element.name));
  const columns = Object.keys(schema).filter((name) => present.has(name));
  const rows = await parquetReadObjects({ file, metadata, compressors, parsers, columns });
  const fields = Object.entries(schema);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [name, col] of fields) out[name] = fromParquet(col, row[name]);
    return out;
  });
}

/**
 * hyparquet turns DECIMAL into a JavaScript number, which loses digits past 2^53. Dropping
 * the annotation hands us the two's-complement bytes, which `fromParquet` turns into bigint.
 */
function withRawDecimals(metadata: FileMetaData): FileMetaData {
  return {
    ...metadata,
    schema: metadata.schema.map((el) => {
      if (el.converted_type !== "DECIMAL" && el.logical_type?.type !== "DECIMAL") return el;
      const { converted_type: _c, logical_type: _l, ...rest } = el;
      return rest;
    }),
  };
}

function fromParquet(col: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (col.type) {
    case "decimal":
      return typeof v === "bigint" ? v : v instanceof Uint8Array ? twosComplement(v) : BigInt(v as number);
    case "int64":
      return BigInt(v as bigint);
    case "list":
      return (v as unknown[]).map((x) => fromParquet(col.items, x));
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(col.fields))
        out[k] = fromParquet(c, (v as Record<string, unknown>)[k]);
      return out;
    }
    default:
      return v;
  }
}

function twosComplement(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? n - (1n << bits) : n;
}

/** The JSON Lines sink writes JSON forms (ISO times, decimal text); the row normalizer reads them back. */
function readJsonl(text: Uint8Array, schema: TableSchema): Record<string, unknown>[] {
  const normalize = structNormalizer(schema);
  const int64s = Object.keys(schema).filter((n) => schema[n]!.type === "int64");
  const out: Record<string, unknown>[] = [];
  for (const line of new TextDecoder().decode(text).split("\n")) {
    if (line.length === 0) continue;
    const json = JSON.parse(line) as Record<string, unknown>;
    // Unsafe int64 values are written as text so no digit is lost.
    for (const n of int64s) if (typeof json[n] === "string") json[n] = BigInt(json[n] as string);
    out.push(normalize(json, "") as Record<string, unknown>);
  }
  return out;
}
