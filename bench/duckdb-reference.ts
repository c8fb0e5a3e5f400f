import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/**
 * Records/s of the reference engine: DuckDB, one thread, reading the same records as
 * NDJSON and writing zstd Parquet. Only the COPY is timed.
 */
export async function duckDbRate(ndjson: readonly string[], dir: string): Promise<number> {
  const input = join(dir, "input.ndjson");
  await writeFile(input, `${ndjson.join("\n")}\n`);
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const con = await db.connect();
  try {
    const started = performance.now();
    await con.run(
      `COPY (SELECT * FROM read_json('${input}', format = 'newline_delimited')) TO '${join(dir, "out.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    return ndjson.length / ((performance.now() - started) / 1000);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
