import type { Column } from "../schema.ts";

/** The SQL dialects `lakestream schema` prints DDL for. */
export type SqlDialect = "flink" | "spark" | "hive";

/**
 * A column's type in each engine's DDL, matching what the files hold: timestamps are UTC
 * instants in microseconds (Flink `TIMESTAMP_LTZ(6)`; Spark's and Hive's `timestamp` read
 * Parquet's UTC-adjusted timestamps as instants), decimals exact, lists and structs nested.
 */
export function sqlType(col: Column, dialect: SqlDialect): string {
  const t = (c: Column) => sqlType(c, dialect);
  switch (col.type) {
    case "string":
      return word(dialect, "STRING");
    case "int32":
      return word(dialect, "INT");
    case "int64":
      return word(dialect, "BIGINT");
    case "double":
      return word(dialect, "DOUBLE");
    case "boolean":
      return word(dialect, "BOOLEAN");
    case "date":
      return word(dialect, "DATE");
    case "timestamp":
      return dialect === "flink" ? "TIMESTAMP_LTZ(6)" : word(dialect, "TIMESTAMP");
    case "decimal":
      return `${word(dialect, "DECIMAL")}(${col.precision},${col.scale})`;
    case "list":
      return `${word(dialect, "ARRAY")}<${t(col.items)}>`;
    case "struct": {
      const fields = Object.entries(col.fields);
      if (dialect === "flink") return `ROW<${fields.map(([n, c]) => `${quote(n)} ${t(c)}`).join(", ")}>`;
      if (dialect === "spark") return `STRUCT<${fields.map(([n, c]) => `${quote(n)}: ${t(c)}`).join(", ")}>`;
      // Hive and Athena: unquoted field names, as Glue stores them.
      return `struct<${fields.map(([n, c]) => `${n}:${t(c)}`).join(",")}>`;
    }
  }
}

/** Hive and Athena DDL is conventionally lower case (it is what Glue shows); the rest upper. */
function word(dialect: SqlDialect, upper: string): string {
  return dialect === "hive" ? upper.toLowerCase() : upper;
}

/** Backtick-quoted identifier: column names like `hour` or `type` are reserved in some engines. */
export function quote(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** A single-quoted SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
