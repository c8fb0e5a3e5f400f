/**
 * Reading back what `lakestream schema --format flink-sql|spark-sql` prints for an Iceberg table,
 * so a test can hold the printed columns against what the engine's catalog reads from the table.
 */

/** The table's name as printed in its `-- Read it: SELECT * FROM <name>;` line. */
export function printedName(ddl: string): string {
  const m = /^-- Read it: SELECT \* FROM (.+);$/m.exec(ddl);
  if (!m) throw new Error(`no "Read it" line in:\n${ddl}`);
  return m[1]!;
}

/** The printed columns (`--   \`name\` TYPE [NOT NULL] [COMMENT '…'],`) as [name, normalType(type)]. */
export function printedColumns(ddl: string): [string, string][] {
  return [...ddl.matchAll(/^-- {3}`([^`]+)` (.+?)(?: COMMENT '(?:[^']|'')*')?,?$/gm)].map((m) => [
    m[1]!,
    normalType(m[2]!),
  ]);
}

/**
 * A type as engines spell it differently, made comparable: case, spaces and quotes dropped,
 * nullability kept only at the top (`!` when not null); nested NOT NULL is dropped, as
 * lakestream's DDL does not print it.
 */
export function normalType(type: string): string {
  const notNull = /\sNOT NULL$/i.test(type.trim());
  const bare = type
    .trim()
    .replace(/\sNOT NULL$/i, "")
    .replace(/\sNOT NULL/gi, "")
    .replaceAll("`", "")
    .replace(/\s+/g, "")
    .toLowerCase();
  return `${bare}${notNull ? "!" : ""}`;
}
