import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";
import type { KafkaEvent } from "../../shared/core/kafka-event.ts";
import { type SampleOptions, sampleKafkaRecord, sampleRecord } from "../../shared/local/sample-records.ts";

const headers = [{ key: "source", value: new TextEncoder().encode("test") }];

/** Raw records for offsets [from, from + count) of one partition; every `badEvery`-th is broken. */
export function sampleRawRecords(
  from: number,
  count: number,
  options: SampleOptions & { badEvery?: number; topic?: string; partition?: number } = {},
): RawRecord[] {
  const out: RawRecord[] = [];
  for (let i = from; i < from + count; i++) {
    const bad = options.badEvery ? i % options.badEvery === options.badEvery - 1 : false;
    const s = sampleRecord(i, bad, options);
    const at = {
      topic: options.topic ?? "clickstream",
      partition: options.partition ?? 0,
      offset: i,
      headers,
    };
    out.push(sampleKafkaRecord(s, at));
  }
  return out;
}

/** A Lambda-shaped event as it arrives over the wire (JSON round trip included). */
export function sampleEvent(
  records: readonly RawRecord[],
  eventSource: KafkaEvent["eventSource"] = "aws:kafka",
): KafkaEvent {
  const event = encodeKafkaEvent(records, {
    eventSource,
    eventSourceArn: "arn:aws:kafka:us-east-1:123456789012:cluster/test/abc",
    bootstrapServers: "127.0.0.1:9092",
  });
  return JSON.parse(JSON.stringify(event));
}
