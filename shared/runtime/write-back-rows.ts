import type { ProcessedRow } from "../core/batch.ts";
import { rowToJson } from "../core/encode/jsonl-gzip.ts";
import type { Pipeline } from "../core/pipeline/types.ts";

/** One message for the write-back topic. */
export interface WriteBackMessage {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where transformed rows go besides the lake (a Kafka topic); a rejection is a transient batch failure. */
export interface WriteBackSink {
  send(messages: readonly WriteBackMessage[]): Promise<void>;
}

const encoder = new TextEncoder();

/**
 * Turns rows into write-back messages: the same JSON as the JSON Lines sink (any consumer
 * reads it, no digit of a decimal or int64 is lost), the configured key, and
 * lineage headers so a consumer can trace each message to its source record.
 */
export function writeBackMessages(pipeline: Pipeline, rows: readonly ProcessedRow[]): WriteBackMessage[] {
  const keyColumn = pipeline.writeBack?.key;
  return rows.map(({ values, record }) => {
    const json = JSON.stringify(rowToJson(pipeline.schema, values));
    const key = keyColumn === undefined ? record.key : encoder.encode(String(values[keyColumn] ?? ""));
    return {
      key,
      value: encoder.encode(json),
      headers: {
        "lakestream.source.topic": record.topic,
        "lakestream.source.partition": String(record.partition),
        "lakestream.source.offset": String(record.offset),
      },
    };
  });
}
