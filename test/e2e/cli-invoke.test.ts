import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../bin/lakestream.js");

/** Runs the real `lakestream` command as a user would; resolves with the exit code too. */
async function lakestream(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("lakestream events + invoke (the CLI, as a user runs it)", () => {
  it("writes a sample event, runs the real ingest handler on it and prints one JSON summary line", async () => {
    const dir = await tempDir("cli");
    const made = await lakestream(
      ["events", "--count", "500", "--bad", "5", "--partitions", "2", "--out", "ev.json"],
      dir,
    );
    expect(made.code).toBe(0);
    const first = await lakestream(["invoke", "ingest", "--event", "ev.json", "--lake", "lake"], dir);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ recordsIn: 500, quarantined: 5 });
    expect(summary.rowsWritten + summary.quarantined + summary.filtered).toBe(500);
    const [row] = await queryDuckDb(
      `SELECT count(*) AS n FROM read_parquet(${sqlString(join(dir, "lake/clickstream_events/**/*.parquet"))}, hive_partitioning = true)`,
    );
    expect(Number(row!.n)).toBe(summary.rowsWritten);

    const again = await lakestream(["invoke", "ingest", "--event", "ev.json", "--lake", "lake"], dir);
    const { ms: _a, ...firstSame } = summary;
    const { ms: _b, ...againSame } = JSON.parse(again.stdout);
    expect(againSame).toEqual(firstSame);
  });

  it.each([
    ["not JSON", "{ nope", /EventShapeError: .*bad\.json: not valid JSON/],
    ["wrong source", JSON.stringify({ eventSource: "aws:sqs", records: {} }), /event\.eventSource/],
    [
      "bad base64",
      JSON.stringify({
        eventSource: "aws:kafka",
        records: {
          "t-0": [
            {
              topic: "t",
              partition: 0,
              offset: 0,
              timestamp: 1,
              timestampType: "CREATE_TIME",
              value: "@@@@",
              headers: [],
            },
          ],
        },
      }),
      /event\.records\["t-0"\]\[0\]\.value: must be base64/,
    ],
  ])(
    "refuses a malformed event file (%s) with a clear error, a non-zero exit and nothing written",
    async (_n, text, message) => {
      const dir = await tempDir("cli-bad");
      await writeFile(join(dir, "bad.json"), text);
      const result = await lakestream(["invoke", "ingest", "--event", "bad.json", "--lake", "lake"], dir);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
      expect(existsSync(join(dir, "lake"))).toBe(false);
    },
  );

  it("names a wrong flag and exits 2", async () => {
    const result = await lakestream(["invoke", "ingest", "--evnt", "x"], await tempDir("cli-flag"));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--evnt/);
  });

  it("prints a command's usage with --help and exits 0", async () => {
    const result = await lakestream(["invoke", "--help"], await tempDir("cli-help"));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: lakestream invoke ingest --event FILE/m);
  });
});
