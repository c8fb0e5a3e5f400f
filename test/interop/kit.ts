import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { deployedDefinition, runStages } from "../../shared/local/main-job/run-stages.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { LINEAGE_HEADERS } from "../../shared/runtime/write-back-rows.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { eventSource, produce, waitFor } from "../integration/kafka-test-kit.ts";

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");

/** Builds examples/<name> with Maven (test/services/examples.sh); its class path and how long it took. */
export async function buildExample(name: "flink" | "storm"): Promise<{ classpath: string; seconds: number }> {
  const t0 = performance.now();
  const { stdout } = await exec("bash", [join(ROOT, "test/services/examples.sh"), "build", name], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return { classpath: stdout.trim().split("\n").at(-1)!, seconds: (performance.now() - t0) / 1000 };
}

/** Runs a main class of an example in its own JVM; stdout, stderr and seconds. Fails with stderr's tail. */
export async function java(classpath: string, mainClass: string, args: string[], timeoutMs = 600_000) {
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await exec("java", ["-Xmx1g", "-cp", classpath, mainClass, ...args], {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `${mainClass} failed: ${err.message}\n${(err.stderr ?? "").split("\n").slice(-40).join("\n")}`,
    );
  }
}

// Recent event times: the test broker deletes records older than its 24-hour retention.
export const START = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;

/** The reference: what lakestream must keep of n sample records (no broken ones, no bots). */
export interface Reference {
  readonly ids: ReadonlySet<string>;
  readonly cents: number;
}

/** Produces n sample records (every 97th broken, every 50th a bot), stamped with their event time. */
export async function produceSamples(topic: string, n: number): Promise<Reference> {
  const samples = Array.from({ length: n }, (_, i) => sampleRecord(i, i % 97 === 96, { startMs: START }));
  await produce(
    topic,
    samples.map((s) => ({ key: s.key, value: Buffer.from(s.value), timestamp: String(s.eventTime) })),
  );
  const good = samples.filter((s) => !s.bad && !s.bot);
  return {
    ids: new Set(good.map((s) => JSON.parse(Buffer.from(s.value).toString()).event_id as string)),
    cents: good.reduce((n, s) => n + s.amountCents, 0),
  };
}

const text = (headers: readonly { key: string; value: Uint8Array }[], key: string) => {
  const h = headers.find((x) => x.key === key);
  return h === undefined ? null : Buffer.from(h.value).toString();
};

/**
 * The pipeline a user writes to take back what Flink or Storm enriched: the clickstream row,
 * the engine's columns, and the lineage headers of the write-back contract as columns, so the
 * lake can trace every row to the source record it came from.
 */
export function enrichedPipeline(topic: string): Pipeline {
  return definePipeline({
    name: "enriched",
    source: { topics: [topic], valueFormat: "json" },
    schema: {
      ...clickstream.schema,
      revenue_cents: { type: "int64" },
      channel: { type: "string" },
      origin_topic: { type: "string" },
      origin_partition: { type: "int32" },
      origin_offset: { type: "int64" },
      enriched_by: { type: "string", nullable: true },
    },
    transform: ({ value, headers }) => {
      const row = value as Record<string, unknown>;
      const picked = Object.fromEntries(Object.keys(clickstream.schema).map((k) => [k, row[k]]));
      return {
        ...(picked as Record<string, never>),
        revenue_cents: row.revenue_cents as number,
        channel: row.channel as string,
        origin_topic: text(headers, LINEAGE_HEADERS.topic)!,
        origin_partition: Number(text(headers, LINEAGE_HEADERS.partition)),
        origin_offset: BigInt(text(headers, LINEAGE_HEADERS.offset)!),
        enriched_by: text(headers, "enriched.by"),
      };
    },
    partitioning: { eventTime: { field: "ts" }, granularity: "hour" },
    sink: { table: "enriched_events", format: "parquet" },
  });
}

/** lakestream takes a topic in: the ingest handler fed like Lambda, then plan → compact → publish. */
export async function ingestAndCompact(pipeline: Pipeline, store: ObjectStore, records: number) {
  const ingest = createIngestHandler({ pipeline, store });
  const esm = eventSource(pipeline.source.topics[0]!, (e, c) => ingest(e, c), {
    batchSize: 500,
    reportBatchItemFailures: true,
  });
  await esm.start();
  await waitFor(`${records} records ingested`, () => esm.stats().recordsDone >= records, 300_000);
  await esm.stop();
  const runId = `interop-${Date.now()}`;
  const run = await runStages({
    deps: { pipeline, store },
    // The deployed state machine of the example pipeline: its states are the same for every pipeline.
    definition: await deployedDefinition(clickstream),
    input: {
      pipeline: pipeline.name,
      trigger: "local",
      now: new Date(START + 6 * 3_600_000).toISOString(),
      runId,
    },
    executionName: runId,
    progress: new Progress(process.stderr, false),
  });
  if (run.status !== "SUCCEEDED") throw new Error(`stages ${run.status}: ${JSON.stringify(run)}`);
  return esm.stats();
}

const parquet = (dir: string) => sqlString(join(dir, "**/*.parquet"));

/** What Flink or Storm wrote, as lakestream published it, against the input and the source lake. */
export async function expectRoundTrip(o: {
  dir: string;
  engine: string;
  sourceLake: string;
  source: string;
  ref: Reference;
}) {
  const { dir, engine, sourceLake, source, ref } = o;
  // The published table is an Iceberg table in the lake's storage catalog.
  const published = `iceberg_scan(${sqlString(join(dir, "warehouse/lakestream/enriched_events"))})`;
  const [agg] = await queryDuckDb(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, sum(revenue_cents) AS cents,
    sum(amount)::VARCHAR AS revenue, count(*) FILTER (WHERE enriched_by = ${sqlString(engine)}) AS by_engine,
    count(*) FILTER (WHERE _ts = ts) AS event_time_stamped
    FROM ${published}`,
    { iceberg: true },
  );
  expect(Number(agg!.n)).toBe(ref.ids.size);
  expect(Number(agg!.ids)).toBe(ref.ids.size);
  expect(Number(agg!.cents)).toBe(ref.cents);
  expect(Math.round(Number(agg!.revenue) * 100)).toBe(ref.cents);
  expect(Number(agg!.by_engine)).toBe(ref.ids.size);
  expect(Number(agg!.event_time_stamped)).toBe(ref.ids.size);
  // Lineage: each enriched row names the source record (topic, partition, offset) it came from.
  const [lineage] = await queryDuckDb(
    `SELECT count(*) AS matched FROM ${published} e
    JOIN read_parquet(${parquet(join(sourceLake, "clickstream_events"))}, hive_partitioning = true) s
      ON s.event_id = e.event_id AND s._topic = e.origin_topic AND s._partition = e.origin_partition AND s._offset = e.origin_offset
    WHERE e.origin_topic = ${sqlString(source)}`,
    { iceberg: true },
  );
  expect(Number(lineage!.matched)).toBe(ref.ids.size);
}
