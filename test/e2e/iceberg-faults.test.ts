import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommitStateUnknownError } from "../../shared/catalog/errors.ts";
import { StorageCatalog } from "../../shared/catalog/storage-catalog.ts";
import type { TableCatalog } from "../../shared/catalog/table-catalog.ts";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { createMaintainStage } from "../../shared/runtime/stages/maintain.ts";
import type { PublishOutput } from "../../shared/runtime/stages/publish.ts";
import type { StageDeps } from "../../shared/runtime/stages/stage-deps.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, StorageError } from "../../shared/storage/object-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { compareCompacted, compareGold, icebergTable, writeInput } from "./helpers/reference.ts";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const silent = new Progress(process.stderr, false);
const stream = sampleStream({
  records: 1800,
  hours: 3,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 41,
  lateEvery: 17,
  tooLateEvery: 29,
});
const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
const TABLES = [pipeline.sink.table, ...(pipeline.aggregations?.tables ?? []).map((t) => t.table)];

let dir: string;
let lake: string;
let store: FsObjectStore;
let input: string;

/** A catalog whose commits of one table pass through `around` (a crash, a race, a lost answer). */
function intercepted(
  inner: TableCatalog,
  table: string,
  around: (commit: () => ReturnType<TableCatalog["commitTable"]>) => ReturnType<TableCatalog["commitTable"]>,
): TableCatalog {
  return {
    kind: inner.kind,
    ensureNamespace: (ns) => inner.ensureNamespace(ns),
    loadTable: (id) => inner.loadTable(id),
    createTable: (id, r) => inner.createTable(id, r),
    commitTable: (id, base, req, upd) =>
      id.name === table
        ? around(() => inner.commitTable(id, base, req, upd))
        : inner.commitTable(id, base, req, upd),
  };
}

const run = (deps: StageDeps, runId: string) =>
  runStages({
    deps,
    input: { pipeline: pipeline.name, trigger: "local", now, runId },
    executionName: runId,
    progress: silent,
  });

async function snapshots(table: string): Promise<{ id: string; operation: string }[]> {
  const rows = await queryDuckDb(
    `SELECT snapshot_id::VARCHAR AS id, operation FROM iceberg_snapshots(${sqlString(`${lake}/warehouse/lakestream/${table}`)}) ORDER BY sequence_number`,
    { iceberg: true },
  );
  return rows as { id: string; operation: string }[];
}

/** A copy of the raw table under another prefix (as restored from an archive): other keys, same rows. */
async function archive(prefix: string): Promise<{ prefix: string }> {
  for (const { key } of await store.list(`${pipeline.sink.table}/`)) {
    await store.put(`${prefix}/${key}`, (await store.get(key))!);
  }
  return { prefix: `${prefix}/${pipeline.sink.table}` };
}

const backfill = (deps: StageDeps, runId: string, source: { prefix: string }) =>
  runStages({
    deps,
    input: {
      pipeline: pipeline.name,
      trigger: "backfill",
      now,
      runId,
      from: new Date(DEFAULT_START_MS).toISOString(),
      to: now,
      source,
    },
    executionName: runId,
    progress: silent,
  });

/**
 * Every source offset once in every table as a listing-free reader (DuckDB's iceberg_scan) sees
 * it. A backfill from an archive prefix has no commit records, hence no watermarks: its gold
 * tables count every row, like a Spark batch query that ignores withWatermark.
 */
async function expectExactlyOnce(watermarks = true) {
  const compacted = await compareCompacted(lake, input);
  expect(compacted.duplicates).toBe(0);
  expect(compacted.offsets).toMatchObject({ missing: 0, extra: 0 });
  const gold = await compareGold(lake, input, { watermarks });
  expect(gold.byType).toMatchObject({ missing: 0, extra: 0 });
  expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0 });
}

