import type { ProcessedRow } from "../core/batch.ts";
import { compileAvroRowEncoder } from "../core/encode/avro-row.ts";
import { rowToJson } from "../core/encode/jsonl-gzip.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import { avroSchema } from "../core/schema-export/avro-schema.ts";
import { tableShape } from "../core/schema-export/table-shape.ts";

/** One message for the write-back topic. */
export interface WriteBackMessage {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The Kafka timestamp (epoch millis): the row's event time, so consumers' event-time windows
   * hold it. Lakestream's own messages always set it; absent, the producer's clock is used.
   */
  readonly timestamp?: number;
  /**
   * The source record's partition: a message without a key goes to this partition modulo the
   * topic's count, so it keeps the source partition's order (a keyed one goes where its key hashes).
   */
  readonly sourcePartition?: number;
}

/** Where transformed rows go besides the lake (a Kafka topic); a rejection is a transient batch failure. */
export interface WriteBackSink {
  send(messages: readonly WriteBackMessage[]): Promise<void>;
}

/**
 * The lineage headers of every row written back, named in docs/write-back.md and stable across
 * versions: a consumer (Flink, Storm) copies them onto what it writes, so a record can be traced
 * back to the source record it came from through any number of hops.
 */
export const LINEAGE_HEADERS = {
  topic: "lakestream.source.topic",
  partition: "lakestream.source.partition",
  offset: "lakestream.source.offset",
} as const;

const encoder = new TextEncoder();
type ValueEncoder = (values: Readonly<Record<string, unknown>>) => Uint8Array;
const avroEncoders = new WeakMap<Pipeline, ValueEncoder>();

/**
 * Turns rows into write-back messages: the value as the JSON Lines sink writes a row (any
 * consumer reads it, no digit of a decimal or int64 is lost) or as an Avro binary datum; the
 * configured key; the row's event time as the Kafka timestamp; the lineage headers.
 */
export function writeBackMessages(pipeline: Pipeline, rows: readonly ProcessedRow[]): WriteBackMessage[] {
  const keyColumn = pipeline.writeBack?.key;
  const { eventTime } = pipeline.partitioning;
  const encodeValue = valueEncoder(pipeline);
  return rows.map(({ values, record }) => {
    const key = keyColumn === undefined ? record.key : encoder.encode(String(values[keyColumn] ?? ""));
    return {
      key,
      value: encodeValue(values),
      timestamp: eventTime === "kafka-timestamp" ? record.timestamp : (values[eventTime.field] as number),
      sourcePartition: record.partition,
      headers: {
        [LINEAGE_HEADERS.topic]: record.topic,
        [LINEAGE_HEADERS.partition]: String(record.partition),
        [LINEAGE_HEADERS.offset]: String(record.offset),
      },
    };
  });
}

function valueEncoder(pipeline: Pipeline): ValueEncoder {
  if (pipeline.writeBack?.format !== "avro") {
    return (values) => encoder.encode(JSON.stringify(rowToJson(pipeline.schema, values)));
  }
  let encode = avroEncoders.get(pipeline);
  if (!encode) {
    const shape = tableShape(pipeline, { writeBack: true });
    encode = compileAvroRowEncoder(shape.columns, avroSchema(shape));
    avroEncoders.set(pipeline, encode);
  }
  return encode;
}
