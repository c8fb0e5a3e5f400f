import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestCatalog } from "../../shared/catalog/rest-catalog.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, type StreamRecord, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import type { StageDeps } from "../../shared/runtime/stages/stage-deps.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { type ReferenceTotals, referenceTotals, writeInput } from "../e2e/helpers/reference.ts";
import { assertRestCatalogReady, pyicebergCatalogProperties, restCatalogS3 } from "../helpers/catalogs.ts";
import { tempDir } from "../helpers/lake.ts";
import { runPython } from "../helpers/python.ts";
import { freshBucket, testS3Client } from "../helpers/services.ts";
import { runSpark } from "../helpers/spark.ts";

// lakestream publishes through Apache Iceberg's REST catalog server (tables on S3Proxy) and through
// its storage catalog (a lake on disk); Spark and pyiceberg, which nobody here wrote, read them.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const silent = new Progress(process.stderr, false);
const NS = `lake_${Date.now().toString(36)}_${process.pid.toString(36)}`;
const EVENTS = clickstream.sink.table;
const BY_TYPE = "clickstream_by_type_15m";
const ACTIVE = "clickstream_active_users_1h";
const endpoint = restCatalogS3();

// Four hours of clicks; the first three arrive before the first run, the last one after.
const stream = sampleStream({
  records: 2400,
  hours: 4,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 41,
  lateEvery: 17,
  tooLateEvery: 29,
});
const cutoff = DEFAULT_START_MS + 3 * 3_600_000;
const phase1 = stream.filter((r) => r.timestamp < cutoff);
const phase2 = stream.filter((r) => r.timestamp >= cutoff);
const batches1 = batchesOf(phase1, 150);
const batches2 = batchesOf(phase2, 150);

/** Version 2 of the pipeline adds a nullable column: the table's schema evolves, no file is rewritten. */
const v2: Pipeline = definePipeline({
  ...clickstream,
  schema: { ...clickstream.schema, referrer: { type: "string", nullable: true } },
  transform: (record: Parameters<Pipeline["transform"]>[0]) => {
    const row = clickstream.transform(record);
    return row && !Array.isArray(row)
      ? { ...row, referrer: `https://search.example/?q=${String(row.type)}` }
      : row;
  },
} as unknown as Parameters<typeof definePipeline>[0]);

let dir: string;
let s3: StageDeps;
let disk: StageDeps;
let totals1: ReferenceTotals;
let totals2: ReferenceTotals;

async function publish(
  deps: StageDeps,
  records: readonly StreamRecord[],
  batches: StreamRecord[][],
  runId: string,
) {
  await feedBatches(createIngestHandler({ pipeline: deps.pipeline, store: deps.store }), batches, silent);
  const now = new Date(
    simulatedNow(deps.pipeline, Math.max(...records.map((r) => r.timestamp))),
  ).toISOString();
  const result = await runStages({
    deps,
    input: { pipeline: deps.pipeline.name, trigger: "local", now, runId },
    executionName: runId,
    progress: silent,
  });
  expect(result).toMatchObject({ status: "SUCCEEDED" });
}

const tables = (names: Record<string, { sums?: string[]; nulls?: string[] }>, prefix: string) =>
  Object.fromEntries(Object.entries(names).map(([t, w]) => [`${prefix}${t}`, w]));
const WANTED = {
  [EVENTS]: { sums: ["amount"] },
  [BY_TYPE]: { sums: ["events", "revenue"] },
  [ACTIVE]: { sums: ["events"] },
};

function expectTotals(
  read: Record<string, Record<string, unknown>>,
  prefix: string,
  t: ReferenceTotals,
  extraEvents = 0,
) {
  expect(read[`${prefix}${EVENTS}`]).toMatchObject({ n: t.events.rows + extraEvents });
  expect(read[`${prefix}${BY_TYPE}`]).toMatchObject({
    n: t.byType.rows,
    sum_events: String(t.byType.events),
    sum_revenue: t.byType.revenue,
  });
  expect(read[`${prefix}${ACTIVE}`]).toMatchObject({
    n: t.activeUsers.rows,
    sum_events: String(t.activeUsers.events),
  });
}

