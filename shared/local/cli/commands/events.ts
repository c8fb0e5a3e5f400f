import { writeFile } from "node:fs/promises";
import type { RawRecord } from "../../../core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../../core/kafka-encode.ts";
import { sampleKafkaRecord, sampleRecord } from "../../sample-records.ts";
import { UsageError } from "../errors.ts";
import { intOption, type OptionSpecs, parseOptions } from "../options.ts";

export const summary = "write a sample Lambda Kafka event file (no Kafka needed)";

export const usage = "usage: lakestream events [options]";

export const options = {
  count: { type: "string", value: "N", help: "records in the event", fallback: "100" },
  bad: { type: "string", value: "K", help: "how many of them are broken, spread evenly", fallback: "0" },
  partitions: {
    type: "string",
    value: "P",
    help: "Kafka partitions the records are spread over",
    fallback: "1",
  },
  topic: { type: "string", value: "T", help: "topic of the records", fallback: "clickstream" },
  source: { type: "string", value: "KIND", help: "event shape: msk or self-managed", fallback: "msk" },
  out: { type: "string", value: "FILE", help: "where the event is written", fallback: "sample-event.json" },
} as const satisfies OptionSpecs;

/** Lambda's limit on an invocation payload for Kafka event sources. */
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * `lakestream events --count N [--bad K] [--partitions P] [--topic T] [--source msk|self-managed]
 * [--out FILE]`: a Lambda-shaped event of sample clickstream records, K of them broken, so a
 * user can try `lakestream invoke` before any Kafka exists.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  const count = intOption("count", values.count, 100);
  const bad = intOption("bad", values.bad, 0, 0);
  const partitions = intOption("partitions", values.partitions, 1);
  if (bad > count) throw new UsageError(`--bad (${bad}) cannot exceed --count (${count})`);
  const source = values.source ?? "msk";
  if (source !== "msk" && source !== "self-managed")
    throw new UsageError('--source must be "msk" or "self-managed"');
  const topic = values.topic ?? "clickstream";
  const out = values.out ?? "sample-event.json";

  // Bad records are spread evenly, so every partition and hour gets some.
  const badEvery = bad > 0 ? count / bad : Number.POSITIVE_INFINITY;
  const headers = [{ key: "producer", value: new TextEncoder().encode("lakestream-events") }];
  const records: RawRecord[] = [];
  for (let i = 0; i < count; i++) {
    const s = sampleRecord(i, bad > 0 && Math.floor((i + 1) / badEvery) > Math.floor(i / badEvery));
    const partition = i % partitions;
    records.push(sampleKafkaRecord(s, { topic, partition, offset: Math.floor(i / partitions), headers }));
  }
  const event = encodeKafkaEvent(
    records,
    source === "msk"
      ? {
          eventSource: "aws:kafka",
          eventSourceArn: "arn:aws:kafka:us-east-1:123456789012:cluster/local/sample",
        }
      : { eventSource: "SelfManagedKafka", bootstrapServers: "127.0.0.1:9092" },
  );
  const text = JSON.stringify(event, null, 1);
  await writeFile(out, text);
  process.stderr.write(`wrote ${count} records (${bad} bad) in ${partitions} partition(s) to ${out}\n`);
  if (Buffer.byteLength(text) > LAMBDA_PAYLOAD_BYTES) {
    process.stderr.write(
      "note: this event is larger than Lambda's 6 MB payload limit; Lambda would split it\n",
    );
  }
  return 0;
}
