import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { KafkaWriteBack } from "../../shared/runtime/kafka-write-back.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { eventSource, freshTopic, produce, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

const kcat = () => {
  try {
    execFileSync("kcat", ["-V"], { stdio: "ignore" });
    return "kcat";
  } catch {
    return "kafkacat";
  }
};

describe("write-back: transformed rows also go to a Kafka topic (real broker, read back by kcat)", () => {
  it("every written row is on the write-back topic once, keyed by the declared column, with lineage headers", async () => {
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    const source = await freshTopic("wb-src", 3);
    const target = await freshTopic("wb-out", 3);
    const n = 600;
    const messages = Array.from({ length: n }, (_, i) => {
      const r = sampleRecord(i, i % 100 === 99);
      return { key: r.key, value: Buffer.from(r.value) };
    });
    await produce(source, messages);
    const pipeline: Pipeline = {
      ...clickstream,
      source: { ...clickstream.source, topics: [source] },
      writeBack: { topic: target, key: "user_id" },
    };
    const store = new FsObjectStore(await tempDir("wb"), { durable: false });
    const writeBack = new KafkaWriteBack({ connection: { brokers: kafkaBrokers() }, topic: target });
    const ingest = createIngestHandler({ pipeline, store, writeBack });
    const esm = eventSource(source, (e, c) => ingest(e, c), {
      batchSize: 250,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor("600 records done", () => esm.stats().recordsDone >= n);
    await esm.stop();
    await writeBack.disconnect();

    const good = Array.from({ length: n }, (_, i) => sampleRecord(i, i % 100 === 99)).filter(
      (r) => !r.bad && !r.bot,
    );
    const out = execFileSync(
      kcat(),
      ["-C", "-b", kafkaBrokers()[0]!, "-t", target, "-e", "-q", "-f", "%k\\t%h\\t%s\\n"],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(good.length);
    const lineage = new Set<string>();
    for (const line of lines) {
      const [key, headers = "", value = "{}"] = line.split("\t");
      const row = JSON.parse(value);
      expect(key).toBe(String(row.user_id));
      expect(headers).toContain(`lakestream.source.topic=${source}`);
      const p = /lakestream\.source\.partition=(\d+)/.exec(headers)?.[1];
      const o = /lakestream\.source\.offset=(\d+)/.exec(headers)?.[1];
      lineage.add(`${p}@${o}`);
    }
    expect(lineage.size).toBe(good.length);
    expect(new Set(lines.map((l) => JSON.parse(l.split("\t")[2] ?? "{}").event_id))).toEqual(
      new Set(good.map((r) => JSON.parse(new TextDecoder().decode(r.value)).event_id)),
    );
  });

  it("a write-back that cannot be delivered fails the batch: retried, never committed, never silently lost", async () => {
    const source = await freshTopic("wb-down", 1);
    await produce(source, [{ key: "k", value: Buffer.from(sampleRecord(0).value) }]);
    const pipeline: Pipeline = {
      ...clickstream,
      source: { ...clickstream.source, topics: [source] },
      writeBack: { topic: "wb-nowhere" },
    };
    const store = new FsObjectStore(await tempDir("wb-down"), { durable: false });
    // Nothing listens on port 1: every send fails (after its timeout), like a broker that is down.
    const writeBack = new KafkaWriteBack({
      connection: { brokers: ["127.0.0.1:1"] },
      topic: "wb-nowhere",
      sendTimeoutMs: 500,
    });
    const ingest = createIngestHandler({ pipeline, store, writeBack });
    const esm = eventSource(source, (e, c) => ingest(e, c), { reportBatchItemFailures: true });
    await esm.start();
    await waitFor(
      "two failed attempts",
      () => esm.stats().failedInvocations >= 2 || esm.stats().retries >= 2,
    );
    await esm.stop();
    expect(esm.stats().recordsDone).toBe(0);
    expect([...(await esm.lag()).values()]).toEqual([1]);
  });
});