beforeAll(async () => {
  dir = await tempDir("iceberg-faults");
  lake = join(dir, "lake");
  store = new FsObjectStore(lake, { durable: false });
  const batches = batchesOf(stream, 150);
  input = await writeInput(dir, stream, batches);
  await feedBatches(createIngestHandler({ pipeline, store }), batches, silent);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("Iceberg publish under faults (storage catalog, lake on disk)", () => {
  it("a crash between writing files and committing leaves only orphans, and the rerun publishes each offset once", async () => {
    const crashing = intercepted(new StorageCatalog(store), pipeline.sink.table, async () => {
      throw new Error("process killed before the commit");
    });
    const crashed = await run({ pipeline, store, catalog: crashing }, "crashed");
    expect(crashed).toMatchObject({ status: "FAILED" });
    expect(await snapshots(pipeline.sink.table)).toEqual([]);
    // Data files and manifests of the attempt are there, invisible: no snapshot lists them.
    expect(
      (await store.list(`warehouse/lakestream/${pipeline.sink.table}/metadata/`)).length,
    ).toBeGreaterThan(2);

    const rerun = await run({ pipeline, store }, "after-crash");
    expect(rerun.status).toBe("SUCCEEDED");
    expect(await snapshots(pipeline.sink.table)).toHaveLength(1);
    await expectExactlyOnce();
  });

  it("a commit whose answer is lost is found on reload, not committed twice", async () => {
    let lost = 0;
    const flaky = intercepted(new StorageCatalog(store), pipeline.sink.table, async (commit) => {
      const result = await commit();
      if (lost++ === 0)
        throw new CommitStateUnknownError(pipeline.sink.table, "connection reset after the request");
      return result;
    });
    const before = (await snapshots(pipeline.sink.table)).length;
    // Another input for the same windows (an archive copy): a new version of every owner to commit.
    const again = await backfill(
      { pipeline, store, catalog: flaky },
      "lost-answer",
      await archive("archive-1"),
    );
    expect(again.status).toBe("SUCCEEDED");
    expect(lost).toBe(1);
    const after = await snapshots(pipeline.sink.table);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.operation).toBe("overwrite");
    await expectExactlyOnce(false);
  });

  it("two publish runs racing: the loser gets a conflict, rebases, and commits nothing twice", async () => {
    const base = new StorageCatalog(store);
    let winnerCommitted!: () => void;
    const winnerDone = new Promise<void>((resolve) => {
      winnerCommitted = resolve;
    });
    let loserArrived!: () => void;
    const loserReady = new Promise<void>((resolve) => {
      loserArrived = resolve;
    });
    // The winner commits only once the loser has planned and staged too (it is at its commit):
    // both runs then hold the same base, and the loser's parent is stale when it commits.
    const winner = intercepted(base, pipeline.sink.table, async (commit) => {
      await loserReady;
      const r = await commit();
      winnerCommitted();
      return r;
    });
    let conflicts = 0;
    const loser = intercepted(base, pipeline.sink.table, async (commit) => {
      loserArrived();
      await winnerDone;
      try {
        return await commit();
      } catch (e) {
        conflicts++;
        throw e;
      }
    });
    // Both plan against the same published state and compute the same new versions.
    const source = await archive("archive-2");
    const [a, b] = await Promise.all([
      backfill({ pipeline, store, catalog: winner }, "race-a", source),
      backfill({ pipeline, store, catalog: loser }, "race-b", source),
    ]);
    expect(a.status).toBe("SUCCEEDED");
    expect(b.status).toBe("SUCCEEDED");
    expect(conflicts).toBe(1);
    const published = (r: typeof b) =>
      (r as { output: { published: PublishOutput } }).output.published.tables.find(
        (t) => t.table === pipeline.sink.table,
      )!;
    expect(published(a)).toMatchObject({ attempts: 1 });
    expect(published(a).versions).toBeGreaterThan(0);
    // The loser reloaded after its conflict and found its versions there already: nothing committed.
    expect(published(b)).toMatchObject({ snapshotId: null, versions: 0 });
    expect(published(b).alreadyPublished).toBe(published(a).versions);
    await expectExactlyOnce(false);
  });

  it("maintenance removes every orphan and expires old snapshots (after a run whose deletes failed), and readers see the same rows", async () => {
    const content = async (table: string) =>
      queryDuckDb(`SELECT count(*) AS n FROM ${icebergTable(lake, table)}`, { iceberg: true });
    const before = await Promise.all(TABLES.map(content));
    // First on S3 whose deletes fail: maintenance fails (the run would retry it), readers see no change.
    const failing: ObjectStore = {
      url: store.url,
      get: (k) => store.get(k),
      list: (p) => store.list(p),
      put: (k, b, o) => store.put(k, b, o),
      delete: async (k) => {
        throw new StorageError(k, "delete failed (SlowDown, HTTP 503)", true);
      },
    };
    await expect(
      createMaintainStage({ pipeline, store: failing })({
        pipeline: pipeline.name,
        orphanFileAgeHours: 0,
        snapshotRetentionHours: 0,
      }),
    ).rejects.toThrow("delete failed");
    expect(await Promise.all(TABLES.map(content))).toEqual(before);
    const maintain = createMaintainStage({ pipeline, store });
    const out = await maintain({ pipeline: pipeline.name, orphanFileAgeHours: 0, snapshotRetentionHours: 0 });
    const events = out.tables.find((t) => t.table === pipeline.sink.table)!;
    // The crashed run's manifests and the replaced versions' files were orphans.
    expect(events.orphansRemoved).toBeGreaterThan(0);
    // The failed pass had expired the old snapshots already (a metadata commit); its deletes failed.
    expect(await snapshots(pipeline.sink.table)).toHaveLength(1);
    expect(await Promise.all(TABLES.map(content))).toEqual(before);
    await expectExactlyOnce(false);
    // Every data file left in the table's folder is one a reader reads.
    const files = (await store.list(`warehouse/lakestream/${pipeline.sink.table}/data/`)).map(
      (f) => `${store.url}/${f.key}`,
    );
    const live = await queryDuckDb(
      `SELECT file_path FROM iceberg_metadata(${sqlString(`${lake}/warehouse/lakestream/${pipeline.sink.table}`)}) WHERE status <> 'DELETED'`,
      { iceberg: true },
    );
    expect(files.sort()).toEqual(live.map((r) => r.file_path as string).sort());
    // A second pass finds nothing more to do.
    const again = await maintain({
      pipeline: pipeline.name,
      orphanFileAgeHours: 0,
      snapshotRetentionHours: 0,
    });
    expect(again.tables.every((t) => t.orphansRemoved === 0 && t.snapshotsExpired === 0)).toBe(true);
  });
});
