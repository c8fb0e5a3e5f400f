import { setTimeout as sleep } from "node:timers/promises";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { IngestHandler } from "../../runtime/ingest-handler.ts";
import { connectionFromEnv, hideKafkajsTimerWarning } from "../../runtime/kafka-connection.ts";
import { KafkaEventSource } from "../event-source/event-source.ts";
import { looksIdle } from "../event-source/progress.ts";
import type { IngestTally } from "./feed.ts";
import type { Progress } from "./progress.ts";

export interface KafkaSourceOptions {
  readonly brokers: string;
  readonly batchSize: number;
  /** Stop once nothing arrived for this long and the group's lag is 0. */
  readonly idleSeconds: number;
  readonly group?: string;
  /** Defaults to the pipeline's topics. */
  readonly topics?: readonly string[];
}

/**
 * Reads the pipeline's topics with the local event source (Lambda's event source mapping
 * semantics) until the topics are drained, feeding the ingest handler.
 */
export async function consumeKafka(
  pipeline: Pipeline,
  handler: IngestHandler,
  o: KafkaSourceOptions,
  progress: Progress,
  tally: IngestTally,
): Promise<void> {
  hideKafkajsTimerWarning();
  const counted = async (event: Parameters<IngestHandler>[0], context: Parameters<IngestHandler>[1]) => {
    const t0 = performance.now();
    const response = await handler(event, context);
    tally.add(handler, response.batchItemFailures.length, performance.now() - t0);
    progress.update(tally.totals.recordsIn, `${tally.totals.invocations} invocations`);
    return response;
  };
  const source = new KafkaEventSource(
    {
      connection: connectionFromEnv(process.env, o.brokers),
      topics: [...(o.topics ?? pipeline.source.topics)],
      groupId: o.group ?? `lakestream-${pipeline.name}-start`,
      batchSize: o.batchSize,
      maximumBatchingWindowInSeconds: 0.5,
      startingPosition: "TRIM_HORIZON",
      maximumRetryAttempts: -1,
      reportBatchItemFailures: true,
      // The tally reads the handler's last summary and counts commit writes between two
      // invocations, which holds only with one invocation at a time.
      maxConcurrentInvocations: 1,
    },
    counted,
  );
  progress.start("kafka", 1);
  const startedAt = Date.now();
  await source.start();
  try {
    for (;;) {
      await sleep(500);
      const stats = source.stats();
      progress.update(0, `${stats.recordsDone} records read`);
      if (!looksIdle(stats, startedAt, o.idleSeconds * 1000)) continue;
      const lag = await source.lag().catch(() => undefined);
      if (lag && [...lag.values()].every((n) => n === 0)) break;
    }
  } finally {
    await source.stop();
  }
  progress.finish(
    `${tally.totals.recordsIn} records in ${tally.totals.invocations} invocations from ${o.brokers}`,
  );
}
