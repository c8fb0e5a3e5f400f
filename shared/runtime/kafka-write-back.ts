import { CompressionTypes, Kafka, logLevel, type Message, type Producer } from "kafkajs";
import { LakestreamError } from "../core/errors.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import { type KafkaConnection, kafkaClientConfig } from "./kafka-connection.ts";
import type { WriteBackMessage, WriteBackSink } from "./write-back-rows.ts";
import { ensureTopic } from "./write-back-topic.ts";

export type { WriteBackMessage, WriteBackSink } from "./write-back-rows.ts";

/** Producing the write-back messages failed; the ingest treats it as a transient batch failure. */
export class WriteBackError extends LakestreamError {
  override readonly name = "WriteBackError";
  readonly topic: string;
  constructor(topic: string, message: string, options?: ErrorOptions) {
    super(`${topic}: ${message}`, options);
    this.topic = topic;
  }
}

export interface KafkaWriteBackOptions {
  readonly connection: KafkaConnection;
  readonly topic: string;
  /**
   * A send that has not been acknowledged by then rejects, so a broker outage fails the
   * batch (which the event source retries) instead of hanging it. Default 60 s.
   */
  readonly sendTimeoutMs?: number;
  /** Upper bound of one produce request's payload; brokers reject record batches over message.max.bytes (1 MiB default). */
  readonly maxRequestBytes?: number;
  /** Partitions of the topic when it does not exist yet; default: the largest count of `sourceTopics`. */
  readonly partitions?: number;
  /** The topics the rows come from: a missing write-back topic is created with as many partitions. */
  readonly sourceTopics?: readonly string[];
}

/**
 * The write-back sink: an idempotent kafkajs producer with acks=all and one request in
 * flight, so a retried send neither duplicates nor reorders what the broker already has.
 * Before the first send it creates the topic when missing, with the source's partition count
 * (or the configured one) rather than the broker's default. Each row keeps its key (same key,
 * same partition, Java-compatible murmur2; no key: the source partition modulo the count), its
 * event time as the Kafka timestamp and the lineage headers. `send` resolves only once every
 * message is acknowledged by all in-sync replicas; any failure rejects: never silent loss.
 */
export class KafkaWriteBack implements WriteBackSink {
  readonly topic: string;
  readonly #producer: Producer;
  readonly #timeoutMs: number;
  readonly #maxRequestBytes: number;
  readonly #kafka: Kafka;
  readonly #options: KafkaWriteBackOptions;
  #connected: Promise<void> | undefined;
  /** The topic's partition count, known once connected. */
  #partitions = 1;

  constructor(options: KafkaWriteBackOptions) {
    this.topic = options.topic;
    this.#options = options;
    this.#timeoutMs = options.sendTimeoutMs ?? 60_000;
    this.#maxRequestBytes = options.maxRequestBytes ?? 900_000;
    const kafka = new Kafka({ ...kafkaClientConfig(options.connection), logLevel: logLevel.NOTHING });
    this.#kafka = kafka;
    // Idempotence needs acks=all and unlimited retries (kafkajs's default for it); at most one
    // request in flight keeps the order of retried batches without relying on sequence fencing.
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
  }

  /** Connects once (and creates the topic when missing); `send` calls it too, so connecting early only moves the latency. */
  connect(): Promise<void> {
    this.#connected ??= (async () => {
      this.#partitions = await ensureTopic(this.#kafka.admin(), this.topic, this.#options);
      await this.#producer.connect();
    })().catch((e: unknown) => {
      this.#connected = undefined;
      throw new WriteBackError(this.topic, `could not connect the producer: ${(e as Error).message}`, {
        cause: e,
      });
    });
    return this.#connected;
  }

  async send(messages: readonly WriteBackMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#withTimeout(this.connect());
    for (const chunk of chunks(messages, this.#maxRequestBytes)) {
      await this.#sendChunk(chunk);
    }
  }

  async #sendChunk(chunk: readonly WriteBackMessage[]): Promise<void> {
    const kafkaMessages: Message[] = chunk.map((m) => ({
      key: m.key === null ? null : Buffer.from(m.key.buffer, m.key.byteOffset, m.key.byteLength),
      value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
      headers: { ...m.headers },
      ...(m.timestamp === undefined ? {} : { timestamp: String(m.timestamp) }),
      ...(m.key === null && m.sourcePartition !== undefined
        ? { partition: m.sourcePartition % this.#partitions }
        : {}),
    }));
    try {
      await this.#withTimeout(
        this.#producer.send({
          topic: this.topic,
          acks: -1,
          compression: CompressionTypes.None,
          messages: kafkaMessages,
        }),
      );
    } catch (e) {
      if (e instanceof WriteBackError) throw e;
      throw new WriteBackError(this.topic, `send failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async #withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WriteBackError(this.topic, `not acknowledged within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = undefined;
    await this.#producer.disconnect();
  }
}

/**
 * The write-back sink of a pipeline's ingest (its declared topic, sized like the topics it
 * reads: `sourceTopics` when a command line overrides the definition's), or undefined.
 */
export function ingestWriteBack(
  pipeline: Pipeline,
  connection: KafkaConnection,
  sourceTopics: readonly string[] = pipeline.source.topics,
): KafkaWriteBack | undefined {
  const wb = pipeline.writeBack;
  if (!wb) return undefined;
  return new KafkaWriteBack({
    connection,
    topic: wb.topic,
    sourceTopics,
    ...(wb.partitions ? { partitions: wb.partitions } : {}),
  });
}

/** Splits messages into runs whose estimated request size stays under the broker's batch limit. */
function* chunks(
  messages: readonly WriteBackMessage[],
  maxBytes: number,
): Generator<readonly WriteBackMessage[]> {
  let start = 0;
  let size = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let bytes = 64 + m.value.byteLength + (m.key?.byteLength ?? 0);
    for (const [k, v] of Object.entries(m.headers)) bytes += 8 + k.length + v.length * 3;
    if (i > start && size + bytes > maxBytes) {
      yield messages.slice(start, i);
      start = i;
      size = 0;
    }
    size += bytes;
  }
  if (start < messages.length) yield messages.slice(start);
}
