import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers } from "./services.ts";

/** One message as a consumer sees it: coordinates, Kafka timestamp, key, value and headers. */
export interface TopicMessage {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads a topic from the beginning up to its current end (the high watermarks when called), so
 * a test sees exactly what was written, without guessing a count or sleeping.
 */
export async function readTopic(topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  const kafka = new Kafka({
    clientId: "lakestream-test-reader",
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)] as const),
  );
  await admin.disconnect();
  const total = [...ends.values()].reduce((n, e) => n + e, 0);
  const out: TopicMessage[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length} of ${total} messages of ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (Number(message.offset) >= (ends.get(partition) ?? 0)) return;
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            out.push({
              partition,
              offset: Number(message.offset),
              timestamp: Number(message.timestamp),
              key: message.key,
              value: message.value ?? Buffer.alloc(0),
              headers,
            });
            if (out.length >= total) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** The partition count of a topic. */
export async function partitionCount(topic: string): Promise<number> {
  const kafka = new Kafka({
    clientId: "lakestream-test-reader",
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.length;
  } finally {
    await admin.disconnect();
  }
}
