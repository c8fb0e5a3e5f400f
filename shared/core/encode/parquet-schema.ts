import type { SchemaElement } from "hyparquet-writer";
import type { Column, TableSchema } from "../schema.ts";

/**
 * Field ids by column path, as an Iceberg table schema assigns them: a top-level column is its
 * name, a struct field `parent.child`, a list's element `parent.element`. Readers that resolve
 * columns by id (Iceberg in Spark, Flink, Trino, pyiceberg) need every Parquet column to carry it.
 */
export type FieldIds = ReadonlyMap<string, number>;

/**
 * Maps the table schema to Parquet schema elements in the forms every engine reads:
 * standard 3-level LISTs, UTC TIMESTAMP in microseconds (Spark's vectorized Iceberg reader
 * rejects milliseconds), and DECIMAL as FIXED_LEN_BYTE_ARRAY (the form Hive reads).
 */
export function parquetSchema(columns: TableSchema, fieldIds?: FieldIds): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: Object.keys(columns).length }];
  for (const [name, col] of Object.entries(columns)) appendColumn(out, name, name, col, fieldIds);
  return out;
}

function appendColumn(
  out: SchemaElement[],
  name: string,
  path: string,
  col: Column,
  fieldIds: FieldIds | undefined,
): void {
  const repetition_type = col.nullable ? "OPTIONAL" : "REQUIRED";
  const id = fieldIds?.get(path);
  const field = id === undefined ? {} : { field_id: id };
  switch (col.type) {
    case "list":
      out.push({
        name,
        repetition_type,
        converted_type: "LIST",
        logical_type: { type: "LIST" },
        num_children: 1,
        ...field,
      });
      out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      appendColumn(out, "element", `${path}.element`, col.items, fieldIds);
      return;
    case "struct":
      out.push({ name, repetition_type, num_children: Object.keys(col.fields).length, ...field });
      for (const [child, c] of Object.entries(col.fields))
        appendColumn(out, child, `${path}.${child}`, c, fieldIds);
      return;
    default:
      out.push({ name, repetition_type, ...primitive(col), ...field });
  }
}

function primitive(col: Column): Omit<SchemaElement, "name"> {
  switch (col.type) {
    case "string":
      return { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } };
    case "int32":
      return { type: "INT32" };
    case "int64":
      return { type: "INT64" };
    case "double":
      return { type: "DOUBLE" };
    case "boolean":
      return { type: "BOOLEAN" };
    case "timestamp":
      return {
        type: "INT64",
        converted_type: "TIMESTAMP_MICROS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
      };
    case "date":
      return { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } };
    case "decimal":
      return {
        type: "FIXED_LEN_BYTE_ARRAY",
        type_length: decimalBytes(col.precision),
        converted_type: "DECIMAL",
        precision: col.precision,
        scale: col.scale,
        logical_type: { type: "DECIMAL", precision: col.precision, scale: col.scale },
      };
    default:
      throw new TypeError(`not a primitive column: ${col.type}`);
  }
}

/** Fewest bytes whose signed range holds every decimal of this precision. */
export function decimalBytes(precision: number): number {
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
}
