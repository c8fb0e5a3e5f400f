import { ConfigError } from "../errors.ts";
import { columnName, identifier, topicName } from "../pipeline/name-schemas.ts";
import type { MeasureConfig, Pipeline } from "../pipeline/types.ts";
import type { Column } from "../schema.ts";
import * as z from "../zod.ts";
import { outputColumnName, resolveColumnPath } from "./column-path.ts";

const columnPath = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a column name or a struct field path"),
  );
// A week bounds how many raw partitions one window reads (168 hourly ones).
const minutes = z.int().check(z.minimum(1), z.maximum(7 * 24 * 60));

const measure = z.discriminatedUnion("fn", [
  z.strictObject({ fn: z.literal("count"), column: z.optional(columnPath) }),
  z.strictObject({ fn: z.enum(["sum", "min", "max", "avg", "countDistinct"]), column: columnPath }),
]);

/** The zod shape of `aggregations` in a pipeline definition (defaults filled). */
export const aggregationsSchema = z.strictObject({
  allowedLatenessMinutes: z._default(z.int().check(z.minimum(0), z.maximum(7 * 24 * 60)), 0),
  tables: z
    .array(
      z.strictObject({
        table: identifier,
        window: z.strictObject({ sizeMinutes: minutes, slideMinutes: z.optional(minutes) }).check(
          z.refine((w) => (w.slideMinutes ?? w.sizeMinutes) <= w.sizeMinutes, {
            message: "slideMinutes may not exceed sizeMinutes (windows would leave gaps)",
            path: ["slideMinutes"],
          }),
        ),
        groupBy: z._default(z.array(columnPath), []),
        measures: z
          .record(columnName, measure)
          .check(z.refine((m) => Object.keys(m).length > 0, "needs at least one measure")),
        writeBack: z.optional(
          z.strictObject({
            topic: topicName,
            partitions: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
          }),
        ),
      }),
    )
    .check(z.minLength(1)),
});

/** Column types a group key (or a dedupe key) may have: exact equality, a stable text form. */
export const GROUPABLE = new Set(["string", "int32", "int64", "boolean", "date", "timestamp"]);
const NUMERIC = new Set(["int32", "int64", "double", "decimal"]);
const ORDERED = new Set(["int32", "int64", "double", "decimal", "timestamp", "date", "string"]);
const DISTINCTABLE = new Set([...GROUPABLE, "double", "decimal"]);
const WINDOW_COLUMNS = new Set(["window_start", "window_end"]);

/**
 * Checks what zod cannot: that group keys and measures name columns of the schema with
 * types the measure accepts, and that output column and table names do not collide.
 * Throws ConfigError naming the field, like the rest of `definePipeline`.
 */
export function checkAggregations(p: Pipeline, where: string): void {
  const tables = p.aggregations?.tables ?? [];
  const seen = new Set([p.sink.table]);
  for (const [i, agg] of tables.entries()) {
    const at = `${where}.aggregations.tables.${i}`;
    if (seen.has(agg.table)) {
      throw new ConfigError(`${at}.table`, `"${agg.table}" is already the name of another table`);
    }
    seen.add(agg.table);
    const outputs = new Set(WINDOW_COLUMNS);
    for (const [j, path] of agg.groupBy.entries()) {
      const type = columnType(p, path);
      if (!type || !GROUPABLE.has(type)) {
        throw new ConfigError(
          `${at}.groupBy.${j}`,
          `"${path}" must be a string, integer, boolean, date or timestamp column (or struct field)`,
        );
      }
      claim(outputs, outputColumnName(path), `${at}.groupBy.${j}`);
    }
    for (const [name, m] of Object.entries(agg.measures)) {
      checkMeasure(p, m, `${at}.measures.${name}`);
      claim(outputs, name, `${at}.measures.${name}`);
    }
  }
}

function checkMeasure(p: Pipeline, m: MeasureConfig, field: string): void {
  if (m.column === undefined) return;
  const type = columnType(p, m.column);
  if (!type) throw new ConfigError(`${field}.column`, `"${m.column}" is not a column of the schema`);
  const accepted =
    m.fn === "sum" || m.fn === "avg" ? NUMERIC : m.fn === "countDistinct" ? DISTINCTABLE : ORDERED;
  if (m.fn !== "count" && !accepted.has(type)) {
    throw new ConfigError(`${field}.column`, `${m.fn} cannot take "${m.column}" of type ${type}`);
  }
}

function claim(outputs: Set<string>, name: string, field: string): void {
  if (outputs.has(name)) throw new ConfigError(field, `output column "${name}" is defined twice`);
  outputs.add(name);
}

function columnType(p: Pipeline, path: string): Column["type"] | undefined {
  return resolveColumnPath(p.schema, path)?.column.type;
}
