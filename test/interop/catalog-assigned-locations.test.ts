import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestCatalog } from "../../shared/catalog/rest-catalog.ts";
import { feedBatches } from "../../shared/local/main-job/feed.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { simulatedNow } from "../../shared/local/main-job/run-main-job.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import type { StageDeps } from "../../shared/runtime/stages/stage-deps.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { tableFiles } from "../../shared/storage/table-files.ts";
import { referenceTotals, writeInput } from "../e2e/helpers/reference.ts";
import { assertRestCatalogReady, pyicebergCatalogProperties, restCatalogS3 } from "../helpers/catalogs.ts";
import { tempDir } from "../helpers/lake.ts";
import { runPython } from "../helpers/python.ts";
import { freshBucket, testS3Client } from "../helpers/services.ts";

// S3 Tables chooses where each table lives (storage of its own, outside the lake) and refuses a
// client's location. Apache Iceberg's REST server does the same when a create names none: it
// places the table in its own warehouse bucket. lakestream then writes data files and manifests
// there, through a store for that bucket, and readers find everything where the metadata says.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const endpoint = restCatalogS3();
const NS = `placed_${Date.now().toString(36)}_${process.pid.toString(36)}`;
const stream = sampleStream({
  records: 900,
  hours: 2,
  startMs: DEFAULT_START_MS,
  topic: "clickstream",
  badEvery: 37,
});
const batches = batchesOf(stream, 150);

let dir: string;
let deps: StageDeps;
let lakeBucket: string;

beforeAll(async () => {
  await assertRestCatalogReady(endpoint);
  dir = await tempDir("assigned-locations");
  lakeBucket = await freshBucket("placed-lake");
  const client = testS3Client();
  const store = new S3ObjectStore({ client, bucket: lakeBucket });
  deps = {
    pipeline,
    store,
    catalog: new RestCatalog({ uri: endpoint.uri, assignsLocations: true }),
    namespace: NS,
    files: tableFiles(store, (bucket) => new S3ObjectStore({ client, bucket })),
  };
  await feedBatches(createIngestHandler({ pipeline, store }), batches, new Progress(process.stderr, false));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("tables whose catalog chooses their location, outside the lake (as S3 Tables does)", () => {
  it("publishes into the catalog's storage, and pyiceberg reads every table there", async () => {
    const now = new Date(simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)))).toISOString();
    const run = await runStages({
      deps,
      input: { pipeline: pipeline.name, trigger: "local", now, runId: "placed" },
      executionName: "placed",
      progress: new Progress(process.stderr, false),
    });
    expect(run).toMatchObject({ status: "SUCCEEDED" });
    const table = await deps.catalog!.loadTable({ namespace: NS, name: pipeline.sink.table });
    expect(table!.metadata.location.startsWith(endpoint.warehouse)).toBe(true);
    // Nothing of the tables went into the lake: only raw files, commits and run documents.
    expect(await deps.store.list("warehouse/")).toEqual([]);

    const totals = await referenceTotals(await writeInput(dir, stream, batches));
    const read = await runPython<{ catalog: Record<string, { n: number; sum_amount?: string }> }>(
      { file: "pyiceberg_read_tables.py" },
      {
        input: {
          catalog: pyicebergCatalogProperties(endpoint),
          tables: {
            [`${NS}.${pipeline.sink.table}`]: { sums: ["amount"] },
            [`${NS}.clickstream_by_type_15m`]: { sums: ["events"] },
          },
        },
      },
    );
    expect(read.catalog[`${NS}.${pipeline.sink.table}`]).toMatchObject({
      n: totals.events.rows,
      sum_amount: totals.events.amount,
    });
    expect(read.catalog[`${NS}.clickstream_by_type_15m`]).toMatchObject({ n: totals.byType.rows });
  });
});
