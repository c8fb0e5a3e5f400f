import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { assertKafkaReady } from "../helpers/services.ts";
import {
  eventSource,
  freshTopic,
  kafka,
  numbered,
  produce,
  recordingHandler,
  text,
  waitFor,
} from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

const tempStore = async () =>
  new FsObjectStore(await mkdtemp(join(tmpdir(), "esm-dlq-")), { durable: false });

/** The records a destination object in the lake holds, decoded back to bytes. */
async function destinationRecords(store: FsObjectStore, prefix: string) {
  const objects = await store.list(`${prefix}/`);
  const out = [];
  for (const o of objects) {
    const body = JSON.parse(new TextDecoder().decode(await store.get(o.key)));
    for (const b of decodeKafkaEvent(body.payload)) for (const r of b.records) out.push({ r, body });
  }
  return out;
}

describe("event source error handling (real broker, test handlers)", () => {
  it("a poison record does not block its partition: bisect isolates it and exhausted retries put it in the lake", async () => {
    const topic = await freshTopic("esm-poison", 1);
    await produce(topic, numbered(30, 1));
    const poison = 17;
    const rec = recordingHandler((records) => {
      if (records.some((r) => r.offset === poison)) throw new TypeError("cannot process record 17");
    });
    const store = await tempStore();
    const esm = eventSource(topic, rec.handler, {
      batchSize: 30,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      onFailure: { type: "store", store, prefix: "_failed" },
    });
    await esm.start();
    await waitFor(
      "29 good records and the poison at the destination",
      async () => rec.seen.length >= 29 && (await store.list("_failed/")).length > 0,
    );
    await esm.stop();
    expect(rec.seen.map((r) => r.offset).sort((a, b) => a - b)).toEqual(
      [...Array(30).keys()].filter((o) => o !== poison),
    );
    const failed = await destinationRecords(store, "_failed");
    expect(failed.map(({ r }) => r.offset)).toEqual([poison]);
    expect(text(failed[0]!.r.value)).toBe("v17");
    expect(text(failed[0]!.r.key)).toBe("k17");
    expect(failed[0]!.body.requestContext.condition).toBe("RetryAttemptsExhausted");
    expect(failed[0]!.body.requestContext.approximateInvokeCount).toBe(3);
    expect(failed[0]!.body.errorMessage).toBe("cannot process record 17");
    expect(failed[0]!.body.KafkaBatchInfo).toMatchObject({
      topic,
      partition: 0,
      firstOffset: 17,
      lastOffset: 17,
    });
    expect(esm.stats().bisections).toBeGreaterThan(0);
    expect([...(await esm.lag()).values()]).toEqual([0]);
  });

  it("a record that fails transiently is retried and lands; nothing goes to the destination", async () => {
    const topic = await freshTopic("esm-transient", 2);
    await produce(topic, numbered(10, 2));
    let failuresLeft = 3;
    const rec = recordingHandler((records) => {
      if (records.some((r) => r.partition === 1 && r.offset === 2) && failuresLeft-- > 0)
        throw new Error("throttled");
    });
    const store = await tempStore();
    const esm = eventSource(topic, rec.handler, {
      maximumRetryAttempts: 5,
      onFailure: { type: "store", store, prefix: "_failed" },
    });
    await esm.start();
    await waitFor("10 records", () => rec.seen.length >= 10);
    await esm.stop();
    expect(rec.seen.some((r) => r.partition === 1 && r.offset === 2)).toBe(true);
    expect(esm.stats().retries).toBe(3);
    expect(await store.list("_failed/")).toEqual([]);
    expect([...(await esm.lag()).values()]).toEqual([0, 0]);
  });

  it("partial batch response: retries from the first failed offset of that partition only", async () => {
    const topic = await freshTopic("esm-partial", 2);
    await produce(topic, numbered(20, 2));
    const deliveries = new Map<string, number>();
    let reported = false;
    const rec = recordingHandler((records) => {
      for (const r of records)
        deliveries.set(`${r.partition}@${r.offset}`, (deliveries.get(`${r.partition}@${r.offset}`) ?? 0) + 1);
      const target = records.find((r) => r.partition === 0 && r.offset === 4);
      if (target && !reported) {
        reported = true;
        return { batchItemFailures: [{ itemIdentifier: { partition: `${topic}-0`, offset: 4 } }] };
      }
      return { batchItemFailures: [] };
    });
    const esm = eventSource(topic, rec.handler, {
      batchSize: 100,
      maximumBatchingWindowInSeconds: 1,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor(
      "the retry after the partial failure",
      () => rec.calls() >= 2 && esm.stats().recordsDone >= 20,
    );
    await esm.stop();
    // Partition 0 offsets 4..9 came twice, 0..3 once; partition 1 was not retried.
    for (let o = 0; o < 10; o++) {
      expect(deliveries.get(`0@${o}`)).toBe(o >= 4 ? 2 : 1);
      expect(deliveries.get(`1@${o}`)).toBe(1);
    }
    expect([...(await esm.lag()).values()]).toEqual([0, 0]);
  });

  it("a malformed partial response fails the whole batch, as Lambda treats a bad itemIdentifier", async () => {
    const topic = await freshTopic("esm-badresp", 1);
    await produce(topic, numbered(3, 1));
    const rec = recordingHandler((_records, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: { "topic-partition": `${topic}-0`, offset: 1 } }] }
        : undefined,
    );
    const esm = eventSource(topic, rec.handler, {
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0.5,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor("retried batch", () => rec.calls() >= 2 && esm.stats().recordsDone >= 3);
    await esm.stop();
    const offsets = rec.events.map((e) => decodeKafkaEvent(e).flatMap((b) => b.records.map((r) => r.offset)));
    expect(offsets[0]).toEqual([0, 1, 2]);
    expect(offsets[1]).toEqual([0, 1, 2]);
  });

  it("exhausted records go to a Kafka dead-letter topic with their original bytes and failure headers", async () => {
    const topic = await freshTopic("esm-dlt", 1);
    const dlt = await freshTopic("esm-dlt-dead", 1);
    await produce(topic, [
      { key: "bad-key", value: Buffer.from([0xff, 0x00, 0x7b]), headers: { trace: "t-1" } },
      ...numbered(2, 1, 1),
    ]);
    const rec = recordingHandler((records) => {
      if (records.some((r) => r.offset === 0)) throw new SyntaxError("unparseable");
    });
    const esm = eventSource(topic, rec.handler, {
      batchSize: 1,
      maximumRetryAttempts: 1,
      onFailure: { type: "kafka", topic: dlt },
    });
    await esm.start();
    await waitFor("2 good records", () => rec.seen.length >= 2);
    await esm.stop();
    const consumer = kafka.consumer({ groupId: `read-${dlt}` });
    const got: { key: string | null; value: number[]; headers: Record<string, string> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: dlt, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        got.push({ key: message.key?.toString() ?? null, value: [...(message.value ?? [])], headers });
      },
    });
    await waitFor("dead letter", () => got.length >= 1, 30_000);
    await consumer.disconnect();
    expect(got).toHaveLength(1);
    expect(got[0]!.key).toBe("bad-key");
    expect(got[0]!.value).toEqual([0xff, 0x00, 0x7b]);
    expect(got[0]!.headers).toMatchObject({
      trace: "t-1",
      "lakestream.failure.condition": "RetryAttemptsExhausted",
      "lakestream.source.topic": topic,
      "lakestream.source.offset": "0",
    });
  });

  it("records older than maximumRecordAgeInSeconds are not invoked but kept at the destination", async () => {
    const topic = await freshTopic("esm-age", 1);
    const old = Date.now() - 3_600_000;
    await produce(topic, [
      { key: "old", value: "o", timestamp: String(old) },
      { key: "new", value: "n", timestamp: String(Date.now()) },
    ]);
    const rec = recordingHandler();
    const store = await tempStore();
    const esm = eventSource(topic, rec.handler, {
      maximumRecordAgeInSeconds: 60,
      onFailure: { type: "store", store, prefix: "_aged" },
    });
    await esm.start();
    await waitFor("new record", () => rec.seen.length >= 1);
    await esm.stop();
    expect(rec.seen.map((r) => text(r.key))).toEqual(["new"]);
    const aged = await destinationRecords(store, "_aged");
    expect(aged.map(({ r }) => text(r.key))).toEqual(["old"]);
    expect(aged[0]!.body.requestContext.condition).toBe("RecordAgeExceeded");
  });

  it("a record larger than the payload cap goes to the destination; without one the source stops and commits nothing past it", async () => {
    const topic = await freshTopic("esm-huge", 1);
    await produce(topic, [
      { key: "small", value: "s" },
      { key: "huge", value: "h".repeat(40_000) },
      { key: "after", value: "a" },
    ]);
    const store = await tempStore();
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, {
      maxPayloadBytes: 32 * 1024,
      onFailure: { type: "store", store, prefix: "_big" },
    });
    await esm.start();
    await waitFor("2 small records", () => rec.seen.length >= 2);
    await esm.stop();
    expect(rec.seen.map((r) => text(r.key))).toEqual(["small", "after"]);
    const big = await destinationRecords(store, "_big");
    expect(big.map(({ r }) => r.value?.length)).toEqual([40_000]);
    expect(big[0]!.body.requestContext.condition).toBe("PayloadTooLarge");

    const topic2 = await freshTopic("esm-huge-nodest", 1);
    await produce(topic2, [
      { key: "small", value: "s" },
      { key: "huge", value: "h".repeat(40_000) },
      { key: "after", value: "a" },
    ]);
    const rec2 = recordingHandler();
    const esm2 = eventSource(topic2, rec2.handler, { maxPayloadBytes: 32 * 1024, batchSize: 1 });
    await esm2.start();
    await waitFor("the source to give up", () => esm2.failure() !== undefined);
    await esm2.stop();
    expect(esm2.failure()?.name).toBe("RecordTooLargeError");
    expect(rec2.seen.map((r) => text(r.key))).toEqual(["small"]);
    expect([...(await esm2.lag()).values()]).toEqual([2]);
  });
});
