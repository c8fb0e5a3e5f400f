import type { Column, TableSchema } from "../schema.ts";
import type { IcebergField, IcebergSchema, IcebergType } from "./types.ts";

/**
 * lakestream column types as Iceberg types. Timestamps are `timestamptz` (UTC microseconds in
 * the files); lists and structs keep their nesting, so engines see the same shape as the
 * pipeline declares.
 */
export function icebergTypeOf(column: Column, nextId: () => number): IcebergType {
  switch (column.type) {
    case "string":
      return "string";
    case "int32":
      return "int";
    case "int64":
      return "long";
    case "double":
      return "double";
    case "boolean":
      return "boolean";
    case "timestamp":
      return "timestamptz";
    case "date":
      return "date";
    case "decimal":
      return `decimal(${column.precision},${column.scale})`;
    case "list": {
      const id = nextId();
      return {
        type: "list",
        "element-id": id,
        "element-required": !column.items.nullable,
        element: icebergTypeOf(column.items, nextId),
      };
    }
    case "struct":
      return { type: "struct", fields: structFields(column.fields, nextId) };
  }
}

/**
 * Ids as Iceberg's reference implementation assigns them to a new table: the fields of a struct
 * first, then what is nested in each, so `1..n` are the top-level columns.
 */
function structFields(fields: TableSchema, nextId: () => number): IcebergField[] {
  const entries = Object.entries(fields);
  const ids = entries.map(() => nextId());
  return entries.map(([name, col], i) => ({
    id: ids[i]!,
    name,
    required: !col.nullable,
    type: icebergTypeOf(col, nextId),
  }));
}

/** A fresh schema (id 0) for a new table, with ids from 1. */
export function newIcebergSchema(columns: TableSchema): IcebergSchema {
  let last = 0;
  return { type: "struct", "schema-id": 0, fields: structFields(columns, () => ++last) };
}

/** The highest field id in a schema. */
export function lastColumnId(schema: { readonly fields: readonly IcebergField[] }): number {
  return Math.max(0, ...fieldIdsByPath(schema).values());
}

/**
 * Field ids by column path (`col`, `struct.child`, `list.element`), the form the Parquet encoder
 * takes, so every column of a data file carries the id of the table's current schema — the ids
 * the catalog assigned, which need not be the ones this code would have chosen.
 */
export function fieldIdsByPath(schema: { readonly fields: readonly IcebergField[] }): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (path: string, t: IcebergType) => {
    if (typeof t === "string") return;
    if (t.type === "struct") {
      for (const f of t.fields) {
        const p = path ? `${path}.${f.name}` : f.name;
        out.set(p, f.id);
        visit(p, f.type);
      }
    } else if (t.type === "list") {
      out.set(`${path}.element`, t["element-id"]);
      visit(`${path}.element`, t.element);
    } else {
      out.set(`${path}.key`, t["key-id"]);
      out.set(`${path}.value`, t["value-id"]);
      visit(`${path}.key`, t.key);
      visit(`${path}.value`, t.value);
    }
  };
  visit("", { type: "struct", fields: schema.fields });
  return out;
}

/** The field of a schema at a dotted path of struct fields, if any. */
export function fieldAtPath(schema: { readonly fields: readonly IcebergField[] }, path: string) {
  let fields: readonly IcebergField[] | undefined = schema.fields;
  let found: IcebergField | undefined;
  for (const name of path.split(".")) {
    found = fields?.find((f) => f.name === name);
    if (!found) return undefined;
    fields = typeof found.type !== "string" && found.type.type === "struct" ? found.type.fields : undefined;
  }
  return found;
}
