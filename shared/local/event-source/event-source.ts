import { setTimeout as sleep } from "node:timers/promises";
import { type Admin, type Consumer, Kafka, logLevel } from "kafkajs";
import type { RawRecord } from "../../core/kafka-decode.ts";
import { kafkaClientConfig } from "../../runtime/kafka-connection.ts";
import { type BufferedRecord, PartitionBuffers } from "./batcher.ts";
import {
  type EventSourceOptions,
  type ResolvedEventSourceConfig,
  resolveEventSourceConfig,
} from "./config.ts";
import { commitConfirmed, startGroupConsumer } from "./consumer.ts";
import { createDestination, type OnFailureDestination } from "./destination.ts";
import { type InvokeEvent, type KafkaHandler, runBatch } from "./invoke.ts";
import { applyStartingTimestamp, groupLag, toRawRecord } from "./kafka-helpers.ts";
import { OffsetCommits } from "./offset-commits.ts";
import { divertOversized, isOversized } from "./oversize.ts";
import { logInvokeEvent } from "./progress.ts";
import { type EventSourceStats, StatsTracker } from "./stats.ts";

export type { EventSourceStats } from "./stats.ts";

export interface EventSourceHooks {
  /** Structured log lines (counts and coordinates, never payloads). */
  readonly log?: (
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
  readonly onInvoke?: (e: InvokeEvent) => void;
}

/**
 * A local Kafka event source mapping: a kafkajs consumer group that calls a handler with
 * exactly the events Lambda sends, under Lambda's rules (see config.ts, batcher.ts, invoke.ts).
 * Fetching and invoking are decoupled: eachBatch only buffers (with pause/resume as
 * backpressure), one loop forms batches and invokes the handler, one batch per partition at a
 * time and several partitions at once (maxConcurrentInvocations), and
 * offsets are committed explicitly (autoCommit off) only for records the handler finished:
 * "After successful processing, your Kafka topic is committed to your Kafka cluster."
 * A failure never commits; the records stay in memory and are retried, and if the process
 * dies they are fetched again from the last commit. An offset counts as committed only once the
 * broker acknowledged it: while the broker is away (a restart) the buffered records go on being
 * processed, their offsets stay pending, and a consumer kafkajs gave up on is replaced, so the
 * commits land when the group is back, without anyone stepping in.
 */
export class KafkaEventSource {
  readonly config: ResolvedEventSourceConfig;
  readonly #handler: KafkaHandler;
  readonly #hooks: EventSourceHooks;
  readonly #kafka: Kafka;
  readonly #buffers = new PartitionBuffers();
  readonly #stats = new StatsTracker();
  readonly #destination: OnFailureDestination | undefined;
  readonly #assigned = new Set<string>();
  readonly #paused = new Set<string>();
  #consumer: Consumer | undefined;
  /** Consumers kafkajs gave up on (crashed, disconnected, not restarted by kafkajs). */
  readonly #crashed = new WeakSet<Consumer>();
  /** Crashed consumers disconnected once more after our last call on them (see #flushCommits). */
  readonly #retired = new WeakSet<Consumer>();
  /** The replacement of a crashed consumer, while one runs. */
  #replacing: Promise<void> | undefined;
  #stopping = false;
  /** Set when the pump must take no more batches: a batch was cut short by a stop, or could not be delivered. */
  #halted = false;
  #loop: Promise<void> | undefined;
  /** Invocations in flight, and the partitions they hold (none is in two at once). */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #busy = new Set<string>();
  /** The offset commit in flight, if any (one at a time, so commits land in order). */
  #flushing: Promise<void> | undefined;
  readonly #commits = new OffsetCommits();
  readonly #abort = new AbortController();
  #failure: Error | undefined;
  /** Commits failing in a row, and when that was last logged (the warning is not repeated per batch). */
  #commitFailures = 0;
  #commitWarnedAt = 0;

