import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, StorageError } from "../../shared/storage/object-store.ts";
import { tempDir } from "../helpers/lake.ts";

/**
 * Regression test of issue 11, item 2: a failed Plan stage crashed the local runner with a
 * TypeError that hid the real error. S3's errors are faked on a real disk store (a transient
 * StorageError, as the S3 store raises it), since no local server fails on demand here.
 */

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
const silent = new Progress(process.stderr, false);

/** The store with every list (or get) under `prefix` failing as S3's 503 does. */
function failingUnder(inner: ObjectStore, prefix: string, op: "list" | "get"): ObjectStore {
  const fail = (k: string) =>
    Promise.reject(new StorageError(k, `${op} failed (ServiceUnavailable, HTTP 503)`, true));
  return {
    url: inner.url,
    get: (k) => (op === "get" && k.startsWith(prefix) ? fail(k) : inner.get(k)),
    put: (k, b, o) => inner.put(k, b, o),
    delete: (k) => inner.delete(k),
    list: (p) => (op === "list" && p.startsWith(prefix) ? fail(p) : inner.list(p)),
  };
}

describe("a stage that keeps failing (issue 11, item 2)", () => {
  it("ends the run as FAILED naming the stage and the cause; running it again completes it", async () => {
    const store = new FsObjectStore(join(await tempDir("stage-failures"), "lake"), { durable: false });
    const stream = sampleStream({ records: 300, hours: 1, startMs: DEFAULT_START_MS, topic: "clickstream" });
    await feedBatches(createIngestHandler({ pipeline, store }), batchesOf(stream, 100), silent);
    const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
    const input = { pipeline: pipeline.name, trigger: "local" as const, now, runId: "plan-fails" };

    const failed = await runStages({
      deps: { pipeline, store: failingUnder(store, "_lakestream/commits/", "list") },
      input,
      executionName: "plan-fails",
      progress: silent,
    });
    expect(failed).toMatchObject({ status: "FAILED", stage: "Plan" });
    expect(failed.status === "FAILED" && failed.cause).toMatch(/HTTP 503/);

    const again = await runStages({
      deps: { pipeline, store },
      input,
      executionName: "again",
      progress: silent,
    });
    expect(again.status).toBe("SUCCEEDED");
  });

  it("names the stage inside the per-partition map that failed", async () => {
    const store = new FsObjectStore(join(await tempDir("stage-failures-map"), "lake"), { durable: false });
    const stream = sampleStream({ records: 300, hours: 1, startMs: DEFAULT_START_MS, topic: "clickstream" });
    await feedBatches(createIngestHandler({ pipeline, store }), batchesOf(stream, 100), silent);
    const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
    const failed = await runStages({
      deps: { pipeline, store: failingUnder(store, `${pipeline.sink.table}/`, "get") },
      input: { pipeline: pipeline.name, trigger: "local", now, runId: "compact-fails" },
      executionName: "compact-fails",
      progress: silent,
    });
    expect(failed).toMatchObject({ status: "FAILED", stage: "Compact" });
  });

  it("returns only once no stage of the failed run is still running", async () => {
    const store = new FsObjectStore(join(await tempDir("stage-failures-zombie"), "lake"), { durable: false });
    const stream = sampleStream({ records: 300, hours: 3, startMs: DEFAULT_START_MS, topic: "clickstream" });
    await feedBatches(createIngestHandler({ pipeline, store }), batchesOf(stream, 100), silent);
    const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
    let running = 0;
    let calls = 0;
    let doomed: string | undefined;
    const failed = await runStages({
      deps: { pipeline, store },
      input: { pipeline: pipeline.name, trigger: "local", now, runId: "zombie" },
      executionName: "zombie",
      progress: silent,
      // The first partition's compaction fails at once; the others take their time.
      wrap: (stage, handler) =>
        stage !== "compact"
          ? handler
          : async (input) => {
              calls++;
              doomed ??= JSON.stringify(input);
              if (JSON.stringify(input) === doomed)
                throw new StorageError("k", "put failed (HTTP 500)", false);
              running++;
              try {
                await new Promise((resolve) => setTimeout(resolve, 500));
                return await handler(input);
              } finally {
                running--;
              }
            },
    });
    expect(failed).toMatchObject({ status: "FAILED", stage: "Compact" });
    expect(calls).toBeGreaterThan(1);
    expect(running).toBe(0);
  });
});
