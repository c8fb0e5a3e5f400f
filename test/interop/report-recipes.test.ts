import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryDuckDb } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { interopPython } from "../helpers/python.ts";

// The report of `npm start` prints, for each published table, commands that read it. This runs
// them as printed, with the interop venv first on the PATH (its python3 has pyiceberg, its
// spark-sql is PySpark's, which fetches the Iceberg runtime from Maven Central as --packages says).
const MAIN = fileURLToPath(new URL("../../shared/local/cli/main.ts", import.meta.url));
const run = promisify(execFile);

let dir: string;
let summary: {
  goldRows: Record<string, number>;
  rowsWritten: number;
  duplicates: number;
  keyDuplicates: number;
  report: string;
};
/** Rows of the events table: every row written, each source offset and event_id once. */
const eventRows = () => summary.rowsWritten - summary.duplicates - summary.keyDuplicates;
let commands: Record<string, Record<string, string>>;

/** The report's commands per table: `<h3><code>table</code>` then `<p class="s">Engine</p><pre><code>command`. */
function recipes(html: string): Record<string, Record<string, string>> {
  const decodeEntities = (s: string) =>
    s
      .replaceAll("&#39;", "'")
      .replaceAll("&#34;", '"')
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
  const out: Record<string, Record<string, string>> = {};
  for (const section of html.split("<h3>").slice(1)) {
    const table = /^<code>([^<]+)<\/code>/.exec(section)![1]!;
    out[table] = {};
    for (const m of section.matchAll(/<p class="s">([^<]+)<\/p><pre><code>([^<]+)<\/code><\/pre>/g)) {
      out[table][m[1]!] = decodeEntities(m[2]!);
    }
  }
  return out;
}

const shell = (command: string) =>
  run("bash", ["-c", command], {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${dirname(interopPython())}:${process.env.PATH}`,
      SPARK_LOCAL_IP: "127.0.0.1",
    },
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });

beforeAll(async () => {
  dir = await tempDir("report-recipes");
  const out = await run(
    process.execPath,
    [MAIN, "start", "--lake", join(dir, "lake"), "--records", "2000", "--hours", "3"],
    {
      cwd: dir,
      env: { ...process.env, CI: "1" },
    },
  );
  summary = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  commands = recipes(await readFile(summary.report, "utf8"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the main job's report: query commands that work as printed", () => {
  it("prints DuckDB, pyiceberg and Spark SQL commands for the events table and every gold table", () => {
    expect(Object.keys(commands).sort()).toEqual([
      "clickstream_active_users_1h",
      "clickstream_by_type_15m",
      "clickstream_events",
    ]);
    for (const c of Object.values(commands))
      expect(Object.keys(c).sort()).toEqual(["DuckDB", "Spark SQL", "pyiceberg"]);
  });

  it("counts every table's rows with the pyiceberg command", async () => {
    for (const [table, c] of Object.entries(commands)) {
      const { stdout } = await shell(c.pyiceberg!);
      const expected = table === "clickstream_events" ? eventRows() : summary.goldRows[table];
      expect(Number(stdout.trim()), table).toBe(expected);
    }
  });

  it("counts the events table with the Spark SQL command", async () => {
    const { stdout } = await shell(commands.clickstream_events!["Spark SQL"]!);
    expect(Number(stdout.trim().split("\n").at(-1))).toBe(eventRows());
  });

  it("counts the events table with the DuckDB command's query (the extension loaded from PyPI, offline)", async () => {
    // duckdb -c "INSTALL iceberg; LOAD iceberg; <query>": INSTALL downloads, which this machine cannot.
    const query = /LOAD iceberg; (SELECT [^"]+)"/.exec(commands.clickstream_events!.DuckDB!)![1]!;
    const [row] = await queryDuckDb(query.replace("count(*)", "count(*) AS n"), { iceberg: true });
    expect(Number(row!.n)).toBe(eventRows());
  });
});
