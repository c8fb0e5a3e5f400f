import type { RecordError, SchemaViolationError } from "./errors.ts";
import type { RawRecord } from "./kafka-decode.ts";

/** One quarantine line: everything needed to inspect, fix and replay the record. */
export interface QuarantineLine {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  /** Original bytes, base64; null when Kafka had none. */
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly error: { readonly name: string; readonly message: string; readonly field?: string };
}

export function quarantineLine(record: RawRecord, error: RecordError): QuarantineLine {
  const field = (error as Partial<SchemaViolationError>).field;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: record.key === null ? null : Buffer.from(record.key).toString("base64"),
    value: record.value === null ? null : Buffer.from(record.value).toString("base64"),
    headers: record.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value).toString("base64") })),
    error: { name: error.name, message: error.message, ...(field ? { field } : {}) },
  };
}
