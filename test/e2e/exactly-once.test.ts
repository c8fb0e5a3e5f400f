import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";
import type { PlanOutput } from "../../shared/core/stages/stage-io.ts";
import { lambdaLikeContext } from "../../shared/local/lambda-context.ts";
import { createIngestTally, feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, StorageError } from "../../shared/storage/object-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { compareCompacted, compareGold, compareLate, icebergTable, writeInput } from "./helpers/reference.ts";

// The killed stage logs its failure by design; keep the test output to the test's own lines.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const silent = new Progress(process.stderr, false);
const stream = sampleStream({
  records: 2400,
  hours: 3,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 31,
  lateEvery: 13,
  tooLateEvery: 19,
});
const batches = batchesOf(stream, 150);
const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
const runInput = { pipeline: pipeline.name, trigger: "local" as const, now, runId: "exactly-once" };
const EVENTS = `warehouse/lakestream/${pipeline.sink.table}`;

let dir: string;
let lake: string;
let store: FsObjectStore;
let input: string;

/** The store as seen by a process that dies at its n-th write under `prefix`, and stays dead. */
function dyingStore(inner: ObjectStore, prefix: string, n: number): ObjectStore {
  let puts = 0;
  return {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    put: async (k, b, o) => {
      if (k.startsWith(prefix) && ++puts >= n) throw new Error("killed midway");
      return inner.put(k, b, o);
    },
  };
}

