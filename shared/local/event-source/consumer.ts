import type { Batch, Consumer, Kafka } from "kafkajs";
import type { ResolvedEventSourceConfig } from "./config.ts";

export interface ConsumerCallbacks {
  /** Called with each fetched batch; must not throw (it only buffers). */
  readonly onBatch: (batch: Batch, consumer: Consumer) => void;
  readonly onAssignment: (assignment: Record<string, number[]>) => void;
  readonly onCrash: (error: Error, willRestart: boolean, consumer: Consumer) => void;
}

/**
 * The kafkajs consumer group behind the event source: manual offsets (autoCommit off, the
 * event source commits what the handler finished), every partition fetched concurrently, and
 * settings that keep it going through broker restarts without anyone stepping in.
 */
export async function startGroupConsumer(
  kafka: Kafka,
  config: ResolvedEventSourceConfig,
  callbacks: ConsumerCallbacks,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: config.groupId,
    allowAutoTopicCreation: true,
    // Restart after any crash (broker restart, coordinator move) instead of giving up.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, restartOnFailure: async () => true },
    maxBytesPerPartition: Math.max(1_048_576, config.maxPayloadBytes),
    // A member that died (SIGKILL) is noticed after 10 s rather than kafkajs's 30 s default,
    // so a restarted runner gets its partitions back quickly.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    // Short fetch waits: new records reach the batcher quickly and a stop does not wait out a long poll.
    maxWaitTimeInMs: 250,
  });
  const { GROUP_JOIN, CRASH } = consumer.events;
  consumer.on(GROUP_JOIN, ({ payload }) => callbacks.onAssignment(payload.memberAssignment));
  consumer.on(CRASH, ({ payload }) => callbacks.onCrash(payload.error, payload.restart, consumer));
  await consumer.connect();
  // TRIM_HORIZON and AT_TIMESTAMP (whose offsets were committed before the start) read from
  // the log start when the group has no offset; LATEST from the end. A committed offset wins.
  await consumer.subscribe({
    topics: [...config.topics],
    fromBeginning: config.startingPosition !== "LATEST",
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 64,
    eachBatch: async ({ batch }) => callbacks.onBatch(batch, consumer),
  });
  return consumer;
}
