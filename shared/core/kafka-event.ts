/**
 * The event shapes Lambda's Kafka event source mappings deliver. MSK sends
 * `eventSource: "aws:kafka"` with `eventSourceArn`; self-managed Kafka sends
 * `eventSource: "SelfManagedKafka"` with `bootstrapServers`. Both key `records`
 * by "<topic>-<partition>" and carry base64 key/value and headers as byte arrays.
 */

export interface KafkaEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: "CREATE_TIME" | "LOG_APPEND_TIME" | "NO_TIMESTAMP_TYPE";
  /** base64; absent for a null key. */
  readonly key?: string | null;
  /** base64; absent or null for a tombstone. */
  readonly value?: string | null;
  /** One single-entry object per header, value as an array of byte values (Lambda's encoding). */
  readonly headers: ReadonlyArray<Readonly<Record<string, readonly number[]>>>;
}

export interface KafkaEvent {
  readonly eventSource: "aws:kafka" | "SelfManagedKafka";
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  readonly records: Readonly<Record<string, readonly KafkaEventRecord[]>>;
}

/** Where the ESM should resume a topic-partition: Lambda's Kafka partial batch response item. */
export interface KafkaBatchItemFailure {
  readonly itemIdentifier: { readonly partition: string; readonly offset: number };
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: KafkaBatchItemFailure[];
}
