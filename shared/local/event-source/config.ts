import { ConfigError } from "../../core/errors.ts";
import type { KafkaEvent } from "../../core/kafka-event.ts";
import type { KafkaConnection } from "../../runtime/kafka-connection.ts";
import { validateConnection } from "../../runtime/kafka-connection.ts";
import type { ObjectStore } from "../../storage/object-store.ts";

/** Where a Kafka event source mapping starts reading a partition its consumer group has no offset for. */
export const StartingPosition = {
  TRIM_HORIZON: "TRIM_HORIZON",
  LATEST: "LATEST",
  AT_TIMESTAMP: "AT_TIMESTAMP",
} as const;
export type StartingPosition = (typeof StartingPosition)[keyof typeof StartingPosition];

/**
 * Records that exhausted their retries or their age. Lambda's Kafka mappings offer SQS, SNS,
 * S3 and a Kafka topic (`kafka://topic`); locally the lake (an ObjectStore prefix, like the S3
 * destination) or a dead-letter topic on the same cluster.
 */
export type OnFailureConfig =
  | { readonly type: "store"; readonly store: ObjectStore; readonly prefix: string }
  | { readonly type: "kafka"; readonly topic: string };

/** The knobs of Lambda's CreateEventSourceMapping for MSK / self-managed Kafka, with Lambda's names. */
export interface EventSourceOptions {
  readonly connection: KafkaConnection;
  readonly topics: readonly string[];
  /** Lambda uses the mapping's UUID unless a ConsumerGroupId is configured. */
  readonly groupId: string;
  /** "aws:kafka" (MSK, with eventSourceArn) or "SelfManagedKafka" (with bootstrapServers). */
  readonly eventSource?: KafkaEvent["eventSource"];
  readonly eventSourceArn?: string;
  /** 1–10,000; Lambda's default for Kafka is 100. */
  readonly batchSize?: number;
  /** 0–300 s; Lambda's default for Kafka is 0.5 s. */
  readonly maximumBatchingWindowInSeconds?: number;
  /** Lambda caps a synchronous invocation payload at 6 MB; tests may lower it to see the cap act. */
  readonly maxPayloadBytes?: number;
  readonly startingPosition?: StartingPosition;
  /** Required with AT_TIMESTAMP. */
  readonly startingPositionTimestamp?: Date;
  /** -1 (infinite, Lambda's default) or 0–10,000. */
  readonly maximumRetryAttempts?: number;
  /** -1 (infinite, Lambda's default) or 60–604,800 s. */
  readonly maximumRecordAgeInSeconds?: number;
  readonly bisectBatchOnFunctionError?: boolean;
  /** FunctionResponseTypes: ["ReportBatchItemFailures"]. */
  readonly reportBatchItemFailures?: boolean;
  readonly onFailure?: OnFailureConfig;
  /** The function's timeout, 1–900 s (Lambda's maximum); a timed-out invocation is a function error. */
  readonly functionTimeoutSeconds?: number;
  /** Backoff between retries of a failed batch (local knob; Lambda does not publish its own). */
  readonly retryBackoffMs?: { readonly initial: number; readonly max: number };
  /**
   * Invocations in flight at once, 1–1,000 (local knob): Lambda's Kafka pollers invoke the function
   * for several partitions concurrently, never twice at once for one partition. Each batch then
   * holds only partitions with nothing in flight, so each partition stays in offset order.
   */
  readonly maxConcurrentInvocations?: number;
}

export type ResolvedEventSourceConfig = Required<
  Omit<EventSourceOptions, "onFailure" | "startingPositionTimestamp" | "eventSourceArn">
> &
  Pick<EventSourceOptions, "onFailure" | "startingPositionTimestamp" | "eventSourceArn"> & {
    /** Retries allowed before a batch goes to the destination; Infinity when unbounded. */
    readonly retryLimit: number;
  };

export const SIX_MB = 6 * 1024 * 1024;
/**
 * The handler is JavaScript on one thread: invocations in flight together overlap only its waits
 * (file writes, S3 requests) and the fetches, so a few are enough (see docs/performance.md).
 */
export const DEFAULT_CONCURRENT_INVOCATIONS = 4;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function int(field: string, v: number, min: number, max: number, also?: number): void {
  if (!Number.isInteger(v) || ((v < min || v > max) && v !== also)) {
    const alt = also === undefined ? "" : ` or ${also}`;
    throw new ConfigError(field, `must be an integer from ${min} to ${max}${alt}, got ${v}`);
  }
}

/**
 * Validates the options with Lambda's ranges and fills Lambda's defaults. Every error names
 * the setting (the same name as in CreateEventSourceMapping), so a wrong knob fails at start.
 */
