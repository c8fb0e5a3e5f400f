import { DuckDBInstance } from "@duckdb/node-api";

/**
 * DuckDB as an independent reader of what lakestream wrote: local files only, and no
 * extension is ever downloaded (Parquet and JSON are built into @duckdb/node-api).
 */
export async function queryDuckDb(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    threads: "1",
  });
  const connection = await db.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** SQL literal for a path or string. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
