import { spawn } from "node:child_process";
import { cp, mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { events, textFile } from "../integration/file-source-kit.ts";
import { BIN, hasStack, lakestream } from "./helpers/cli.ts";

const PIPELINE = join(import.meta.dirname, "../integration/file-source-kit.ts#file_events");
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** `lakestream run --files` and `lakestream backfill --from`, run as a user runs them. */
describe("lakestream run --files and backfill --from", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("files-cli");
    await mkdir(join(dir, "in/dt=2026-11-23/hour=6"), { recursive: true });
    await writeFile(join(dir, "in/dt=2026-11-23/hour=6/part-00000.json"), textFile("jsonl", ids(1, 30)));
    await writeFile(join(dir, "in/_SUCCESS"), "");
  });

  it("reads every file once, keeps watching for new ones, and reports on stderr and stdout", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "run", "--files", "in", "--pipeline", PIPELINE, "--lake", "lake", "--until-idle", "3"],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    const firstDone = new Promise<void>((resolve) =>
      child.stderr.on("data", (c) => {
        stderr += c;
        if (stderr.includes("part-00000.json")) resolve();
      }),
    );
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    await firstDone;
    // A file that appears while it runs is picked up (written aside, then renamed, as writers do).
    await writeFile(join(dir, "in/.part-00001.json.tmp"), textFile("csv", ids(31, 10), { crlf: true }));
    await rename(join(dir, "in/.part-00001.json.tmp"), join(dir, "in/dt=2026-11-23/hour=6/part-00001.csv"));
    expect(await exited).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      pipeline: "file_events",
      files: 2,
      ingested: 2,
      records: 40,
      rowsWritten: 40,
    });
    expect(stderr).toMatch(/✔ dt=2026-11-23\/hour=6\/part-00001\.csv/);
    expect(stderr).not.toMatch(/_SUCCESS/);
    expect(hasStack(stderr)).toBe(false);
  });

  it("changes nothing when run again over the same files", async () => {
    const before = await readdir(join(dir, "lake"), { recursive: true });
    const again = await lakestream(
      [
        "run",
        "--files",
        "in",
        "--pipeline",
        PIPELINE,
        "--lake",
        "lake",
        "--until-idle",
        "1",
        "--no-progress",
      ],
      dir,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 2, ingested: 0, unchanged: 2, rowsWritten: 0 });
    expect((await readdir(join(dir, "lake"), { recursive: true })).sort()).toEqual(before.sort());
  });

  it("refuses Kafka flags with --files, and a missing folder, in one line", async () => {
    const mixed = await lakestream(["run", "--files", "in", "--brokers", "x:1", "--pipeline", PIPELINE], dir);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--brokers is for Kafka/);
    const missing = await lakestream(["run", "--files", "nope", "--pipeline", PIPELINE], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--files: no such folder or file: nope/);
  });

  it("backfills a dataset between --since and --until through the stages, and the plan-stage backfill reads hour=6", async () => {
    await mkdir(join(dir, "old/dt=2026-11-23/hour=6"), { recursive: true });
    await mkdir(join(dir, "old/dt=2026-11-23/hour=9"), { recursive: true });
    await writeFile(join(dir, "old/dt=2026-11-23/hour=6/a.jsonl"), textFile("jsonl", ids(1000, 20)));
    await writeFile(join(dir, "old/dt=2026-11-23/hour=9/b.jsonl"), textFile("jsonl", ids(2000, 20)));
    const result = await lakestream(
      [
        "backfill",
        "--from",
        "old",
        "--since",
        "2026-11-23T06:00:00Z",
        "--until",
        "2026-11-23T08:00:00Z",
        "--pipeline",
        PIPELINE,
        "--lake",
        "bf",
        "--now",
        "2026-11-24T00:00:00Z",
      ],
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    // The hour=9 folder is outside the range: not read.
    expect(JSON.parse(result.stdout)).toMatchObject({
      files: 1,
      records: 20,
      status: "SUCCEEDED",
      published: 20,
    });
    const [published] = await queryDuckDb(
      `SELECT count(*) AS n FROM iceberg_scan(${sqlString(join(dir, "bf/warehouse/lakestream/file_events"))})`,
      { iceberg: true },
    );
    expect(Number(published!.n)).toBe(20);
    // The plan stage's own backfill from a dataset prefix, in Spark's `hour=6` spelling.
    await cp(
      join(dir, "bf/file_events/dt=2026-11-23/hour=06"),
      join(dir, "bf/archive/dt=2026-11-23/hour=6"),
      {
        recursive: true,
      },
    );
    const store = new FsObjectStore(join(dir, "bf"));
    const run = await runStages({
      deps: { pipeline: events, store },
      input: {
        pipeline: events.name,
        trigger: "backfill",
        now: "2026-11-24T00:00:00Z",
        from: "2026-11-23T00:00:00Z",
        to: "2026-11-24T00:00:00Z",
        source: { prefix: "archive" },
      },
      executionName: "archive",
      progress: new Progress(process.stderr, false),
    });
    expect(run.status).toBe("SUCCEEDED");
    expect((run as { output: { partitions: string[] } }).output.partitions).toEqual([
      "dt=2026-11-23/hour=06",
    ]);
  });
});
