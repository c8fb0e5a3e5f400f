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
    ...(r.key === null ? {} : { key: base64(r.key) }),
    value: r.value === null ? null : base64(r.value),
    headers: r.headers.map((h) => ({ [h.key]: Array.from(h.value) })),
  };
}

/** Base64 of the bytes in place: `Buffer.from(view)` would copy them first. */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
