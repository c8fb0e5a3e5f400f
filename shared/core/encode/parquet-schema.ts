import type { SchemaElement } from "hyparquet-writer";
import type { Column, TableSchema } from "../schema.ts";

/**
 * Maps the table schema to Parquet schema elements in the forms every engine reads:
 * standard 3-level LISTs, UTC TIMESTAMP_MILLIS, and DECIMAL as FIXED_LEN_BYTE_ARRAY
 * (the form Hive reads; Spark writes it too when asked for Hive compatibility).
 */
export function parquetSchema(columns: TableSchema): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: Object.keys(columns).length }];
  for (const [name, col] of Object.entries(columns)) appendColumn(out, name, col);
  return out;
}

function appendColumn(out: SchemaElement[], name: string, col: Column): void {
  const repetition_type = col.nullable ? "OPTIONAL" : "REQUIRED";
  switch (col.type) {
    case "list":
      out.push({
        name,
        repetition_type,
        converted_type: "LIST",
        logical_type: { type: "LIST" },
        num_children: 1,
      });
      out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      appendColumn(out, "element", col.items);
      return;
    case "struct":
      out.push({ name, repetition_type, num_children: Object.keys(col.fields).length });
      for (const [child, c] of Object.entries(col.fields)) appendColumn(out, child, c);
      return;
    default:
      out.push({ name, repetition_type, ...primitive(col) });
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
        converted_type: "TIMESTAMP_MILLIS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
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
