import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";
import { MANIFEST_NAME, type Manifest } from "../../shared/core/stages/manifest.ts";
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
import { compareCompacted, compareGold, compareLate, writeInput } from "./helpers/reference.ts";

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

  it("records the failure of a run whose compact stage is killed midway", async () => {
    const result = await runStages({
      deps: { pipeline, store: dyingStore(store, "published/", 3) },
      input: runInput,
      executionName: "killed",
      progress: silent,
    });
    expect(result).toMatchObject({ status: "FAILED" });
    const failure = await store.get(`_lakestream/failures/${pipeline.name}/killed.json`);
    expect(new TextDecoder().decode(failure)).toContain("killed midway");
    expect((await store.list("published/")).length).toBeGreaterThan(0);
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

  it("leaves exactly the manifest's files in every published partition: no orphan of the killed run", async () => {
    const all = (await store.list("published/")).map((f) => f.key);
    const manifests = all.filter((k) => k.endsWith(`/${MANIFEST_NAME}`));
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    const listed = new Set<string>();
    for (const key of manifests) {
      const m = JSON.parse(new TextDecoder().decode(await store.get(key))) as Manifest;
      for (const f of m.files) listed.add(f.key);
    }
    expect(all.filter((k) => !k.endsWith(`/${MANIFEST_NAME}`)).sort()).toEqual([...listed].sort());
  });

  it("changes nothing on a later scheduled run or on a backfill of the same range", async () => {
    const before = await snapshot(store, "published/");
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
    expect(await snapshot(store, "published/")).toEqual(before);
  });

  it("backfills from another Parquet dataset with the raw layout into the same published bytes", async () => {
    const before = await snapshot(store, `published/${pipeline.sink.table}/`);
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
    const after = await snapshot(store, `published/${pipeline.sink.table}/`);
    const dataOnly = (m: Map<string, string>) => [...m].filter(([k]) => !k.endsWith(MANIFEST_NAME));
    expect(dataOnly(after)).toEqual(dataOnly(before));
    // A dataset prefix has no commit records, so no watermarks: like a Spark batch query, which
    // ignores withWatermark, the backfill counts every row, the too-late ones too.
    expect(await compareGold(lake, input, { watermarks: false })).toMatchObject({
      byType: { missing: 0, extra: 0 },
      activeUsers: { missing: 0, extra: 0 },
    });
  });
});

async function snapshot(s: ObjectStore, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { key } of await s.list(prefix))
    out.set(key, Buffer.from((await s.get(key))!).toString("base64"));
  return out;
}
