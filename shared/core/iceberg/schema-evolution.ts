import type { Column, TableSchema } from "../schema.ts";
import { SchemaEvolutionError } from "./errors.ts";
import { icebergTypeOf } from "./schema.ts";
import type { IcebergField, IcebergSchema, IcebergType } from "./types.ts";

export interface EvolvedSchema {
  readonly schema: IcebergSchema;
  readonly lastColumnId: number;
  /** What changed, one line per column, for logs and the run record. */
  readonly changes: readonly string[];
}

/**
 * Evolves a table's schema to what the pipeline now writes, the way Iceberg allows without
 * rewriting a file: new nullable columns and struct fields (fresh ids after `lastColumnId`),
 * int → long, float → double, a wider decimal of the same scale, required → optional. A column
 * the pipeline no longer writes stays in the table and becomes optional: old rows keep their
 * values, new rows read null. Anything else throws SchemaEvolutionError naming the column.
 * Returns undefined when the table already accepts what the pipeline writes.
 */
export function evolveSchema(
  table: string,
  current: IcebergSchema,
  lastColumnId: number,
  desired: TableSchema,
): EvolvedSchema | undefined {
  let last = lastColumnId;
  const changes: string[] = [];
  const nextId = () => ++last;
  const fields = evolveStruct(table, "", current.fields, desired, nextId, changes);
  if (changes.length === 0) return undefined;
  return {
    schema: { type: "struct", "schema-id": current["schema-id"] + 1, fields },
    lastColumnId: last,
    changes,
  };
}

function evolveStruct(
  table: string,
  path: string,
  current: readonly IcebergField[],
  desired: TableSchema,
  nextId: () => number,
  changes: string[],
): IcebergField[] {
  const at = (name: string) => (path ? `${path}.${name}` : name);
  const out: IcebergField[] = current.map((field) => {
    const column = desired[field.name];
    if (!column) {
      if (!field.required) return field;
      changes.push(`${at(field.name)}: no longer written, now optional`);
      return { ...field, required: false };
    }
    const type = evolveType(table, at(field.name), field.type, column, nextId, changes);
    const required = field.required && !column.nullable;
    if (field.required && !required) changes.push(`${at(field.name)}: now optional`);
    return type === field.type && required === field.required ? field : { ...field, type, required };
  });
  const known = new Set(current.map((f) => f.name));
  for (const [name, column] of Object.entries(desired)) {
    if (known.has(name)) continue;
    if (!column.nullable) {
      throw new SchemaEvolutionError(
        table,
        at(name),
        "a column added to an existing table must be nullable (rows written before it have no value)",
      );
    }
    const id = nextId();
    out.push({ id, name, required: false, type: icebergTypeOf(column, nextId) });
    changes.push(`${at(name)}: added`);
  }
  return out;
}

function evolveType(
  table: string,
  path: string,
  current: IcebergType,
  column: Column,
  nextId: () => number,
  changes: string[],
): IcebergType {
  const fail = (wanted: string): never => {
    throw new SchemaEvolutionError(
      table,
      path,
      `the table has ${describe(current)} and the pipeline writes ${wanted}; Iceberg can only widen int → long, float → double and decimal precision, or add nullable fields`,
    );
  };
  if (column.type === "struct") {
    if (typeof current === "string" || current.type !== "struct") return fail("a struct");
    const fields = evolveStruct(table, path, current.fields, column.fields, nextId, changes);
    return fields.every((f, i) => f === current.fields[i]) && fields.length === current.fields.length
      ? current
      : { type: "struct", fields };
  }
  if (column.type === "list") {
    if (typeof current === "string" || current.type !== "list") return fail("a list");
    const element = evolveType(table, `${path}.element`, current.element, column.items, nextId, changes);
    const elementRequired = current["element-required"] && !column.items.nullable;
    if (current["element-required"] && !elementRequired) changes.push(`${path}.element: now optional`);
    return element === current.element && elementRequired === current["element-required"]
      ? current
      : { ...current, element, "element-required": elementRequired };
  }
  const wanted = icebergTypeOf(column, () => 0) as string;
  if (typeof current !== "string") return fail(wanted);
  if (current === wanted) return current;
  if (current === "int" && wanted === "long") {
    changes.push(`${path}: int → long`);
    return "long";
  }
  if (current === "float" && wanted === "double") {
    changes.push(`${path}: float → double`);
    return "double";
  }
  const have = decimal(current);
  const want = decimal(wanted);
  if (have && want && have.scale === want.scale && want.precision >= have.precision) {
    if (want.precision === have.precision) return current;
    changes.push(`${path}: ${current} → ${wanted}`);
    return wanted as IcebergType;
  }
  // A narrower type than the table's (int into a long column) is what every file written before
  // an int → long evolution holds, so readers promote it; the table keeps its type.
  if ((current === "long" && wanted === "int") || (current === "double" && wanted === "float"))
    return current;
  if (have && want && have.scale === want.scale && want.precision < have.precision) return current;
  return fail(wanted);
}

function decimal(t: string): { precision: number; scale: number } | undefined {
  const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

function describe(t: IcebergType): string {
  return typeof t === "string" ? t : `a ${t.type}`;
}