  constructor(options: EventSourceOptions, handler: KafkaHandler, hooks: EventSourceHooks = {}) {
    this.config = resolveEventSourceConfig(options);
    this.#handler = handler;
    this.#hooks = hooks;
    this.#kafka = new Kafka({ ...kafkaClientConfig(this.config.connection), logLevel: logLevel.NOTHING });
    this.#destination = createDestination(this.config);
  }

  /** Joins the group and starts polling; resolves once the consumer runs. */
  async start(): Promise<void> {
    await this.#withAdmin((admin) => applyStartingTimestamp(admin, this.config));
    // Throws when the cluster is unreachable; a crash while joining is handled like any other.
    this.#consumer = await this.#newConsumer();
    this.#replaceIfCrashed();
    this.#loop = this.#pump();
  }

  #newConsumer(): Promise<Consumer> {
    return startGroupConsumer(this.#kafka, this.config, {
      onBatch: (batch, consumer) => {
        const tp = `${batch.topic}-${batch.partition}`;
        const records = batch.messages.map((m) => toRawRecord(batch.topic, batch.partition, m));
        if (records[0]) this.#stats.started(tp, records[0].offset);
        const added = this.#buffers.append(tp, records, Date.now());
        this.#stats.fetched(tp, added, Number(batch.highWatermark));
        // Backpressure: stop fetching a partition whose buffer is full until the invoker drains it.
        if (this.#buffers.count(tp) >= this.#highWater() && !this.#paused.has(tp)) {
          this.#paused.add(tp);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        }
      },
      onAssignment: (assignment) => this.#onAssignment(assignment),
      onCrash: (error, consumer) => {
        this.#log("warn", "consumer crashed", { error: `${error.name}: ${error.message}` });
        this.#crashed.add(consumer);
        this.#replaceIfCrashed();
      },
    });
  }

