import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

/**
 * DuckDB as an independent reader of what lakestream wrote: local files only, and no
 * extension is ever downloaded (Parquet and JSON are built into @duckdb/node-api). With
 * `iceberg`, DuckDB's own iceberg extension reads Iceberg tables (`iceberg_scan`); the test
 * services fetch it from PyPI (test/services/duckdb-extensions.sh).
 */
export async function queryDuckDb(
  sql: string,
  options: { iceberg?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    threads: "1",
  });
  const connection = await db.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    if (options.iceberg) {
      for (const ext of ["avro", "iceberg"]) await connection.run(`LOAD ${sqlString(extensionFile(ext))}`);
    }
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** Where test/services/duckdb-extensions.sh puts them, for the DuckDB version the tests embed. */
function defaultExtensionDir(): string {
  const version = (requireJson("@duckdb/node-api/package.json") as { version: string }).version.split(
    "-",
  )[0]!;
  return fileURLToPath(new URL(`../../.services/duckdb-extensions/${version}`, import.meta.url));
}

function extensionFile(name: string): string {
  const dir = process.env.LAKESTREAM_DUCKDB_EXTENSIONS ?? defaultExtensionDir();
  const file = join(dir, `${name}.duckdb_extension`);
  if (!existsSync(file)) {
    throw new Error(
      `DuckDB's ${name} extension is not installed: run the tests with \`npm test\`, or run \`bash test/services/duckdb-extensions.sh install\` and set LAKESTREAM_DUCKDB_EXTENSIONS to the folder \`bash test/services/duckdb-extensions.sh dir\` prints`,
    );
  }
  return file;
}

const requireJson = createRequire(import.meta.url);

/** SQL literal for a path or string. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
