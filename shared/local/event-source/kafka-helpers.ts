import type { Admin, KafkaMessage } from "kafkajs";
import type { RawRecord } from "../../core/kafka-decode.ts";
import type { ResolvedEventSourceConfig } from "./config.ts";

const TIMESTAMP_TYPES = ["CREATE_TIME", "LOG_APPEND_TIME"] as const;

const bytes = (b: Buffer | string): Uint8Array =>
  typeof b === "string" ? new TextEncoder().encode(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * A kafkajs message as the raw record Lambda would send: key, value and every header (repeated
 * keys kept, in order) as bytes, and the timestamp type from the record batch (Lambda reports
 * CREATE_TIME or LOG_APPEND_TIME, whatever the topic's message.timestamp.type says).
 */
export function toRawRecord(topic: string, partition: number, m: KafkaMessage): RawRecord {
  const headers: { key: string; value: Uint8Array }[] = [];
  for (const [key, v] of Object.entries(m.headers ?? {})) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.push({ key, value: bytes(one) });
  }
  const context = (m as KafkaMessage & { batchContext?: { timestampType?: number } }).batchContext;
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    timestampType: TIMESTAMP_TYPES[context?.timestampType ?? 0] ?? "CREATE_TIME",
    key: m.key ? bytes(m.key) : null,
    value: m.value ? bytes(m.value) : null,
    headers,
  };
}

/**
 * AT_TIMESTAMP for partitions the group has never committed: Lambda starts "from the first
 * record at or after the timestamp". kafkajs has no such start option, so before the consumer
 * joins we commit, for each such partition, the offset the broker returns for the timestamp
 * (ListOffsets), or the end of the log when no record is that new. Partitions with a committed
 * offset keep it: a starting position only applies to a group's first read, as in Lambda.
 */
export async function applyStartingTimestamp(admin: Admin, config: ResolvedEventSourceConfig): Promise<void> {
  const ts = config.startingPositionTimestamp;
  if (config.startingPosition !== "AT_TIMESTAMP" || !ts) return;
  const committed = await admin.fetchOffsets({ groupId: config.groupId, topics: [...config.topics] });
  for (const { topic, partitions } of committed) {
    const fresh = partitions.filter((p) => p.offset === "-1").map((p) => p.partition);
    if (fresh.length === 0) continue;
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, ts.getTime());
    const ends = await admin.fetchTopicOffsets(topic);
    const offsets = fresh.map((partition) => {
      const at = byTime.find((o) => o.partition === partition)?.offset;
      const end = ends.find((o) => o.partition === partition)?.high ?? "0";
      return { partition, offset: at === undefined || at === "-1" ? end : at };
    });
    await admin.setOffsets({ groupId: config.groupId, topic, partitions: offsets });
  }
}

/** Consumer-group lag per "<topic>-<partition>": end of log minus the committed offset (or the log start when none). */
export async function groupLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const lag = new Map<string, number>();
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const p of partitions) {
      const end = ends.find((e) => e.partition === p.partition);
      if (!end) continue;
      const from = p.offset === "-1" ? Number(end.low) : Number(p.offset);
      lag.set(`${topic}-${p.partition}`, Math.max(0, Number(end.high) - from));
    }
  }
  return lag;
}
