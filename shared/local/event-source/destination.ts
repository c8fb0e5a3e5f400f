import { Kafka, logLevel, type Producer } from "kafkajs";
import type { RawRecord } from "../../core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../core/kafka-encode.ts";
import { kafkaClientConfig } from "../../runtime/kafka-connection.ts";
import type { ResolvedEventSourceConfig } from "./config.ts";

/** Why records left the retry loop; the names are Lambda's destination `condition` values. */
export const FailureCondition = {
  RetryAttemptsExhausted: "RetryAttemptsExhausted",
  RecordAgeExceeded: "RecordAgeExceeded",
  /** A single record larger than the invocation payload cap: no invocation can carry it. */
  PayloadTooLarge: "PayloadTooLarge",
} as const;
export type FailureCondition = (typeof FailureCondition)[keyof typeof FailureCondition];

export interface FailureInfo {
  readonly condition: FailureCondition;
  readonly approximateInvokeCount: number;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Where records that exhausted their retries or their age go, so they are kept, not dropped. */
export interface OnFailureDestination {
  send(records: readonly RawRecord[], failure: FailureInfo): Promise<void>;
  close(): Promise<void>;
}

/** Groups records by topic-partition, keeping offset order. */
function byPartition(records: readonly RawRecord[]): RawRecord[][] {
  const groups = new Map<string, RawRecord[]>();
  for (const r of records) {
    const tp = `${r.topic}-${r.partition}`;
    const g = groups.get(tp);
    if (g) g.push(r);
    else groups.set(tp, [r]);
  }
  return [...groups.values()];
}

/**
 * The lake as destination, shaped like Lambda's S3 on-failure record: metadata about the
 * failed invocation plus the full invocation payload, so the original key, value and header
 * bytes survive. One object per topic-partition range, with a deterministic key written
 * only if absent, so a replay after a crash writes nothing twice.
 */
export function storeDestination(config: ResolvedEventSourceConfig): OnFailureDestination {
  const dest = config.onFailure;
  if (dest?.type !== "store") throw new Error("storeDestination needs an onFailure of type store");
  const prefix = dest.prefix.replace(/\/+$/, "");
  return {
    async send(records, failure) {
      for (const group of byPartition(records)) {
        const first = group[0]!;
        const last = group.at(-1)!;
        const key = `${prefix}/${first.topic}/partition=${first.partition}/${first.offset}-${last.offset}.json`;
        const payload = encodeKafkaEvent(group, {
          eventSource: config.eventSource,
          eventSourceArn: config.eventSourceArn,
          bootstrapServers: config.connection.brokers.join(","),
        });
        const body = {
          version: "1.0",
          timestamp: new Date().toISOString(),
          requestContext: {
            functionArn: "arn:aws:lambda:us-east-1:000000000000:function:lakestream-local",
            condition: failure.condition,
            approximateInvokeCount: failure.approximateInvokeCount,
          },
          responseContext: {
            statusCode: 200,
            executedVersion: "$LATEST",
            functionError: failure.error?.name ?? "",
          },
          KafkaBatchInfo: {
            batchSize: group.length,
            bootstrapServers: config.connection.brokers.join(","),
            consumerGroupId: config.groupId,
            topic: first.topic,
            partition: first.partition,
            firstOffset: first.offset,
            lastOffset: last.offset,
            firstRecordTimestamp: first.timestamp,
            lastRecordTimestamp: last.timestamp,
          },
          errorMessage: failure.error?.message ?? "",
          payload,
        };
        await dest.store.put(key, new TextEncoder().encode(JSON.stringify(body)), {
          ifAbsent: true,
          contentType: "application/json",
        });
      }
    },
    async close() {},
  };
}

/**
 * A dead-letter topic on the same cluster, like Lambda's `kafka://topic` destination: "Kafka
 * destinations receive the actual failed records along with failure metadata". The record keeps
 * its key, value and headers byte for byte; lakestream adds headers naming the source
 * coordinates and the failure.
 */
export function kafkaDestination(config: ResolvedEventSourceConfig): OnFailureDestination {
  const dest = config.onFailure;
  if (dest?.type !== "kafka") throw new Error("kafkaDestination needs an onFailure of type kafka");
  const kafka = new Kafka({ ...kafkaClientConfig(config.connection), logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  return {
    async send(records, failure) {
      if (!producer) {
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
        await p.connect();
        producer = p;
      }
      const messages = records.map((r) => ({
        key: r.key ? Buffer.from(r.key) : null,
        value: r.value ? Buffer.from(r.value) : null,
        timestamp: String(r.timestamp),
        headers: {
          ...originalHeaders(r),
          "lakestream.failure.condition": failure.condition,
          "lakestream.failure.error": failure.error
            ? `${failure.error.name}: ${failure.error.message}`.slice(0, 1000)
            : "",
          "lakestream.failure.invokeCount": String(failure.approximateInvokeCount),
          "lakestream.source.topic": r.topic,
          "lakestream.source.partition": String(r.partition),
          "lakestream.source.offset": String(r.offset),
        },
      }));
      await producer.send({ topic: dest.topic, acks: -1, messages });
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
    },
  };
}

export function createDestination(config: ResolvedEventSourceConfig): OnFailureDestination | undefined {
  if (config.onFailure?.type === "store") return storeDestination(config);
  if (config.onFailure?.type === "kafka") return kafkaDestination(config);
  return undefined;
}

/** The record's own headers, byte for byte; a key that repeats keeps every value, in order. */
function originalHeaders(r: RawRecord): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const h of r.headers) {
    const values = out[h.key] ?? [];
    values.push(Buffer.from(h.value));
    out[h.key] = values;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}
