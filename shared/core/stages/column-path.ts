import type { Column, TableSchema } from "../schema.ts";

/**
 * Column paths: a column name or a struct field path ("geo.country"). Aggregations group and
 * measure on nested fields too, because event payloads nest (geo, device, …) and flattening
 * them only to aggregate would bloat every table.
 */

/** The column a path names and whether any step on the way may be null; undefined when it names nothing. */
export function resolveColumnPath(
  schema: TableSchema,
  path: string,
): { readonly column: Column; readonly nullable: boolean } | undefined {
  const [head, ...rest] = path.split(".");
  let column = schema[head!];
  let nullable = Boolean(column?.nullable);
  for (const step of rest) {
    if (column?.type !== "struct") return undefined;
    column = column.fields[step];
    nullable ||= Boolean(column?.nullable);
  }
  return column ? { column, nullable } : undefined;
}

/** A reader of one path from rows in storage form; a null struct on the way gives null. */
export function columnPathReader(path: string): (row: Readonly<Record<string, unknown>>) => unknown {
  const steps = path.split(".");
  if (steps.length === 1) return (row) => row[path] ?? null;
  return (row) => {
    let value: unknown = row;
    for (const step of steps) {
      if (value === null || value === undefined) return null;
      value = (value as Record<string, unknown>)[step];
    }
    return value ?? null;
  };
}

/** The output column a path becomes: `geo.country` → `geo_country`. */
export function outputColumnName(path: string): string {
  return path.replaceAll(".", "_");
}
