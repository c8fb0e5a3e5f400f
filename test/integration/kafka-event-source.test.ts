import { beforeAll, describe, expect, it } from "vitest";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import {
  eventSource,
  freshTopic,
  kafka,
  numbered,
  offsetsByPartition,
  produce,
  recordingHandler,
  text,
  waitFor,
} from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

describe("local Kafka event source (real broker)", () => {
  it("delivers self-managed Kafka events of Lambda's shape, each partition in offset order, then lag is 0", async () => {
    const topic = await freshTopic("esm-shape");
    await produce(topic, [
      ...numbered(60, 3),
      { partition: 1, key: null, value: null, headers: { a: "1", b: Buffer.from([0, 255]) } },
    ]);
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, { batchSize: 7 });
    await esm.start();
    await waitFor("61 records", () => rec.seen.length >= 61);
    await esm.stop();

    for (const event of rec.events) {
      expect(event.eventSource).toBe("SelfManagedKafka");
      expect(event.bootstrapServers).toBe(kafkaBrokers().join(","));
      expect(event.eventSourceArn).toBeUndefined();
      const count = Object.values(event.records).reduce((n, list) => n + list.length, 0);
      expect(count).toBeLessThanOrEqual(7);
      for (const [tp, list] of Object.entries(event.records)) {
        for (const r of list) expect(`${r.topic}-${r.partition}`).toBe(tp);
      }
    }
    expect(rec.seen).toHaveLength(61);
    for (const offsets of offsetsByPartition(rec.seen).values()) {
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);
    }
    const first = rec.seen.find((r) => text(r.value) === "v3");
    expect(text(first?.key ?? null)).toBe("k3");
    expect(first?.timestampType).toBe("CREATE_TIME");
    expect(first?.headers.map((h) => [h.key, text(h.value)])).toEqual([["seq", "3"]]);
    const tombstone = rec.seen.find((r) => r.value === null);
    expect(tombstone?.key).toBeNull();
    expect(tombstone?.headers.map((h) => [h.key, [...h.value]])).toEqual([
      ["a", [49]],
      ["b", [0, 255]],
    ]);
    // Lambda's wire encoding: base64 key/value, headers as arrays of byte values, absent key for null.
    const raw = rec.events.flatMap((e) => Object.values(e.records).flat());
    const rawTombstone = raw.find((r) => r.value === null);
    expect(rawTombstone && "key" in rawTombstone).toBe(false);
    expect(raw.find((r) => r.offset === first?.offset && r.partition === first.partition)?.value).toBe(
      Buffer.from("v3").toString("base64"),
    );
    expect([...(await esm.lag()).values()]).toEqual([0, 0, 0]);
  });

  it("sends aws:kafka events with an eventSourceArn when configured as MSK", async () => {
    const topic = await freshTopic("esm-msk", 1);
    await produce(topic, numbered(3, 1));
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, {
      eventSource: "aws:kafka",
      eventSourceArn: "arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc",
    });
    await esm.start();
    await waitFor("3 records", () => rec.seen.length >= 3);
    await esm.stop();
    expect(rec.events[0]?.eventSource).toBe("aws:kafka");
    expect(rec.events[0]?.eventSourceArn).toBe("arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc");
    expect(rec.events[0]?.bootstrapServers).toBeUndefined();
  });

  it("keeps every event under the payload cap", async () => {
    const topic = await freshTopic("esm-cap", 2);
    const big = "x".repeat(4_000);
    await produce(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `${i}:${big}` })),
    );
    const rec = recordingHandler();
    const cap = 32 * 1024;
    const esm = eventSource(topic, rec.handler, {
      batchSize: 10_000,
      maxPayloadBytes: cap,
      maximumBatchingWindowInSeconds: 1,
    });
    await esm.start();
    await waitFor("40 records", () => rec.seen.length >= 40);
    await esm.stop();
    for (const e of rec.events) expect(JSON.stringify(e).length).toBeLessThanOrEqual(cap);
    // 40 records of ~5.4 KB base64 cannot fit in fewer than 7 events of 32 KiB; the cap splits them.
    expect(rec.events.length).toBeGreaterThanOrEqual(7);
  });

  it("gathers records of several partitions into one event within the batching window", async () => {
    const topic = await freshTopic("esm-window", 3);
    await produce(topic, numbered(9, 3));
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, { batchSize: 100, maximumBatchingWindowInSeconds: 1 });
    await esm.start();
    await waitFor("9 records", () => rec.seen.length >= 9);
    await esm.stop();
    expect(rec.events).toHaveLength(1);
    expect(Object.keys(rec.events[0]?.records ?? {}).sort()).toEqual([
      `${topic}-0`,
      `${topic}-1`,
      `${topic}-2`,
    ]);
  });

  it("commits nothing while the handler fails and resumes from the committed offset on restart", async () => {
    const topic = await freshTopic("esm-commit", 2);
    await produce(topic, numbered(20, 2));
    const failing = recordingHandler(() => {
      throw new Error("downstream unavailable");
    });
    const esm1 = eventSource(topic, failing.handler);
    await esm1.start();
    await waitFor("a few failed invocations", () => failing.calls() >= 3);
    await esm1.stop();
    expect(failing.seen).toHaveLength(0);
    expect([...(await esm1.lag()).values()].reduce((a, b) => a + b, 0)).toBe(20);

    const ok = recordingHandler();
    const esm2 = eventSource(topic, ok.handler);
    await esm2.start();
    await waitFor("20 records", () => ok.seen.length >= 20);
    await esm2.stop();
    expect(ok.seen.map((r) => text(r.value)).sort()).toEqual(
      numbered(20, 2)
        .map((m) => String(m.value))
        .sort(),
    );
    expect([...(await esm2.lag()).values()]).toEqual([0, 0]);
  });

  it("events decode with the ingest's own decoder", async () => {
    const topic = await freshTopic("esm-decode", 1);
    await produce(topic, numbered(5, 1));
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler);
    await esm.start();
    await waitFor("5 records", () => rec.seen.length >= 5);
    await esm.stop();
    const batches = rec.events.flatMap((e) => decodeKafkaEvent(e));
    expect(batches.flatMap((b) => b.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4]);
  });

  it("LATEST skips what was in the topic before the group first started", async () => {
    const topic = await freshTopic("esm-latest", 1);
    await produce(topic, numbered(5, 1));
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, { startingPosition: "LATEST" });
    await esm.start();
    // Produce until the consumer, positioned at the end, sees a new record.
    let next = 5;
    await waitFor("a record produced after start", async () => {
      await produce(topic, numbered(1, 1, next++));
      return rec.seen.length > 0;
    });
    await esm.stop();
    expect(rec.seen.every((r) => r.offset >= 5)).toBe(true);
  });

  it("AT_TIMESTAMP starts at the first record at or after the timestamp", async () => {
    const topic = await freshTopic("esm-at", 1);
    const t0 = Date.now() - 60_000;
    await produce(topic, [
      { key: "a", value: "old", timestamp: String(t0) },
      { key: "b", value: "mid", timestamp: String(t0 + 20_000) },
      { key: "c", value: "new", timestamp: String(t0 + 40_000) },
    ]);
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler, {
      startingPosition: "AT_TIMESTAMP",
      startingPositionTimestamp: new Date(t0 + 10_000),
    });
    await esm.start();
    await waitFor("2 records", () => rec.seen.length >= 2);
    await esm.stop();
    expect(rec.seen.map((r) => text(r.value))).toEqual(["mid", "new"]);
  });

  it("reports LOG_APPEND_TIME for a topic whose broker stamps the time", async () => {
    const topic = `esm-logappend-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [{ name: "message.timestamp.type", value: "LogAppendTime" }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const before = Date.now();
    await produce(topic, [{ key: "k", value: "v", timestamp: "1000" }]);
    const rec = recordingHandler();
    const esm = eventSource(topic, rec.handler);
    await esm.start();
    await waitFor("1 record", () => rec.seen.length >= 1);
    await esm.stop();
    expect(rec.seen[0]?.timestampType).toBe("LOG_APPEND_TIME");
    expect(rec.seen[0]?.timestamp).toBeGreaterThanOrEqual(before - 1000);
  });
});
