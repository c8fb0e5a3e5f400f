import { encodeKafkaEvent } from "../shared/core/kafka-encode.ts";
import type { KafkaEvent } from "../shared/core/kafka-event.ts";
import { sampleKafkaRecord, sampleRecord } from "../shared/local/sample-records.ts";

/**
 * `batches` Lambda-shaped events of `size` sample records each, `spacingMs` apart in event time
 * (fractions allowed: a million records fit one hour), as JSON text parsed back
 * (what the runtime hands a handler), plus the raw values as NDJSON for the reference engine.
 */
export function sampleBatches(
  batches: number,
  size: number,
  spacingMs = 1000,
): { events: KafkaEvent[]; ndjson: string[] } {
  const events: KafkaEvent[] = [];
  const ndjson: string[] = [];
  for (let b = 0; b < batches; b++) {
    const records = [];
    for (let i = 0; i < size; i++) {
      const n = b * size + i;
      const s = sampleRecord(n, n % 200 === 199, { spacingMs });
      if (!s.bad) ndjson.push(new TextDecoder().decode(s.value));
      records.push(
        sampleKafkaRecord(s, {
          topic: "clickstream",
          partition: b % 4,
          offset: n,
          timestamp: Math.floor(s.eventTime),
        }),
      );
    }
    events.push(JSON.parse(JSON.stringify(encodeKafkaEvent(records, { eventSource: "aws:kafka" }))));
  }
  return { events, ndjson };
}
