import { gzipSync } from "node:zlib";
import type { Column, TableSchema } from "../schema.ts";

/**
 * Encodes rows as gzip-compressed JSON Lines, the second sink format: readable by
 * Athena/Hive JSON SerDes, Spark and DuckDB. Timestamps are ISO-8601 UTC, dates
 * YYYY-MM-DD, decimals text (so no digit is lost), int64 a number when it is safe.
 */
export function encodeJsonlGzip(
  schema: TableSchema,
  columns: Readonly<Record<string, unknown[]>>,
): Uint8Array {
  const names = Object.keys(schema);
  const rowCount = columns[names[0]!]?.length ?? 0;
  const lines: string[] = new Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const row: Record<string, unknown> = {};
    for (const name of names) row[name] = columns[name]![i];
    lines[i] = JSON.stringify(rowToJson(schema, row));
  }
  return new Uint8Array(gzipSync(lines.length ? `${lines.join("\n")}\n` : ""));
}

/** A row in storage form as plain JSON values, by the rules above. */
export function rowToJson(
  schema: TableSchema,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(schema)) out[name] = toJson(col, row[name]);
  return out;
}

function toJson(col: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (col.type) {
    case "timestamp":
      return new Date(v as number).toISOString();
    case "date":
      return new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
    case "int64":
      return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
    case "decimal":
      return decimalText(v as bigint, col.scale);
    case "list":
      return (v as unknown[]).map((x) => toJson(col.items, x));
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(col.fields)) out[k] = toJson(c, (v as Record<string, unknown>)[k]);
      return out;
    }
    default:
      return v;
  }
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}
