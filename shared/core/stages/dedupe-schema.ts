import { ConfigError } from "../errors.ts";
import type { Pipeline } from "../pipeline/types.ts";
import * as z from "../zod.ts";
import { GROUPABLE } from "./aggregations-schema.ts";
import { resolveColumnPath } from "./column-path.ts";

const columnPath = z
  .string()
  .check(
    z.regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, "a column name or a struct field path"),
  );

/**
 * The zod shape of `dedupe` in a pipeline definition. A day bounds `withinMinutes` because
 * compaction reads the raw partitions that far around the one it rewrites (24 hourly ones
 * each way at most): a wider horizon would make every compaction read a day of data.
 */
export const dedupeSchema = z.strictObject({
  key: z.array(columnPath).check(
    z.minLength(1),
    z.refine((k) => new Set(k).size === k.length, "names a column twice"),
  ),
  withinMinutes: z.int().check(z.minimum(1), z.maximum(24 * 60)),
});

/**
 * Checks what zod cannot: every key names a column (or struct field) of the schema whose type
 * compares exactly — a list, struct or double is no identity. Throws ConfigError naming the field.
 */
export function checkDedupe(p: Pipeline, where: string): void {
  for (const [i, path] of (p.dedupe?.key ?? []).entries()) {
    const found = resolveColumnPath(p.schema, path);
    if (!found) {
      throw new ConfigError(`${where}.dedupe.key.${i}`, `"${path}" is not a column of the schema`);
    }
    if (!GROUPABLE.has(found.column.type)) {
      throw new ConfigError(
        `${where}.dedupe.key.${i}`,
        `"${path}" is a ${found.column.type} column; a dedupe key must be a string, integer, boolean, date or timestamp column (or struct field)`,
      );
    }
  }
}
