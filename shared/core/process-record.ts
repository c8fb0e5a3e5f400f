import { deserialize } from "./deserialize.ts";
import {
  DeserializeError,
  EventTimeError,
  KafkaTimestampError,
  PartitionValueError,
  type RecordCoordinates,
  type RecordError,
  SchemaViolationError,
  TransformError,
} from "./errors.ts";
import { SegmentTooLongError } from "./hive-path.ts";
import type { RawRecord } from "./kafka-decode.ts";
import { partitionPath } from "./partitioning.ts";
import type { Pipeline, SourceRecord } from "./pipeline/types.ts";
import { type Normalizer, structNormalizer, ValueError } from "./row-normalize.ts";

/** A transformed, validated row in storage form, with the partition path it belongs to. */
export interface OutputRow {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** What became of one record: rows, filtered by the transform, or an error for quarantine. */
export type RecordOutcome =
  | { readonly kind: "rows"; readonly rows: readonly OutputRow[] }
  | { readonly kind: "filtered" }
  | { readonly kind: "quarantined"; readonly error: RecordError };

/** How a source other than Kafka hands its records to the same per-record path. */
export interface RecordProcessorOptions {
  /**
   * Decodes a record's value in place of `source.valueFormat` (the file source: a line or row
   * is decoded by its file's format). A throw quarantines the record as a DeserializeError.
   */
  readonly decodeValue?: (record: RawRecord) => unknown;
}

/**
 * Compiles the per-record path of a pipeline: deserialize → transform → validate →
 * partition. Every failure becomes a typed `RecordError`; none escapes, so one bad record
 * can never fail its batch.
 */
export function compileRecordProcessor(
  pipeline: Pipeline,
  options: RecordProcessorOptions = {},
): (record: RawRecord) => RecordOutcome {
  const { decodeValue } = options;
  const normalize: Normalizer = structNormalizer(pipeline.schema);
  const { valueFormat, keyFormat } = pipeline.source;
  return (raw) => {
    const at: RecordCoordinates = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
    // The timestamp becomes the `_ts` column of every row: one Parquet cannot hold fails the batch.
    if (!isStorableMillis(raw.timestamp)) {
      return quarantined(
        new KafkaTimestampError(
          at,
          `Kafka timestamp ${raw.timestamp} is not a whole number of epoch milliseconds within ±${MAX_MILLIS} (what a Parquet timestamp holds)`,
        ),
      );
    }
    let key: unknown;
    let value: unknown;
    try {
      key = deserialize(raw.key, keyFormat, "key");
    } catch (cause) {
      return quarantined(
        new DeserializeError(at, "key", `cannot deserialize the key as ${keyFormat}: ${messageOf(cause)}`, {
          cause,
        }),
      );
    }
    try {
      value = decodeValue ? decodeValue(raw) : deserialize(raw.value, valueFormat, "value");
    } catch (cause) {
      return quarantined(
        new DeserializeError(
          at,
          "value",
          `${decodeValue ? "cannot decode the value" : `cannot deserialize the value as ${valueFormat}`}: ${messageOf(cause)}`,
          {
            cause,
          },
        ),
      );
    }
    const source: SourceRecord = {
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      timestamp: raw.timestamp,
      timestampType: raw.timestampType,
      key,
      value,
      headers: raw.headers,
    };
    let produced: unknown;
    try {
      produced = pipeline.transform(source);
    } catch (cause) {
      return quarantined(new TransformError(at, `transform threw: ${messageOf(cause)}`, { cause }));
    }
    if (produced === null || produced === undefined) return { kind: "filtered" };
    const list = Array.isArray(produced) ? produced : [produced];
    if (list.length === 0) return { kind: "filtered" };
    const rows: OutputRow[] = [];
    for (const candidate of list) {
      let values: Record<string, unknown>;
      try {
        values = normalize(candidate, "") as Record<string, unknown>;
      } catch (e) {
        if (e instanceof ValueError)
          return quarantined(new SchemaViolationError(at, e.field || "row", e.message));
        // A getter or proxy in the transform's output threw: the record's fault, not the batch's.
        return quarantined(
          new TransformError(at, `transform output cannot be read: ${messageOf(e)}`, { cause: e }),
        );
      }
      try {
        rows.push({ path: partitionPath(pipeline, values, raw.timestamp), values });
      } catch (cause) {
        if (cause instanceof SegmentTooLongError)
          return quarantined(new PartitionValueError(at, cause.column, cause.message));
        return quarantined(new EventTimeError(at, `cannot partition: ${messageOf(cause)}`, { cause }));
      }
    }
    return { kind: "rows", rows };
  };
}

/** Largest epoch millisecond count a Date holds; its microseconds still fit Parquet's int64. */
export const MAX_MILLIS = 8.64e15;

function isStorableMillis(ms: number): boolean {
  return Number.isInteger(ms) && Math.abs(ms) <= MAX_MILLIS;
}

function quarantined(error: RecordError): RecordOutcome {
  return { kind: "quarantined", error };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