beforeAll(async () => {
  await assertRestCatalogReady(endpoint);
  dir = await tempDir("interop-iceberg");
  const bucket = await freshBucket("interop-lake");
  s3 = {
    pipeline: clickstream,
    store: new S3ObjectStore({ client: testS3Client(), bucket }),
    catalog: new RestCatalog({ uri: endpoint.uri }),
    namespace: NS,
  };
  disk = { pipeline: clickstream, store: new FsObjectStore(join(dir, "lake"), { durable: false }) };
  await publish(s3, phase1, batches1, "phase-1");
  await publish(disk, phase1, batches1, "phase-1");
  totals1 = await referenceTotals(await writeInput(dir, phase1, batches1));
  totals2 = await referenceTotals(await writeInput(dir, stream, [...batches1, ...batches2]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("lakestream's Iceberg tables read by engines nobody here wrote", () => {
  it("pyiceberg reads every table through the REST catalog and, by metadata path, from the storage catalog", async () => {
    const metadata = (table: string) => {
      const folder = join(dir, "lake", "warehouse", "lakestream", table, "metadata");
      return `file://${folder}/v${readFileSync(join(folder, "version-hint.text"), "utf8").trim()}.metadata.json`;
    };
    const read = await runPython<{
      catalog: Record<string, Record<string, unknown>>;
      static: Record<string, Record<string, unknown>>;
    }>(
      { file: "pyiceberg_read_tables.py" },
      {
        input: {
          catalog: pyicebergCatalogProperties(endpoint),
          tables: tables(WANTED, `${NS}.`),
          static: Object.fromEntries(
            Object.entries(WANTED).map(([t, w]) => [t, { ...w, metadata: metadata(t) }]),
          ),
        },
      },
    );
    expectTotals(read.catalog, `${NS}.`, totals1);
    expectTotals(read.static, "", totals1);
    expect(read.catalog[`${NS}.${EVENTS}`]!.sum_amount).toBe(totals1.events.amount);
    expect(read.static[EVENTS]!.schema).toMatchObject({
      ts: "timestamptz",
      amount: "decimal(12, 2)",
      _offset: "long",
    });
  });

  it("Spark reads every table through the REST catalog, sees the offset ranges in .snapshots, and INSERTs a row", async () => {
    const insert =
      `INSERT INTO lake.${NS}.${EVENTS} VALUES ('spark-1', 42, TIMESTAMP '2026-11-23 07:30:00', 'view', ` +
      `'https://shop.example/x', 'shop.example', '/x', 12.34, array('spark'), named_struct('country', 'DE', 'city', 'Berlin'), ` +
      `false, 'spark', 0, 0, TIMESTAMP '2026-11-23 07:30:00')`;
    const read = await runSpark<{
      before: Record<string, Record<string, unknown>>;
      after: Record<string, Record<string, unknown>>;
    }>(
      { file: "spark_read_tables.py" },
      {
        catalogs: [{ name: "lake", kind: "rest", endpoint }],
        input: { tables: tables(WANTED, `lake.${NS}.`), statements: [insert] },
      },
    );
    expectTotals(read.before, `lake.${NS}.`, totals1);
    const events = read.before[`lake.${NS}.${EVENTS}`]!;
    expect(events.sum_amount).toBe(totals1.events.amount);
    expect(events.schema).toMatchObject({ ts: "timestamp", amount: "decimal(12,2)", tags: "array<string>" });
    const summary = events.summary as Record<string, string>;
    expect(summary["lakestream.pipeline"]).toBe("clickstream");
    const offsets = JSON.parse(summary["lakestream.source-offsets"]!) as {
      topic: string;
      partition: number;
    }[];
    expect(offsets.map((o) => `${o.topic}/${o.partition}`).sort()).toEqual([
      "clickstream/0",
      "clickstream/1",
    ]);
    expect(read.after[`lake.${NS}.${EVENTS}`]).toMatchObject({
      n: totals1.events.rows + 1,
      operation: "append",
    });
  });

  it("keeps Spark's row when lakestream publishes again, and reads old and new rows after the schema evolved", async () => {
    s3 = { ...s3, pipeline: v2 };
    await publish(s3, phase2, batches2, "phase-2");
    const wanted = tables({ ...WANTED, [EVENTS]: { sums: ["amount"], nulls: ["referrer"] } }, `${NS}.`);
    const spark = await runSpark<{ before: Record<string, Record<string, unknown>> }>(
      { file: "spark_read_tables.py" },
      {
        catalogs: [{ name: "lake", kind: "rest", endpoint }],
        input: { tables: Object.fromEntries(Object.entries(wanted).map(([t, w]) => [`lake.${t}`, w])) },
      },
    );
    const py = await runPython<{ catalog: Record<string, Record<string, unknown>> }>(
      { file: "pyiceberg_read_tables.py" },
      { input: { catalog: pyicebergCatalogProperties(endpoint), tables: wanted } },
    );
    for (const [read, prefix] of [
      [spark.before, `lake.${NS}.`],
      [py.catalog, `${NS}.`],
    ] as const) {
      // Spark's row is still there, beside every row of both phases, each source offset once.
      expectTotals(read, prefix, totals2, 1);
      // Rows ingested before v2 (and Spark's) have no referrer; the rest have one.
      expect(read[`${prefix}${EVENTS}`]).toMatchObject({ null_referrer: totals1.events.rows + 1 });
      expect(read[`${prefix}${EVENTS}`]!.schema).toHaveProperty("referrer");
    }
  });
});