beforeAll(async () => {
  dir = await tempDir("exactly-once");
  lake = join(dir, "lake");
  store = new FsObjectStore(lake, { durable: false });
  input = await writeInput(dir, stream, batches);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("exactly once where it is published", () => {
  it("ingests a partial write, its bisected retry and every batch twice, leaving overlapping raw files", async () => {
    const handler = createIngestHandler({ pipeline, store });
    const cut = batches[5]!;
    // S3 throttles after the first data file: the batch commits what landed and resumes the rest.
    let dataPuts = 0;
    const throttled: ObjectStore = {
      url: store.url,
      get: (k) => store.get(k),
      list: (p) => store.list(p),
      delete: (k) => store.delete(k),
      put: async (k, b, o) => {
        if (k.startsWith(`${pipeline.sink.table}/`) && ++dataPuts > 1)
          throw new StorageError(k, "SlowDown", true);
        return store.put(k, b, o);
      },
    };
    const partial = createIngestHandler({ pipeline, store: throttled });
    const event = encodeKafkaEvent(cut, {
      eventSource: "SelfManagedKafka",
      bootstrapServers: "127.0.0.1:9092",
    });
    const response = await partial(event, lambdaLikeContext("lakestream-ingest"));
    expect(response.batchItemFailures.length).toBeGreaterThan(0);

    // The event source bisects the failed batch and retries each half.
    await feedBatches(handler, [cut.slice(0, cut.length / 2), cut.slice(cut.length / 2)], silent);
    const tally = createIngestTally();
    const first = { ...(await feedBatches(handler, batches, silent, tally)) };
    const second = await feedBatches(handler, batches, silent, tally);
    expect(first.recordsIn).toBe(stream.length);
    // The second pass is all replays: the handler answers from the commit records, writes nothing.
    expect(second.replays - first.replays).toBe(batches.length);
    expect(second.rowsWritten).toBe(first.rowsWritten);

    const raw = sqlString(`${lake}/${pipeline.sink.table}/**/*.parquet`);
    const [row] = await queryDuckDb(
      `SELECT count(*) AS n, count(DISTINCT (_topic, _partition, _offset)) AS d FROM read_parquet(${raw})`,
    );
    expect(Number(row!.n)).toBeGreaterThan(Number(row!.d));
  });

  it("records the failure of a run whose compact stage is killed midway, and readers see no part of it", async () => {
    const result = await runStages({
      deps: { pipeline, store: dyingStore(store, `${EVENTS}/data/`, 3) },
      input: runInput,
      executionName: "killed",
      progress: silent,
    });
    expect(result).toMatchObject({ status: "FAILED" });
    const failure = await store.get(`_lakestream/failures/${pipeline.name}/killed.json`);
    expect(new TextDecoder().decode(failure)).toContain("killed midway");
    expect((await store.list(`${EVENTS}/data/`)).length).toBeGreaterThan(0);
    // Files were written, but no snapshot lists them: a reader of the table sees nothing yet.
    const [row] = await queryDuckDb(
      `SELECT count(*) AS n FROM iceberg_snapshots(${sqlString(`${lake}/${EVENTS}`)})`,
      {
        iceberg: true,
      },
    );
    expect(Number(row!.n)).toBe(0);
  });

  it("publishes each source offset once and the reference aggregates when the run is started again", async () => {
    const result = await runStages({
      deps: { pipeline, store },
      input: runInput,
      executionName: "rerun",
      progress: silent,
    });
    expect(result.status).toBe("SUCCEEDED");
    const compacted = await compareCompacted(lake, input);
    expect(compacted.duplicates).toBe(0);
    expect(compacted.offsets).toMatchObject({ missing: 0, extra: 0 });
    const gold = await compareGold(lake, input);
    expect(gold.byType).toMatchObject({ missing: 0, extra: 0 });
    expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0 });
    expect(await compareLate(lake, input)).toMatchObject({ missing: 0, extra: 0 });
  });

  it("lists every data file the killed run left: the rerun wrote the very same files (content-addressed)", async () => {
    const onDisk = (await store.list(`${EVENTS}/data/`)).map((f) => `${store.url}/${f.key}`).sort();
    const live = await queryDuckDb(
      `SELECT file_path FROM iceberg_metadata(${sqlString(`${lake}/${EVENTS}`)}) WHERE status <> 'DELETED' ORDER BY 1`,
      { iceberg: true },
    );
    expect(onDisk.length).toBeGreaterThanOrEqual(3);
    expect(live.map((r) => r.file_path)).toEqual(onDisk);
  });

  it("changes nothing on a later scheduled run or on a backfill of the same range", async () => {
    const before = await snapshot(store, "warehouse/");
    const later = await runStages({
      deps: { pipeline, store },
      input: { ...runInput, now: new Date(Date.parse(now) + 3_600_000).toISOString(), runId: "later" },
      executionName: "later",
      progress: silent,
    });
    expect(later.status).toBe("SUCCEEDED");
    expect((later as { output: PlanOutput }).output.partitions).toEqual([]);
    const backfill = await runStages({
      deps: { pipeline, store },
      input: {
        pipeline: pipeline.name,
        trigger: "backfill",
        now,
        from: new Date(DEFAULT_START_MS).toISOString(),
        to: new Date(DEFAULT_START_MS + 2 * 3_600_000).toISOString(),
      },
      executionName: "backfill",
      progress: silent,
    });
    expect(backfill.status).toBe("SUCCEEDED");
    expect((backfill as { output: PlanOutput }).output.partitions).toHaveLength(2);
    // No new snapshot, metadata file or data file: the backfill found every version published.
    expect(await snapshot(store, "warehouse/")).toEqual(before);
  });

  it("backfills from another Parquet dataset with the raw layout: one overwrite, the same rows", async () => {
    const before = await tableContent();
    // An archive copy of the raw table (as if restored from Glacier) under another prefix.
    for (const { key } of await store.list(`${pipeline.sink.table}/`)) {
      await store.put(`archive/${key}`, (await store.get(key))!);
    }
    const result = await runStages({
      deps: { pipeline, store },
      input: {
        pipeline: pipeline.name,
        trigger: "backfill",
        now,
        from: new Date(DEFAULT_START_MS).toISOString(),
        to: new Date(DEFAULT_START_MS + 6 * 3_600_000).toISOString(),
        source: { prefix: `archive/${pipeline.sink.table}` },
      },
      executionName: "archive",
      progress: silent,
    });
    expect(result.status).toBe("SUCCEEDED");
    // Other raw files are another input: the versions are replaced, atomically, by equal rows.
    const [last] = await queryDuckDb(
      `SELECT operation FROM iceberg_snapshots(${sqlString(`${lake}/${EVENTS}`)}) ORDER BY sequence_number DESC LIMIT 1`,
      { iceberg: true },
    );
    expect(last!.operation).toBe("overwrite");
    expect(await tableContent()).toEqual(before);
    // A dataset prefix has no commit records, so no watermarks: like a Spark batch query, which
    // ignores withWatermark, the backfill counts every row, the too-late ones too.
    expect(await compareGold(lake, input, { watermarks: false })).toMatchObject({
      byType: { missing: 0, extra: 0 },
      activeUsers: { missing: 0, extra: 0 },
    });
  });
});

/** Row count and a digest of every row of the events table, in offset order. */
async function tableContent() {
  const [row] = await queryDuckDb(
    `SELECT count(*) AS n, md5(string_agg(to_json(t)::VARCHAR, '' ORDER BY _topic, _partition, _offset)) AS digest
     FROM ${icebergTable(lake, pipeline.sink.table)} t`,
    { iceberg: true },
  );
  return row;
}

async function snapshot(s: ObjectStore, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { key } of await s.list(prefix))
    out.set(key, Buffer.from((await s.get(key))!).toString("base64"));
  return out;
}
