import { describe, expect, it } from "vitest";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";
import { PartitionBuffers } from "../../shared/local/event-source/batcher.ts";
import { type EventSourceOptions, resolveEventSourceConfig } from "../../shared/local/event-source/config.ts";
import type { FailureInfo, OnFailureDestination } from "../../shared/local/event-source/destination.ts";
import { type KafkaHandler, runBatch } from "../../shared/local/event-source/invoke.ts";

const rec = (partition: number, offset: number, value = `v${offset}`): RawRecord => ({
  topic: "t",
  partition,
  offset,
  timestamp: Date.now(),
  timestampType: "CREATE_TIME",
  key: null,
  value: new TextEncoder().encode(value),
  headers: [],
});

function harness(options: Partial<EventSourceOptions>, handler: KafkaHandler) {
  const config = resolveEventSourceConfig({
    connection: { brokers: ["127.0.0.1:9092"] },
    topics: ["t"],
    groupId: "g",
    ...options,
  });
  const sent: { records: readonly RawRecord[]; failure: FailureInfo }[] = [];
  const destination: OnFailureDestination = {
    send: async (records, failure) => void sent.push({ records, failure }),
    close: async () => {},
  };
  const calls: number[][] = [];
  const wrapped: KafkaHandler = async (event, context) => {
    calls.push(decodeKafkaEvent(event).flatMap((b) => b.records.map((r) => r.partition * 100 + r.offset)));
    return handler(event, context);
  };
  const run = (batch: RawRecord[], stopping = () => false) =>
    runBatch(batch, { config, handler: wrapped, destination, sleep: async () => {}, stopping });
  return { run, sent, calls };
}

const offsets = (event: Parameters<KafkaHandler>[0]) =>
  decodeKafkaEvent(event).flatMap((b) => b.records.map((r) => r.offset));

describe("runBatch: Lambda's error handling for Kafka mappings (pure, fake handler)", () => {
  it("partial response: other partitions and earlier records are done, retry starts at the lowest failed offset", async () => {
    let first = true;
    const h = harness({ reportBatchItemFailures: true }, async () => {
      if (!first) return undefined;
      first = false;
      return {
        batchItemFailures: [
          { itemIdentifier: { partition: "t-0", offset: 3 } },
          { itemIdentifier: { partition: "t-0", offset: 2 } },
        ],
      };
    });
    const batch = [rec(0, 0), rec(0, 1), rec(0, 2), rec(0, 3), rec(1, 0)];
    const out = await h.run(batch);
    expect(h.calls).toEqual([
      [0, 1, 2, 3, 100],
      [2, 3],
    ]);
    expect(out.done.size).toBe(5);
  });

  it("without ReportBatchItemFailures the response is ignored", async () => {
    const h = harness({}, async () => ({
      batchItemFailures: [{ itemIdentifier: { partition: "t-0", offset: 0 } }],
    }));
    const out = await h.run([rec(0, 0)]);
    expect(h.calls).toHaveLength(1);
    expect(out.done.size).toBe(1);
  });

  it("bisect narrows a function error down to the poison record; only it exhausts its retries", async () => {
    const h = harness(
      {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
        onFailure: { type: "kafka", topic: "dead" },
      },
      async (event) => {
        if (offsets(event).includes(5)) throw new Error("poison");
      },
    );
    const batch = Array.from({ length: 8 }, (_, i) => rec(0, i));
    const out = await h.run(batch);
    expect(h.sent.map((s) => s.records.map((r) => r.offset))).toEqual([[5]]);
    expect(h.sent[0]?.failure).toMatchObject({
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
      error: { message: "poison" },
    });
    expect(out.done.size).toBe(8);
    // In order: every record of the partition was attempted before any later one succeeded.
    const successes = h.calls.filter((c) => !c.includes(5)).flat();
    expect(successes).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });

  it("without bisect the whole batch is retried, then goes to the destination", async () => {
    const h = harness({ maximumRetryAttempts: 1, onFailure: { type: "kafka", topic: "dead" } }, async () => {
      throw new Error("down");
    });
    await h.run([rec(0, 0), rec(0, 1)]);
    expect(h.calls).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(h.sent[0]?.records).toHaveLength(2);
  });

  it("a stop cuts retries short: nothing past the failure counts as done", async () => {
    let stop = false;
    const h = harness({}, async () => {
      stop = true;
      throw new Error("down");
    });
    const out = await h.run([rec(0, 0)], () => stop);
    expect(out).toMatchObject({ aborted: true });
    expect(out.done.size).toBe(0);
  });

  it("a function that outlives its timeout is a function error", async () => {
    const h = harness(
      { functionTimeoutSeconds: 1, maximumRetryAttempts: 0, onFailure: { type: "kafka", topic: "dead" } },
      () => new Promise(() => {}),
    );
    await h.run([rec(0, 0)]);
    expect(h.sent[0]?.failure.error?.name).toBe("Sandbox.Timedout");
  });
});

describe("PartitionBuffers: Lambda's batch limits", () => {
  it("never exceeds the batch size or the payload cap, measured on the real event JSON", () => {
    const b = new PartitionBuffers();
    const big = "x".repeat(3_000);
    for (let p = 0; p < 3; p++)
      b.append(
        `t-${p}`,
        Array.from({ length: 50 }, (_, i) => rec(p, i, big)),
        0,
      );
    const cap = 40_000;
    let total = 0;
    while (b.count() > 0) {
      const batch = b.take(20, cap).map((x) => x.record);
      const json = JSON.stringify(
        encodeKafkaEvent(batch, { eventSource: "SelfManagedKafka", bootstrapServers: "127.0.0.1:9092" }),
      );
      expect(batch.length).toBeLessThanOrEqual(20);
      expect(json.length).toBeLessThanOrEqual(cap);
      total += batch.length;
    }
    expect(total).toBe(150);
  });

  it("skips records fetched again after a rejoin and keeps offset order", () => {
    const b = new PartitionBuffers();
    b.append("t-0", [rec(0, 0), rec(0, 1)], 0);
    expect(b.append("t-0", [rec(0, 0), rec(0, 1), rec(0, 2)], 0)).toBe(1);
    expect(b.take(10, 1_000_000).map((x) => x.record.offset)).toEqual([0, 1, 2]);
  });

  it("leaves partitions with an invocation in flight out of the window, the size check and the batch", () => {
    const b = new PartitionBuffers();
    b.append("t-0", [rec(0, 0), rec(0, 1)], 100);
    b.append("t-1", [rec(1, 0)], 200);
    const busy = new Set(["t-0"]);
    expect(b.oldestArrival()).toBe(100);
    expect(b.oldestArrival(busy)).toBe(200);
    expect(b.isFull(2, 1_000_000)).toBe(true);
    expect(b.isFull(2, 1_000_000, busy)).toBe(false);
    expect(b.take(10, 1_000_000, busy).map((x) => [x.record.partition, x.record.offset])).toEqual([[1, 0]]);
    expect(b.take(10, 1_000_000, new Set(["t-0", "t-1"]))).toEqual([]);
    expect(b.oldestArrival(busy)).toBeUndefined();
    expect(b.take(10, 1_000_000).map((x) => x.record.offset)).toEqual([0, 1]);
  });
});
