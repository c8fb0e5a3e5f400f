import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Rate } from "./core-throughput.ts";

/**
 * Records/s of the reference engine: DuckDB, one thread, reading the same records as
 * NDJSON and writing zstd Parquet. Only the COPY is timed; its CPU rate counts the process's
 * CPU time (DuckDB's one worker thread, while this thread waits).
 */
export async function duckDbRate(ndjson: readonly string[], dir: string): Promise<Rate> {
  const input = join(dir, "input.ndjson");
  await writeFile(input, `${ndjson.join("\n")}\n`);
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const con = await db.connect();
  try {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    await con.run(
      `COPY (SELECT * FROM read_json('${input}', format = 'newline_delimited')) TO '${join(dir, "out.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    const wall = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rate: ndjson.length / wall, cpuRate: ndjson.length / ((cpu.user + cpu.system) / 1e6) };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