  /**
   * Starts replacing the current consumer if kafkajs gave up on it (after a broker restart, for
   * instance), one replacement at a time. Buffered records stay: the pump keeps invoking the
   * function meanwhile, and their offsets are committed once the new consumer is in the group.
   */
  #replaceIfCrashed(): void {
    if (this.#replacing || this.#stopping) return;
    if (!this.#consumer || !this.#crashed.has(this.#consumer)) return;
    this.#replacing = this.#replaceConsumer().finally(() => {
      this.#replacing = undefined;
      this.#replaceIfCrashed();
    });
  }

  async #replaceConsumer(): Promise<void> {
    for (let attempt = 1; this.#consumer && this.#crashed.has(this.#consumer); attempt++) {
      await this.#sleep(Math.min(10_000, 250 * 2 ** attempt));
      if (this.#stopping) return;
      // A new consumer starts with nothing paused; onBatch pauses again what is still full.
      this.#paused.clear();
      try {
        // A crash while this one joins marks it crashed before it is returned: the loop goes on.
        this.#consumer = await this.#newConsumer();
        if (!this.#crashed.has(this.#consumer)) this.#log("info", "consumer restarted", { attempt });
      } catch (e) {
        this.#log("warn", "consumer restart failed, retrying", { error: (e as Error).message, attempt });
      }
    }
  }

  #onAssignment(assignment: Record<string, number[]>): void {
    const now = new Set(Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => `${t}-${p}`)));
    for (const tp of this.#buffers.partitions()) if (!now.has(tp)) this.#buffers.drop(tp);
    this.#assigned.clear();
    for (const tp of now) this.#assigned.add(tp);
    // kafkajs keeps a still-assigned partition paused across a rebalance; forget only the others.
    for (const tp of [...this.#paused]) if (!now.has(tp)) this.#paused.delete(tp);
    this.#log("info", "partitions assigned", { partitions: [...now] });
  }

  #highWater(): number {
    return Math.max(2 * this.config.batchSize, 1_000);
  }

  /**
   * The invoker: waits for a full batch or the batching window, invokes, commits. Up to
   * maxConcurrentInvocations batches are in flight, each made only of partitions with nothing
   * else in flight, so every partition is processed in offset order, one invocation at a time,
   * as Lambda's pollers do; a partition whose batch keeps failing holds back only itself.
   */
  async #pump(): Promise<void> {
    const { batchSize, maxPayloadBytes, maxConcurrentInvocations } = this.config;
    const windowMs = this.config.maximumBatchingWindowInSeconds * 1000;
    while (!this.#stopping && !this.#halted) {
      this.#startFlush();
      this.#resumeDrained();
      if (this.#inFlight.size >= maxConcurrentInvocations) {
        await Promise.race(this.#inFlight);
        continue;
      }
      // Wakes on a fetch and when an invocation finishes (its partitions are free again).
      const oldest = this.#buffers.oldestArrival(this.#busy);
      if (oldest === undefined) {
        await this.#buffers.waitForAppend(1_000);
        continue;
      }
      const wait = oldest + windowMs - Date.now();
      if (wait > 0 && !this.#buffers.isFull(batchSize, maxPayloadBytes, this.#busy)) {
        await this.#buffers.waitForAppend(wait);
        continue;
      }
      const batch = this.#buffers.take(batchSize, maxPayloadBytes, this.#busy);
      if (batch.length > 0) this.#launch(batch);
    }
    // What is in flight finishes (a stop cuts its retries short) and is committed.
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    // A commit still in flight (and any it chained) settles first: commits never overlap.
    while (this.#flushing) await this.#flushing;
    await this.#flushCommits();
  }

  /** Invokes one batch in the background; its partitions are busy until it is over. */
  #launch(batch: BufferedRecord[]): void {
    const records = batch.map((b) => b.record);
    const partitions = new Set(records.map((r) => `${r.topic}-${r.partition}`));
    for (const tp of partitions) this.#busy.add(tp);
    this.#stats.inFlight(records.length);
    const run = this.#process(records, batch[0]!.size)
      .then((outcome) => {
        this.#stats.finished(records.length, outcome.done.size);
        this.#commits.queue(records, outcome.done);
        if (outcome.aborted) this.#halted = true;
      })
      .catch((e: Error) => {
        // Only a record no invocation can carry gets here: stop without committing past it.
        this.#stats.finished(records.length, 0);
        this.#failure = e;
        this.#halted = true;
        this.#log("error", "event source stopped", { error: e.message });
      })
      .finally(() => {
        for (const tp of partitions) this.#busy.delete(tp);
        this.#inFlight.delete(run);
        this.#buffers.wake();
      });
    this.#inFlight.add(run);
  }

  /**
   * Starts committing what is pending unless a commit is in flight: the broker's round trip
   * overlaps the next invocation instead of preceding it (it cost a round trip per batch).
   * A commit that succeeded with more queued meanwhile is followed by the next at once; a
   * failed one is retried on the pump's next turn, as before.
   */
  #startFlush(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flushCommits().then((ok) => {
      this.#flushing = undefined;
      if (ok && this.#commits.size > 0 && !this.#stopping) this.#startFlush();
    });
  }

  async #process(
    records: RawRecord[],
    firstSize: number,
  ): Promise<{ done: ReadonlySet<RawRecord>; aborted: boolean }> {
    const deps = {
      config: this.config,
      handler: this.#handler,
      destination: this.#destination,
      sleep: (ms: number) => this.#sleep(ms),
      stopping: () => this.#stopping,
      onEvent: (e: InvokeEvent) => {
        this.#stats.onInvoke(e);
        logInvokeEvent(e, (level, message, fields) => this.#log(level, message, fields));
        this.#hooks.onInvoke?.(e);
      },
    };
    if (isOversized(records, firstSize, this.config)) {
      const r = records[0]!;
      this.#log("error", "record exceeds the invocation payload cap", {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
      });
      await divertOversized(r, firstSize, this.config, this.#destination);
      return { done: new Set(records), aborted: false };
    }
    return runBatch(records, deps);
  }

  /** Waits `ms`, or less when the event source stops, so a stop never waits out a backoff. */
  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => {});
  }

  /** Commits what is pending; false when the commit failed (kept for the next round). */
  async #flushCommits(): Promise<boolean> {
    const consumer = this.#consumer;
    if (!consumer) return false;
    try {
      const committed = await this.#commits.flush(
        (offsets) => commitConfirmed(consumer, offsets),
        this.#assigned,
      );
      for (const [tp, offset] of committed) this.#stats.committed(tp, offset);
      if (this.#commitFailures > 0) {
        this.#log("info", "offset commits resumed", { failedAttempts: this.#commitFailures });
        this.#commitFailures = 0;
      }
      return true;
    } catch (e) {
      // Kept and retried next round (e.g. during a rebalance or a broker restart). While the
      // consumer is away every round fails at once, so warn on the first failure and then
      // every 30 s rather than once per batch.
      this.#commitFailures++;
      if (this.#commitFailures === 1 || Date.now() - this.#commitWarnedAt >= 30_000) {
        this.#commitWarnedAt = Date.now();
        this.#log("warn", "offset commit failed, will retry", {
          error: (e as Error).message,
          failedAttempts: this.#commitFailures,
          pendingPartitions: this.#commits.size,
        });
      }
      return false;
    } finally {
      // kafkajs disconnects a consumer when it crashes, but a commit of ours still retrying on it
      // reconnects its client, and that connection would stay open for good (the process could not
      // exit). Once that commit is over, nothing of ours touches the network through it (kafkajs
      // refuses a commit on a crashed consumer at once): disconnect it again, once.
      if (this.#crashed.has(consumer) && !this.#retired.has(consumer)) {
        this.#retired.add(consumer);
        await consumer.disconnect().catch(() => {});
      }
    }
  }

  #resumeDrained(): void {
    for (const tp of [...this.#paused]) {
      if (this.#buffers.count(tp) >= this.#highWater() / 2) continue;
      this.#paused.delete(tp);
      const i = tp.lastIndexOf("-");
      try {
        this.#consumer?.resume([{ topic: tp.slice(0, i), partitions: [Number(tp.slice(i + 1))] }]);
      } catch {
        // kafkajs throws for a crashed consumer; its replacement starts with nothing paused.
      }
    }
  }

  /** Why the event source stopped by itself, if it did (a record that cannot be delivered at all). */
  failure(): Error | undefined {
    return this.#failure;
  }

  stats(): EventSourceStats {
    return this.#stats.snapshot(this.#buffers.count());
  }

  /** Consumer-group lag from the broker: end offsets minus committed offsets. */
  async lag(): Promise<Map<string, number>> {
    return this.#withAdmin((admin) => groupLag(admin, this.config.groupId, this.config.topics));
  }

  /** A short-lived admin client, disconnected however it ends (a failed connect can leave a connection open). */
  async #withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.#kafka.admin();
    try {
      await admin.connect();
      return await use(admin);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Graceful stop: the batch in hand finishes (retries cut short), done records are committed, the consumer leaves. */
  async stop(): Promise<void> {
    if (this.#stopping) return this.#loop;
    this.#stopping = true;
    this.#abort.abort();
    this.#buffers.wake();
    await this.#loop;
    // A replacement consumer that is still joining is waited for, then disconnected: a kafkajs
    // consumer disconnected before its run() returned goes on running (kafkajs#1639).
    await this.#replacing;
    await this.#consumer?.disconnect().catch((e: Error) => {
      this.#log("warn", "consumer disconnect failed", { error: e.message });
    });
    await this.#destination?.close();
  }

  #log(level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>): void {
    this.#hooks.log?.(level, message, fields);
  }
}
