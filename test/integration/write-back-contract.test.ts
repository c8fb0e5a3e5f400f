import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { avroType } from "../../shared/core/encode/avro-row.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { KafkaWriteBack } from "../../shared/runtime/kafka-write-back.ts";
import { LINEAGE_HEADERS } from "../../shared/runtime/write-back-rows.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { partitionCount, readTopic } from "../helpers/read-topic.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { exitWithin, lakestream } from "./kafka-cli-kit.ts";
import { eventSource, freshTopic, produce, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

/** `lakestream schema …` as a user runs it; its stdout. */
async function printedSchema(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await exitWithin(lakestream(["schema", ...args]), 60_000);
  expect(code, stderr).toBe(0);
  return stdout;
}

// Recent event times: the test broker deletes records older than its 24-hour retention.
const START = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;

/**
 * n sample records keyed by user (997 users), every 97th broken, spread over the partitions by
 * key, each stamped with its event time as a producer of live data would.
 */
async function produceSamples(topic: string, n: number) {
  const samples = Array.from({ length: n }, (_, i) => sampleRecord(i, i % 97 === 96, { startMs: START }));
  await produce(
    topic,
    samples.map((s) => ({ key: s.key, value: Buffer.from(s.value), timestamp: String(s.eventTime) })),
  );
  return samples.filter((s) => !s.bad && !s.bot);
}

describe("write-back contract (docs/write-back.md), on a real broker", () => {
  it("run --write-back TOPIC: topic sized like the source, keyed per-key order, event-time timestamps, lineage headers, JSON valid against the printed JSON Schema", async () => {
    const source = await freshTopic("wbc-src", 3);
    const target = `wbc-out-${source.slice(-8)}`;
    const good = await produceSamples(source, 900);
    const lake = await tempDir("wbc");
    const proc = lakestream([
      "run",
      "--topic",
      source,
      "--write-back",
      target,
      "--lake",
      lake,
      "--until-idle",
      "2",
      "--no-progress",
    ]);
    const { code, stderr } = await exitWithin(proc, 120_000);
    expect(code, stderr).toBe(0);

    expect(await partitionCount(target)).toBe(3);
    const messages = await readTopic(target);
    expect(messages).toHaveLength(good.length);
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats.default(validate);
    const isRow = validate.compile(
      JSON.parse(await printedSchema(["--write-back", "--format", "json-schema"])),
    );
    const partitionOfKey = new Map<string, number>();
    const lastSourceOffset = new Map<string, number>();
    const byEvent = new Map(good.map((s) => [JSON.parse(Buffer.from(s.value).toString()).event_id, s]));
    for (const m of messages) {
      const row = JSON.parse(m.value.toString());
      expect(isRow(row), JSON.stringify(isRow.errors)).toBe(true);
      const sample = byEvent.get(row.event_id)!;
      // Key: the source key kept; Kafka timestamp: the row's event time, not the time of writing.
      expect(m.key?.toString()).toBe(sample.key);
      expect(m.timestamp).toBe(sample.eventTime);
      expect(m.timestamp).toBe(Date.parse(row.ts));
      expect(m.headers[LINEAGE_HEADERS.topic]).toBe(source);
      // Per-key order: one key, one partition, source offsets increasing.
      const key = m.key!.toString();
      expect(partitionOfKey.get(key) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(key, m.partition);
      const tp = `${m.headers[LINEAGE_HEADERS.partition]}/${key}`;
      const offset = Number(m.headers[LINEAGE_HEADERS.offset]);
      expect(offset).toBeGreaterThan(lastSourceOffset.get(tp) ?? -1);
      lastSourceOffset.set(tp, offset);
    }
    expect(
      new Set(
        messages.map((m) => `${m.headers[LINEAGE_HEADERS.partition]}@${m.headers[LINEAGE_HEADERS.offset]}`),
      ).size,
    ).toBe(good.length);
  });

  it("start --brokers … --write-back TOPIC: the main job writes the same contract back while it fills the lake", async () => {
    const source = await freshTopic("wbc-start-src", 2);
    const target = `wbc-start-${source.slice(-8)}`;
    const good = await produceSamples(source, 300);
    const lake = await tempDir("wbc-start");
    const proc = lakestream([
      "start",
      "--brokers",
      kafkaBrokers().join(","),
      "--topic",
      source,
      "--write-back",
      target,
      "--lake",
      lake,
      "--until-idle",
      "2",
      "--no-report",
      "--no-progress",
    ]);
    const { code, stdout, stderr } = await exitWithin(proc, 180_000);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: "SUCCEEDED", rowsWritten: good.length });
    expect(await partitionCount(target)).toBe(2);
    const messages = await readTopic(target);
    expect(messages).toHaveLength(good.length);
    expect(new Set(messages.map((m) => m.timestamp))).toEqual(new Set(good.map((s) => s.eventTime)));
  });

  it("Avro values: avsc binary datums in the schema `lakestream schema --write-back --format avro` prints; configured partition count", async () => {
    const source = await freshTopic("wbc-avro-src", 3);
    const target = `wbc-avro-${source.slice(-8)}`;
    const good = await produceSamples(source, 300);
    const pipeline: Pipeline = {
      ...clickstream,
      source: { ...clickstream.source, topics: [source] },
      writeBack: { topic: target, key: "event_id", format: "avro", partitions: 2 },
    };
    const store = new FsObjectStore(await tempDir("wbc-avro"), { durable: false });
    const sink = new KafkaWriteBack({
      connection: { brokers: kafkaBrokers() },
      topic: target,
      partitions: 2,
    });
    const ingest = createIngestHandler({ pipeline, store, writeBack: sink });
    const esm = eventSource(source, (e, c) => ingest(e, c), {
      batchSize: 100,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor("300 records done", () => esm.stats().recordsDone >= 300);
    await esm.stop();
    await sink.disconnect();

    expect(await partitionCount(target)).toBe(2);
    const type = avroType(JSON.parse(await printedSchema(["--write-back", "--format", "avro"])));
    const messages = await readTopic(target);
    expect(messages).toHaveLength(good.length);
    const cents = messages.map((m) => {
      const row = type.fromBuffer(m.value) as { event_id: string; ts: bigint; amount: Buffer | null };
      expect(m.key?.toString()).toBe(row.event_id);
      expect(BigInt(m.timestamp) * 1000n).toBe(row.ts);
      return row.amount === null ? 0n : BigInt.asIntN(48, BigInt(`0x${row.amount.toString("hex")}`));
    });
    expect(cents.reduce((a, b) => a + b, 0n)).toBe(BigInt(good.reduce((n, s) => n + s.amountCents, 0)));
  });

  it("gold write-back: one message per window and group, keyed [table, window_start, group…], Kafka timestamp = window start", async () => {
    const source = await freshTopic("wbc-gold-src", 1);
    const target = `wbc-gold-${source.slice(-8)}`;
    const good = await produceSamples(source, 600);
    const [first] = clickstream.aggregations!.tables;
    const pipeline: Pipeline = {
      ...clickstream,
      source: { ...clickstream.source, topics: [source] },
      aggregations: { ...clickstream.aggregations!, tables: [{ ...first!, writeBack: { topic: target } }] },
    };
    const store = new FsObjectStore(await tempDir("wbc-gold"), { durable: false });
    const ingest = createIngestHandler({ pipeline, store });
    const esm = eventSource(source, (e, c) => ingest(e, c), {
      batchSize: 200,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor("600 records done", () => esm.stats().recordsDone >= 600);
    await esm.stop();
    const sink = new KafkaWriteBack({
      connection: { brokers: kafkaBrokers() },
      topic: target,
      sourceTopics: pipeline.source.topics,
    });
    const run = await runStages({
      deps: { pipeline, store, writeBack: () => sink },
      input: {
        pipeline: pipeline.name,
        trigger: "local",
        now: new Date(START + 6 * 3_600_000).toISOString(),
        runId: "gold-wb",
      },
      executionName: "gold-wb",
      progress: new Progress(process.stderr, false),
    });
    await sink.disconnect();
    expect(run.status).toBe("SUCCEEDED");
    const messages = await readTopic(target);
    expect(messages.length).toBeGreaterThan(10);
    const keys = new Set<string>();
    for (const m of messages) {
      const row = JSON.parse(m.value.toString());
      expect(m.timestamp).toBe(Date.parse(row.window_start));
      expect(JSON.parse(m.key!.toString())).toEqual([
        first!.table,
        row.window_start,
        row.type,
        row.geo_country,
      ]);
      keys.add(m.key!.toString());
    }
    expect(keys.size).toBe(messages.length);
    expect(messages.reduce((n, m) => n + JSON.parse(m.value.toString()).events, 0)).toBe(good.length);
  });
});
