import { EventShapeError } from "./errors.ts";
import type { KafkaEventRecord } from "./kafka-event.ts";

/** A Kafka record with its bytes decoded from Lambda's base64 and byte-array encodings. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: KafkaEventRecord["timestampType"];
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Uint8Array }>;
}

/** The records of one topic-partition, in offset order, as Lambda groups them. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly RawRecord[];
}

const EVENT_SOURCES = new Set(["aws:kafka", "SelfManagedKafka"]);
/** Kafka's rule for topic names (and "." and ".." are refused besides). */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const TIMESTAMP_TYPES = new Set(["CREATE_TIME", "LOG_APPEND_TIME", "NO_TIMESTAMP_TYPE"]);

/**
 * Checks that an event has the shape Lambda's Kafka event source mappings send (MSK and
 * self-managed) and decodes it. A wrong shape is the caller's mistake or a corrupt event
 * file, never a poison record, so it throws `EventShapeError` naming the path.
 */
export function decodeKafkaEvent(event: unknown, options: { strictBase64?: boolean } = {}): PartitionBatch[] {
  const strict = options.strictBase64 ?? false;
  if (!isObject(event)) throw new EventShapeError("event", "must be a JSON object");
  if (!EVENT_SOURCES.has(event.eventSource as string)) {
    throw new EventShapeError("event.eventSource", 'must be "aws:kafka" or "SelfManagedKafka"');
  }
  const records = event.records;
  if (!isObject(records))
    throw new EventShapeError("event.records", "must be an object keyed by topic-partition");
  const batches: PartitionBatch[] = [];
  for (const [tp, list] of Object.entries(records)) {
    const path = `event.records["${tp}"]`;
    if (!Array.isArray(list)) throw new EventShapeError(path, "must be an array of records");
    const decoded = list.map((r, i) => decodeRecord(r, `${path}[${i}]`, strict));
    const first = decoded[0];
    if (!first) continue;
    // Checked once per topic-partition: the others must equal it. A topic Kafka cannot have
    // would otherwise become object keys that climb out of the table (../x, /abs).
    if (!KAFKA_TOPIC.test(first.topic) || first.topic === "." || first.topic === "..") {
      throw new EventShapeError(`${path}[0].topic`, "not a valid Kafka topic name");
    }
    if (`${first.topic}-${first.partition}` !== tp) {
      throw new EventShapeError(
        path,
        `key does not match its records' topic-partition "${first.topic}-${first.partition}"`,
      );
    }
    for (let i = 1; i < decoded.length; i++) {
      const r = decoded[i]!;
      if (r.topic !== first.topic || r.partition !== first.partition || r.offset <= decoded[i - 1]!.offset) {
        throw new EventShapeError(
          `${path}[${i}]`,
          "records of a topic-partition must share it and rise in offset",
        );
      }
    }
    batches.push({ topic: first.topic, partition: first.partition, records: decoded });
  }
  return batches.sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}

function decodeRecord(r: unknown, path: string, strict: boolean): RawRecord {
  if (!isObject(r)) throw new EventShapeError(path, "must be an object");
  const { topic, partition, offset, timestamp, timestampType } = r;
  if (typeof topic !== "string" || topic.length === 0)
    throw new EventShapeError(`${path}.topic`, "must be a string");
  if (!isNonNegativeInt(partition))
    throw new EventShapeError(`${path}.partition`, "must be a non-negative integer");
  if (!isNonNegativeInt(offset))
    throw new EventShapeError(`${path}.offset`, "must be a non-negative integer");
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
    throw new EventShapeError(`${path}.timestamp`, "must be epoch milliseconds");
  }
  if (!TIMESTAMP_TYPES.has(timestampType as string)) {
    throw new EventShapeError(
      `${path}.timestampType`,
      "must be CREATE_TIME, LOG_APPEND_TIME or NO_TIMESTAMP_TYPE",
    );
  }
  return {
    topic,
    partition,
    offset,
    timestamp,
    timestampType: timestampType as RawRecord["timestampType"],
    key: decodeBase64(r.key, `${path}.key`, strict),
    value: decodeBase64(r.value, `${path}.value`, strict),
    headers: decodeHeaders(r.headers, `${path}.headers`),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Lambda always sends valid base64, so the hot path only checks type and length; event
 * files written by people (`lakestream invoke`) get the full character check.
 */
function decodeBase64(v: unknown, path: string, strict: boolean): Uint8Array | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || v.length % 4 !== 0 || (strict && !BASE64.test(v))) {
    throw new EventShapeError(path, "must be base64 text");
  }
  return Buffer.from(v, "base64");
}

function decodeHeaders(v: unknown, path: string): RawRecord["headers"] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new EventShapeError(path, "must be an array of single-entry objects");
  const out: { key: string; value: Uint8Array }[] = [];
  v.forEach((h, i) => {
    if (!isObject(h)) throw new EventShapeError(`${path}[${i}]`, "must be an object");
    for (const [key, bytes] of Object.entries(h)) {
      if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= -128 && b <= 255)) {
        throw new EventShapeError(`${path}[${i}].${key}`, "must be an array of byte values");
      }
      // Lambda sends Java bytes, which may be signed (-128..127); mask them to 0..255.
      out.push({ key, value: Uint8Array.from(bytes, (b: number) => b & 0xff) });
    }
  });
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
