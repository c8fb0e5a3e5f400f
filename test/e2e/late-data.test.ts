import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanOutput } from "../../shared/core/stages/stage-io.ts";
import { fileSchema } from "../../shared/core/table-layout.ts";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { compareGold, compareLate, writeInput } from "./helpers/reference.ts";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const silent = new Progress(process.stderr, false);
const stream = sampleStream({
  records: 1500,
  hours: 3,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 37,
  lateEvery: 11,
  tooLateEvery: 23,
});
// The ingest lags: late records (behind the stream by less than the allowed lateness) land
// after the first run has published their windows, as a retried range would.
const held = stream.filter((r) => r.arrival === "late" && r.sample.eventTime < DEFAULT_START_MS + 3_600_000);
const first = stream.filter((r) => !held.includes(r));
const now = simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)));

let dir: string;
let lake: string;
let store: FsObjectStore;

beforeAll(async () => {
  dir = await tempDir("late-data");
  lake = join(dir, "lake");
  store = new FsObjectStore(lake, { durable: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("late records", () => {
  it("recompute only the windows they belong to, idempotently, and end equal to the full reference", async () => {
    const handler = createIngestHandler({ pipeline, store });
    await feedBatches(handler, batchesOf(first, 200), silent);
    const run = (runId: string, at: number) =>
      runStages({
        deps: { pipeline, store },
        input: { pipeline: pipeline.name, trigger: "local", now: new Date(at).toISOString(), runId },
        executionName: runId,
        progress: silent,
      });
    const one = await run("one", now);
    expect(one.status).toBe("SUCCEEDED");
    const partial = await compareGold(lake, await writeInput(dir, first, batchesOf(first, 200)));
    expect(partial.byType).toMatchObject({ missing: 0, extra: 0 });

    expect(held.length).toBeGreaterThan(5);
    await feedBatches(handler, [held], silent);
    const two = await run("two", now + 3_600_000);
    expect(two.status).toBe("SUCCEEDED");
    // hour=06 holds the late rows; hour=07 owns the hopping window [06:30, 07:30) that reads it.
    expect((two as { output: PlanOutput }).output.partitions).toEqual([
      "dt=2026-11-23/hour=06",
      "dt=2026-11-23/hour=07",
    ]);
    const full = await writeInput(dir, stream, [...batchesOf(first, 200), held]);
    const gold = await compareGold(lake, full);
    expect(gold.byType).toMatchObject({ missing: 0, extra: 0 });
    expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0 });
    expect(await compareLate(lake, full)).toMatchObject({ missing: 0, extra: 0 });
    // The aggregate reads only the columns its gold tables need, but quarantines late rows whole.
    const lateFiles = await store.list("_quarantine/clickstream_by_type_15m/late/");
    const lines = (
      await Promise.all(lateFiles.map(async (f) => new TextDecoder().decode(await store.get(f.key))))
    )
      .flatMap((text) => text.split("\n"))
      .filter((line) => line !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const { row } = JSON.parse(line) as { row: Record<string, unknown> };
      expect(Object.keys(row).sort()).toEqual(Object.keys(fileSchema(pipeline)).sort());
      expect(row.url).toMatch(/^https:\/\//);
    }

    const three = await run("three", now + 7_200_000);
    expect((three as { output: PlanOutput }).output.partitions).toEqual([]);
  });
});
