import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Message } from "kafkajs";
import { decodeKafkaEvent, type RawRecord } from "../../shared/core/kafka-decode.ts";
import type { KafkaEvent } from "../../shared/core/kafka-event.ts";
import type { EventSourceOptions } from "../../shared/local/event-source/config.ts";
import { KafkaEventSource } from "../../shared/local/event-source/event-source.ts";
import type { KafkaHandler } from "../../shared/local/event-source/invoke.ts";
import { kafkaBrokers } from "../helpers/services.ts";

/** Shared pieces of the Kafka integration tests: a client, fresh topics, producing, polling. */
export const kafka = new Kafka({
  clientId: "lakestream-test",
  brokers: kafkaBrokers(),
  logLevel: logLevel.NOTHING,
});

/** A topic nobody else uses, created with `partitions` partitions and leaders elected. */
export async function freshTopic(prefix: string, partitions = 3, client: Kafka = kafka): Promise<string> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Produces messages with acks=all; `partition` pins them when given. */
export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** `n` keyed messages spread over `partitions` partitions, value "v<i>", one header. */
export function numbered(n: number, partitions: number, from = 0): Message[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { partition: i % partitions, key: `k${i}`, value: `v${i}`, headers: { seq: String(i) } };
  });
}

/** Polls `check` until it returns true or the deadline passes (readiness check, not a sleep). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A handler that records every event it gets, and lets a test decide per invocation what to do. */
export function recordingHandler(
  behaviour?: (records: RawRecord[], call: number) => unknown | Promise<unknown>,
) {
  const events: KafkaEvent[] = [];
  const seen: RawRecord[] = [];
  let calls = 0;
  const handler: KafkaHandler = async (event) => {
    events.push(event);
    const records = decodeKafkaEvent(event).flatMap((b) => b.records);
    calls++;
    const result = behaviour ? await behaviour(records, calls) : undefined;
    seen.push(...records);
    return result;
  };
  return { handler, events, seen, calls: () => calls };
}

/** An event source with small, fast settings for tests; override what the test is about. */
export function eventSource(
  topic: string,
  handler: KafkaHandler,
  options: Partial<EventSourceOptions> = {},
): KafkaEventSource {
  return new KafkaEventSource(
    {
      connection: { brokers: kafkaBrokers() },
      topics: [topic],
      groupId: `g-${topic}`,
      maximumBatchingWindowInSeconds: 0.05,
      retryBackoffMs: { initial: 10, max: 100 },
      ...options,
    },
    handler,
  );
}

export const text = (b: Uint8Array | null): string | null =>
  b === null ? null : new TextDecoder().decode(b);

/** Offsets seen per partition, in the order the handler saw them. */
export function offsetsByPartition(records: readonly RawRecord[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const r of records) {
    const list = m.get(r.partition) ?? [];
    list.push(r.offset);
    m.set(r.partition, list);
  }
  return m;
}
