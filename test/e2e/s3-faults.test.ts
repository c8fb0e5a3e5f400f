import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuarantineLine } from "../../shared/core/quarantine-line.ts";
import { createIngestTally, feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import type { LocalRunResult } from "../../shared/local/state-machine/run-local.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { createS3Client } from "../../shared/runtime/s3-client.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy.ts";
import { tempDir } from "../helpers/lake.ts";
import { checkPublishedExactlyOnce, sourceCoordinate } from "../helpers/published.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";

/**
 * S3 fault injection (issue 11, "done when"): the ingest and every later stage run against the
 * real S3 server (S3Proxy) through a proxy that fails 30 % of the requests with 503 SlowDown,
 * 500 InternalError, connection resets and lost replies. With the retries a deployment has
 * (SDK, partial batch responses, Step Functions retries, a rerun of a failed run) everything
 * completes: no record lost, none published twice, nothing crashed.
 */

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
const silent = new Progress(process.stderr, false);
const RATE = 0.25;
const stream = sampleStream({
  records: 800,
  hours: 2,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 31,
  lateEvery: 13,
  tooLateEvery: 19,
});
const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();

let proxy: FaultProxy;
let bucket: string;
let dir: string;
const runs: LocalRunResult[] = [];

function s3Store(endpoint: string): S3ObjectStore {
  return new S3ObjectStore({ client: createS3Client({ endpoint }), bucket });
}

beforeAll(async () => {
  bucket = await freshBucket("s3-faults");
  proxy = await startFaultProxy({
    target: s3Endpoint(),
    rate: RATE,
    seed: 11,
    outage: { every: 120, length: 15 },
  });
  dir = await tempDir("s3-faults");
});
afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
});

describe(`the pipeline against S3 failing ${RATE * 100} % of requests`, () => {
  it("ingests every batch and completes the stages, rerunning a failed run as an operator would", async () => {
    const ingest = createIngestHandler({ pipeline, store: s3Store(proxy.url) });
    const batches = batchesOf(stream, 100);
    const tally = createIngestTally();
    await feedBatches(ingest, batches.slice(0, 4), silent, tally);
    // An outage longer than the SDK's retries: the ingest answers with partial batch responses.
    proxy.outageNow(40);
    const totals = await feedBatches(ingest, batches.slice(4), silent, tally);
    // One outage per run of the stages, not three: each must still outlast the SDK's retries
    // and be healed by the state machine's Retry or a rerun, but a run must be able to finish
    // between outages (a run of the stages makes about 350 requests).
    proxy.outage = { every: 400, length: 15 };
    const input = { pipeline: pipeline.name, trigger: "local" as const, now, runId: "faults" };
    for (let i = 0; i < 10 && runs.at(-1)?.status !== "SUCCEEDED"; i++) {
      runs.push(
        // Each run gets its own clients, as new Lambda containers would (the SDK's retry quota is per client).
        await runStages({
          deps: { pipeline, store: s3Store(proxy.url) },
          input,
          executionName: `faults-${i}`,
          progress: silent,
        }),
      );
    }
    expect(runs.at(-1)?.status).toBe("SUCCEEDED");
    // Faults outlasted the SDK's retries: batches were resumed from a failed offset.
    expect(totals.failures).toBeGreaterThan(0);
    for (const run of runs.filter((r) => r.status === "FAILED")) expect(run).toHaveProperty("stage");
    // The faults happened, of every kind.
    expect(proxy.counts.requests).toBeGreaterThan(200);
    for (const kind of ["slowDown", "internalError", "reset", "lostReply", "outages"] as const) {
      expect(proxy.counts[kind], kind).toBeGreaterThan(0);
    }
  });

  it("publishes each good source record exactly once and quarantines each bad one", async () => {
    proxy.rate = 0;
    const good = stream.filter((r) => r.sample.bad === undefined && !r.sample.bot);
    // Read as a reader of the table sees it: pyiceberg on the lake's Iceberg metadata in the bucket.
    const check = await checkPublishedExactlyOnce(
      { bucket },
      pipeline.sink.table,
      good.map((r) => sourceCoordinate(r.topic, r.partition, r.offset)),
    );
    expect(check).toEqual({ rows: good.length, missing: 0, duplicated: 0, unexpected: 0 });

    const store = s3Store(s3Endpoint());
    const quarantined = new Map<string, number>();
    for (const { key } of await store.list(`${pipeline.quarantine.prefix}/${pipeline.sink.table}/`)) {
      for (const line of new TextDecoder()
        .decode(await store.get(key))
        .trim()
        .split("\n")) {
        const q = JSON.parse(line) as QuarantineLine;
        const c = sourceCoordinate(q.topic, q.partition, q.offset);
        quarantined.set(c, (quarantined.get(c) ?? 0) + 1);
      }
    }
    const bad = stream.filter((r) => r.sample.bad !== undefined);
    for (const r of bad) expect(quarantined.has(sourceCoordinate(r.topic, r.partition, r.offset))).toBe(true);
    expect(quarantined.size).toBe(bad.length);
  });
});
