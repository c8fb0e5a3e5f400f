import { decimalBytes } from "../encode/parquet-schema.ts";
import type { Column } from "../schema.ts";
import { columnDoc, partitionNote, shapeTitle } from "./column-docs.ts";
import type { TableShape } from "./table-shape.ts";

/** An Avro schema as JSON (Avro 1.12 specification). */
export type AvroSchema = string | Readonly<Record<string, unknown>> | readonly AvroSchema[];

/**
 * The Avro schema of a table's rows (the columns in its files) or of a write-back topic's
 * values. Timestamps are `timestamp-micros` (UTC instants, as the Parquet files store them),
 * dates `date`, decimals `decimal` on a `fixed` of the size Parquet uses, lists `array`,
 * structs nested records; a nullable column is a union with null first and default null.
 * Partition columns are listed in the `lakestream.partitionColumns` property (they are in the
 * path, not the files), so a reader can still declare them.
 */
export function avroSchema(shape: TableShape): Record<string, unknown> {
  const defined = new Set<string>();
  const name = shape.kind === "write-back" ? `${shape.name}_value` : shape.name;
  const namespace = `lakestream.${shape.pipeline}`;
  const fields = Object.entries(shape.columns).map(([column, col]) =>
    field(column, col, `${name}_${column}`, defined, columnDoc(shape, column)),
  );
  const note = partitionNote(shape);
  return {
    type: "record",
    name,
    namespace,
    doc: note ? `${shapeTitle(shape)}. ${note}.` : `${shapeTitle(shape)}.`,
    fields,
    ...(shape.partitionColumns.length > 0
      ? {
          "lakestream.partitionColumns": shape.partitionColumns.map((c) => ({
            name: c.name,
            type: avroType(c.column, `${name}_${c.name}`, new Set()),
            doc: c.comment,
          })),
        }
      : {}),
  };
}

function field(
  name: string,
  col: Column,
  typeName: string,
  defined: Set<string>,
  doc: string | undefined,
): Record<string, unknown> {
  const type = avroType(col, typeName, defined);
  return {
    name,
    ...(col.nullable ? { type: ["null", type], default: null } : { type }),
    ...(doc ? { doc } : {}),
  };
}

/** The non-null Avro type of a column; `typeName` names a struct's record uniquely. */
function avroType(col: Column, typeName: string, defined: Set<string>): AvroSchema {
  switch (col.type) {
    case "string":
    case "boolean":
    case "double":
      return col.type;
    case "int32":
      return "int";
    case "int64":
      return "long";
    case "timestamp":
      return { type: "long", logicalType: "timestamp-micros" };
    case "date":
      return { type: "int", logicalType: "date" };
    case "decimal": {
      // Avro names are global in a schema: the second use of a fixed refers to it by name.
      const name = `decimal_${col.precision}_${col.scale}`;
      if (defined.has(name)) return name;
      defined.add(name);
      return {
        type: "fixed",
        name,
        size: decimalBytes(col.precision),
        logicalType: "decimal",
        precision: col.precision,
        scale: col.scale,
      };
    }
    case "list": {
      const items = avroType(col.items, `${typeName}_element`, defined);
      return { type: "array", items: col.items.nullable ? ["null", items] : items };
    }
    case "struct":
      defined.add(typeName);
      return {
        type: "record",
        name: typeName,
        fields: Object.entries(col.fields).map(([name, c]) =>
          field(name, c, `${typeName}_${name}`, defined, undefined),
        ),
      };
  }
}
