import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, StorageError } from "../../shared/storage/object-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const silent = new Progress(process.stderr, false);
// The Hive layout option: published/<table>/dt=…/hour=…/ folders with a _SUCCESS manifest each.
const pipeline: Pipeline = definePipeline({
  ...clickstream,
  sink: { ...clickstream.sink, tableFormat: "hive" },
} as unknown as Parameters<typeof definePipeline>[0]);
const stream = sampleStream({
  records: 1200,
  hours: 3,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  lateEvery: 9,
});
// Late records of the first hour arrive after its first publish: that hour gets a second version.
const held = stream.filter((r) => r.arrival === "late" && r.sample.eventTime < DEFAULT_START_MS + 3_600_000);
const first = stream.filter((r) => !held.includes(r));
const now = simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)));

let dir: string;
let lake: string;
let store: FsObjectStore;

/** The lake as seen through a flaky S3: every delete fails (throttled), however often retried. */
function deletesFail(inner: ObjectStore): ObjectStore {
  return {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    put: (k, b, o) => inner.put(k, b, o),
    delete: async (k) => {
      throw new StorageError(k, "delete failed (SlowDown, HTTP 503)", true);
    },
  };
}

const run = (s: ObjectStore, runId: string, at: number) =>
  runStages({
    deps: { pipeline, store: s },
    input: { pipeline: pipeline.name, trigger: "local", now: new Date(at).toISOString(), runId },
    executionName: runId,
    progress: silent,
  });

/** What a reader that lists the folders (Spark, Hive, Athena with projection) sees. */
async function listingReader() {
  const [row] = await queryDuckDb(
    `SELECT count(*) AS n, count(DISTINCT (_topic, _partition, _offset)) AS offsets
     FROM read_parquet(${sqlString(`${lake}/published/${pipeline.sink.table}/**/*.parquet`)}, hive_partitioning = true)`,
  );
  return { rows: Number(row!.n), offsets: Number(row!.offsets) };
}

beforeAll(async () => {
  dir = await tempDir("hive-layout");
  lake = join(dir, "lake");
  store = new FsObjectStore(lake, { durable: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("Hive-layout published tables (tableFormat: hive)", () => {
  it("end a run only when every folder holds exactly its manifest's files, however many deletes failed before", async () => {
    const handler = createIngestHandler({ pipeline, store });
    await feedBatches(handler, batchesOf(first, 150), silent);
    expect((await run(store, "one", now)).status).toBe("SUCCEEDED");
    const before = await listingReader();
    expect(before.rows).toBe(before.offsets);

    // Late records: hour 06 gets a new version, whose old files must go; every delete fails.
    await feedBatches(handler, [held], silent);
    const failed = await run(deletesFail(store), "two", now + 3_600_000);
    expect(failed).toMatchObject({ status: "FAILED" });
    expect(failed.status === "FAILED" && failed.cause).toContain("delete failed");
    // The run says so, rather than SUCCEEDED over a folder holding two versions of an hour.
    const doubled = await listingReader();
    expect(doubled.rows).toBeGreaterThan(doubled.offsets);

    // Nothing new to compute, but the next run's maintenance finishes the job.
    const three = await run(store, "three", now + 7_200_000);
    expect(three.status).toBe("SUCCEEDED");
    const after = await listingReader();
    expect(after.rows).toBe(after.offsets);
    expect(after.offsets).toBe(
      before.offsets + held.filter((r) => r.sample.bad === undefined && !r.sample.bot).length,
    );
  });
});