export function resolveEventSourceConfig(o: EventSourceOptions): ResolvedEventSourceConfig {
  validateConnection(o.connection, "connection");
  if (o.topics.length === 0) throw new ConfigError("topics", "at least one topic is required");
  for (const t of o.topics)
    if (!TOPIC.test(t)) throw new ConfigError("topics", `"${t}" is not a valid topic name`);
  if (!o.groupId) throw new ConfigError("groupId", "is required");
  const batchSize = o.batchSize ?? 100;
  int("batchSize", batchSize, 1, 10_000);
  const window = o.maximumBatchingWindowInSeconds ?? 0.5;
  if (!(window >= 0 && window <= 300)) {
    throw new ConfigError("maximumBatchingWindowInSeconds", `must be from 0 to 300, got ${window}`);
  }
  const maxPayloadBytes = o.maxPayloadBytes ?? SIX_MB;
  int("maxPayloadBytes", maxPayloadBytes, 1024, SIX_MB);
  const startingPosition = o.startingPosition ?? StartingPosition.TRIM_HORIZON;
  if (!Object.values(StartingPosition).includes(startingPosition)) {
    throw new ConfigError(
      "startingPosition",
      `must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got ${startingPosition}`,
    );
  }
  const ts = o.startingPositionTimestamp;
  if (startingPosition === "AT_TIMESTAMP" && !(ts instanceof Date && !Number.isNaN(ts.getTime()))) {
    throw new ConfigError("startingPositionTimestamp", "a valid date is required with AT_TIMESTAMP");
  }
  if (startingPosition !== "AT_TIMESTAMP" && ts !== undefined) {
    throw new ConfigError("startingPositionTimestamp", "only applies with startingPosition AT_TIMESTAMP");
  }
  const maximumRetryAttempts = o.maximumRetryAttempts ?? -1;
  int("maximumRetryAttempts", maximumRetryAttempts, 0, 10_000, -1);
  const maximumRecordAgeInSeconds = o.maximumRecordAgeInSeconds ?? -1;
  int("maximumRecordAgeInSeconds", maximumRecordAgeInSeconds, 60, 604_800, -1);
  const functionTimeoutSeconds = o.functionTimeoutSeconds ?? 900;
  int("functionTimeoutSeconds", functionTimeoutSeconds, 1, 900);
  const eventSource = o.eventSource ?? "SelfManagedKafka";
  if (eventSource !== "aws:kafka" && eventSource !== "SelfManagedKafka") {
    throw new ConfigError("eventSource", `must be "aws:kafka" or "SelfManagedKafka", got ${eventSource}`);
  }
  const backoff = o.retryBackoffMs ?? { initial: 100, max: 5_000 };
  if (!(backoff.initial >= 0 && backoff.max >= backoff.initial)) {
    throw new ConfigError("retryBackoffMs", "initial must be ≥ 0 and max ≥ initial");
  }
  const maxConcurrentInvocations = o.maxConcurrentInvocations ?? DEFAULT_CONCURRENT_INVOCATIONS;
  int("maxConcurrentInvocations", maxConcurrentInvocations, 1, 1_000);
  const dest = o.onFailure;
  if (dest?.type === "kafka") {
    if (!TOPIC.test(dest.topic))
      throw new ConfigError("onFailure.topic", `"${dest.topic}" is not a valid topic name`);
    // Lambda refuses a destination topic that is also a source topic: it would loop forever.
    if (o.topics.includes(dest.topic))
      throw new ConfigError("onFailure.topic", "must not be one of the source topics");
  } else if (dest?.type === "store") {
    if (!/^[A-Za-z0-9_.-][A-Za-z0-9_./-]*$/.test(dest.prefix) || dest.prefix.includes("..")) {
      throw new ConfigError("onFailure.prefix", `"${dest.prefix}" is not a safe key prefix`);
    }
  } else if (dest !== undefined) {
    throw new ConfigError("onFailure.type", 'must be "store" or "kafka"');
  }
  // "When you configure both infinite retries and an on-failure destination, Lambda
  // automatically applies a maximum of 10 retry attempts." (Kafka on-failure destination docs)
  const retryLimit = maximumRetryAttempts >= 0 ? maximumRetryAttempts : dest ? 10 : Number.POSITIVE_INFINITY;
  return {
    connection: o.connection,
    topics: [...o.topics],
    groupId: o.groupId,
    eventSource,
    eventSourceArn:
      o.eventSourceArn ?? (eventSource === "aws:kafka" ? localClusterArn(o.groupId) : undefined),
    batchSize,
    maximumBatchingWindowInSeconds: window,
    maxPayloadBytes,
    startingPosition,
    startingPositionTimestamp: ts,
    maximumRetryAttempts,
    maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: o.bisectBatchOnFunctionError ?? false,
    reportBatchItemFailures: o.reportBatchItemFailures ?? false,
    onFailure: dest,
    functionTimeoutSeconds,
    retryBackoffMs: backoff,
    maxConcurrentInvocations,
    retryLimit,
  };
}

function localClusterArn(groupId: string): string {
  return `arn:aws:kafka:us-east-1:000000000000:cluster/lakestream-local/${groupId}`;
}
