import type { RawRecord } from "./kafka-decode.ts";
import type { KafkaEvent, KafkaEventRecord } from "./kafka-event.ts";

/**
 * Builds a Lambda-shaped Kafka event from raw records: the inverse of `decodeKafkaEvent`.
 * The local event source, the sample event writer and the tests all use it, so every
 * event lakestream makes has exactly the shape Lambda sends.
 */
export function encodeKafkaEvent(
  records: readonly RawRecord[],
  source: { eventSource: KafkaEvent["eventSource"]; eventSourceArn?: string; bootstrapServers?: string },
): KafkaEvent {
  const grouped: Record<string, KafkaEventRecord[]> = {};
  for (const r of records) {
    const tp = `${r.topic}-${r.partition}`;
    let list = grouped[tp];
    if (!list) {
      list = [];
      grouped[tp] = list;
    }
    list.push(encodeRecord(r));
  }
  return source.eventSource === "aws:kafka"
    ? { eventSource: "aws:kafka", eventSourceArn: source.eventSourceArn ?? "", records: grouped }
    : { eventSource: "SelfManagedKafka", bootstrapServers: source.bootstrapServers ?? "", records: grouped };
}

function encodeRecord(r: RawRecord): KafkaEventRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    ...(r.key === null ? {} : { key: Buffer.from(r.key).toString("base64") }),
    value: r.value === null ? null : Buffer.from(r.value).toString("base64"),
    headers: r.headers.map((h) => ({ [h.key]: Array.from(h.value) })),
  };
}
