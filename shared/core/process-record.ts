import { deserialize } from "./deserialize.ts";
import {
  DeserializeError,
  EventTimeError,
  type RecordCoordinates,
  type RecordError,
  SchemaViolationError,
  TransformError,
} from "./errors.ts";
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

/**
 * Compiles the per-record path of a pipeline: deserialize → transform → validate →
 * partition. Every failure becomes a typed `RecordError`; none escapes, so one bad record
 * can never fail its batch.
 */
export function compileRecordProcessor(pipeline: Pipeline): (record: RawRecord) => RecordOutcome {
  const normalize: Normalizer = structNormalizer(pipeline.schema);
  const { valueFormat, keyFormat } = pipeline.source;
  return (raw) => {
    const at: RecordCoordinates = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
    let source: SourceRecord;
    try {
      source = {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        timestamp: raw.timestamp,
        timestampType: raw.timestampType,
        key: deserialize(raw.key, keyFormat),
        value: deserialize(raw.value, valueFormat),
        headers: raw.headers,
      };
    } catch (cause) {
      return quarantined(
        new DeserializeError(at, `cannot deserialize as ${valueFormat}: ${messageOf(cause)}`, { cause }),
      );
    }
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
        throw e;
      }
      try {
        rows.push({ path: partitionPath(pipeline, values, raw.timestamp), values });
      } catch (cause) {
        return quarantined(new EventTimeError(at, `cannot partition: ${messageOf(cause)}`, { cause }));
      }
    }
    return { kind: "rows", rows };
  };
}

function quarantined(error: RecordError): RecordOutcome {
  return { kind: "quarantined", error };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
