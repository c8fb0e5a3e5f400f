import { deserialize } from "../deserialize.ts";
import type { RawRecord } from "../kafka-decode.ts";
import type { TableSchema } from "../schema.ts";
import type { FileRecord } from "./file-records.ts";

/**
 * What the transform gets as `value` for a file record, by the file's format:
 * - JSON lines: the parsed line (strict UTF-8, as Kafka JSON values);
 * - text: the line as a string;
 * - CSV: an object of the header's names; fields are text, except that a field named like a
 *   schema column of an integer, double or boolean type is read as that type (empty is null), as
 *   Spark reads CSV with a schema;
 * - Parquet: the row with typed values (Date for timestamps and INT96, bigint for int64, exact
 *   decimal text, arrays, objects).
 * Hive partition values of the file's folders fill in keys an object value lacks. Throws (the
 * record goes to quarantine as a DeserializeError) when the bytes are not what the format says.
 */
export function fileValueDecoder(schema: TableSchema): (record: RawRecord) => unknown {
  const typed = csvTypes(schema);
  return (raw) => {
    const r = raw as FileRecord;
    let value: unknown;
    if (r.decoded !== undefined) {
      if ("error" in r.decoded) throw new TypeError(r.decoded.error);
      value =
        r.format === "csv" ? typeCsv(r.decoded.value as Record<string, string>, typed) : r.decoded.value;
    } else {
      value = deserialize(r.value, r.format === "text" ? "string" : "json");
    }
    if (r.pathValues !== undefined && isPlainObject(value)) {
      const merged: Record<string, unknown> = { ...r.pathValues };
      for (const [k, v] of Object.entries(value)) if (v !== undefined) merged[k] = v;
      return merged;
    }
    return value;
  };
}

type CsvType = "int32" | "int64" | "double" | "boolean";

function csvTypes(schema: TableSchema): ReadonlyMap<string, CsvType> {
  const out = new Map<string, CsvType>();
  for (const [name, col] of Object.entries(schema)) {
    if (col.type === "int32" || col.type === "int64" || col.type === "double" || col.type === "boolean") {
      out.set(name, col.type);
    }
  }
  return out;
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|NaN)$/;

function typeCsv(
  fields: Record<string, string>,
  types: ReadonlyMap<string, CsvType>,
): Record<string, unknown> {
  if (types.size === 0) return fields;
  const out: Record<string, unknown> = { ...fields };
  for (const [name, type] of types) {
    const text = fields[name];
    if (text === undefined) continue;
    const t = text.trim();
    if (t === "") {
      out[name] = null;
      continue;
    }
    let v: unknown;
    if (type === "boolean") v = /^true$/i.test(t) ? true : /^false$/i.test(t) ? false : undefined;
    else if (type === "int64") v = INTEGER.test(t) ? BigInt(t) : undefined;
    else if (type === "int32") v = INTEGER.test(t) ? Number(t) : undefined;
    else v = NUMBER.test(t) ? Number(t) : undefined;
    if (v === undefined) throw new TypeError(`CSV field "${name}" is not a ${type}: ${JSON.stringify(text)}`);
    out[name] = v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
