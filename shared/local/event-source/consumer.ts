import type { Batch, Consumer, Kafka, TopicPartitionOffset } from "kafkajs";
import type { ResolvedEventSourceConfig } from "./config.ts";

export interface ConsumerCallbacks {
  /** Called with each fetched batch; must not throw (it only buffers). */
  readonly onBatch: (batch: Batch, consumer: Consumer) => void;
  readonly onAssignment: (assignment: Record<string, number[]>) => void;
  /** kafkajs gave up on this consumer (it is disconnected and does not restart): replace it. */
  readonly onCrash: (error: Error, consumer: Consumer) => void;
}

/**
 * The kafkajs consumer group behind the event source: manual offsets (autoCommit off, the
 * event source commits what the handler finished), every partition fetched concurrently, and
 * settings that keep it going through broker restarts without anyone stepping in. Resolves once
 * `run` returned: the consumer is then in the group, or it crashed on the way (onCrash was
 * called first). Throws, with the consumer disconnected, when it cannot even connect.
 */
export async function startGroupConsumer(
  kafka: Kafka,
  config: ResolvedEventSourceConfig,
  callbacks: ConsumerCallbacks,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: config.groupId,
    allowAutoTopicCreation: true,
    // No restart inside kafkajs after a crash: the event source replaces a crashed consumer with a
    // new one. kafkajs's own restart re-runs the same consumer after a delay, and a disconnect
    // while that restart is joining returns but leaves it running (kafkajs#1639): it rejoins the
    // group and fetches for ever, so `lakestream run` would never exit after a broker restart.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, restartOnFailure: async () => false },
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
  consumer.on(CRASH, ({ payload }) => callbacks.onCrash(payload.error, consumer));
  try {
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
  } catch (e) {
    await consumer.disconnect().catch(() => {});
    throw e;
  }
  return consumer;
}

/** kafkajs returned from a commit without the coordinator having acknowledged it. */
export class CommitNotConfirmedError extends Error {
  override name = "CommitNotConfirmedError";
}

/**
 * Commits offsets and resolves only once the group coordinator acknowledged every one of them.
 * kafkajs's `consumer.commitOffsets` also resolves, without committing, whenever its runner is
 * not running: a commit still retrying when the consumer crashes (the broker went away), or one
 * made while kafkajs restarts a crashed consumer (until it has rejoined, the whole time a
 * restarted broker is unreachable).
 * kafkajs emits COMMIT_OFFSETS only after the coordinator's OffsetCommit response, synchronously
 * before `commitOffsets` returns, so an offset missing from those events was not committed and
 * this throws: the caller keeps it and commits it again later.
 */
export async function commitConfirmed(
  consumer: Consumer,
  offsets: readonly TopicPartitionOffset[],
): Promise<void> {
  const acknowledged = new Map<string, string>();
  const stopListening = consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const { topic, partitions } of payload.topics) {
      for (const p of partitions) acknowledged.set(`${topic}-${p.partition}`, String(p.offset));
    }
  });
  try {
    await consumer.commitOffsets([...offsets]);
  } finally {
    stopListening();
  }
  const missing = offsets.filter((o) => acknowledged.get(`${o.topic}-${o.partition}`) !== o.offset);
  if (missing.length > 0) {
    throw new CommitNotConfirmedError(
      `the consumer is not in the group (rejoining or restarting), ${missing.length} partition offset(s) not committed`,
    );
  }
}
