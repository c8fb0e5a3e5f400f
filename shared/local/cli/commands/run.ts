import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "../../../core/errors.ts";
import { definePipeline } from "../../../core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../../core/pipeline/types.ts";
import { defaultPipeline, pipelineByName } from "../../../pipelines/index.ts";
import { createIngestHandler } from "../../../runtime/ingest-handler.ts";
import { connectionFromEnv, hideKafkajsTimerWarning } from "../../../runtime/kafka-connection.ts";
import { ingestWriteBack } from "../../../runtime/kafka-write-back.ts";
import { openStore } from "../../../storage/open-store.ts";
import type { EventSourceOptions } from "../../event-source/config.ts";
import { KafkaEventSource } from "../../event-source/event-source.ts";
import { looksIdle, progressLine } from "../../event-source/progress.ts";
import { UsageError } from "../errors.ts";
import { intOption, LAKE_OPTIONS, lakeLocation, parseOptions, quietLambdaLogs } from "../options.ts";

export const summary = "run a pipeline against Kafka with Lambda's event source semantics";

/**
 * `lakestream run [--brokers L] [--pipeline P] [--topic T]... [--lake DIR | --bucket B
 * --s3-endpoint URL] [--until-idle S] [--group G] [--batch-size N] [--batch-window S]
 * [--starting-position TRIM_HORIZON|LATEST] [--max-retries N] [--dead-letter-topic T |
 * --on-failure-prefix P] [--write-back TOPIC] [--no-progress] [--verbose]`
 *
 * The deployed ingest handler behind the local event source: same events, same partial batch
 * responses, offsets committed only after the handler succeeded. SIGINT/SIGTERM finish the
 * batch in hand, commit and exit 0; a second signal exits at once.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, {
    brokers: { type: "string" },
    pipeline: { type: "string" },
    topic: { type: "string", multiple: true },
    "until-idle": { type: "string" },
    group: { type: "string" },
    "batch-size": { type: "string" },
    "batch-window": { type: "string" },
    "starting-position": { type: "string" },
    "max-retries": { type: "string" },
    "dead-letter-topic": { type: "string" },
    "on-failure-prefix": { type: "string" },
    "write-back": { type: "string" },
    "no-progress": { type: "boolean" },
    verbose: { type: "boolean" },
    ...LAKE_OPTIONS,
  });
  quietLambdaLogs(values.verbose);
  const pipeline = asUsage(() =>
    withWriteBackTopic(
      pipelineByName(values.pipeline ?? defaultPipeline, "--pipeline"),
      values["write-back"],
    ),
  );
  hideKafkajsTimerWarning();
  const connection = asUsage(() => connectionFromEnv(process.env, values.brokers));
  const store = asUsage(() => openStore(lakeLocation(values)));
  const idleSeconds = values["until-idle"] === undefined ? undefined : Number(values["until-idle"]);
  if (idleSeconds !== undefined && !(idleSeconds > 0))
    throw new UsageError("--until-idle must be a number of seconds > 0");
  const windowSeconds = values["batch-window"] === undefined ? 0.5 : Number(values["batch-window"]);
  const position = values["starting-position"] ?? "TRIM_HORIZON";
  if (position !== "TRIM_HORIZON" && position !== "LATEST") {
    throw new UsageError(`--starting-position must be TRIM_HORIZON or LATEST, got "${position}"`);
  }
  if (values["dead-letter-topic"] && values["on-failure-prefix"]) {
    throw new UsageError("give either --dead-letter-topic or --on-failure-prefix, not both");
  }
  const writeBack = ingestWriteBack(pipeline, connection, values.topic ?? pipeline.source.topics);
  const handler = createIngestHandler({ pipeline, store, ...(writeBack ? { writeBack } : {}) });
  const options: EventSourceOptions = {
    connection,
    topics: values.topic ?? pipeline.source.topics,
    groupId: values.group ?? `lakestream-${pipeline.name}`,
    batchSize: intOption("batch-size", values["batch-size"], 1000),
    maximumBatchingWindowInSeconds: windowSeconds,
    startingPosition: position,
    maximumRetryAttempts:
      values["max-retries"] === undefined ? -1 : intOption("max-retries", values["max-retries"], 0, 0),
    // The ingest quarantines bad records itself and reports transient failures per partition.
    reportBatchItemFailures: true,
    ...(values["dead-letter-topic"]
      ? { onFailure: { type: "kafka", topic: values["dead-letter-topic"] } }
      : {}),
    ...(values["on-failure-prefix"]
      ? { onFailure: { type: "store", store, prefix: values["on-failure-prefix"] } }
      : {}),
  };
  const log = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (level !== "info" || values.verbose) {
      process.stderr.write(
        `${JSON.stringify({ level, message, ...fields, timestamp: new Date().toISOString() })}\n`,
      );
    }
  };
  const esm = asUsage(() => new KafkaEventSource(options, handler, { log }));

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const startedAt = Date.now();
  await esm.start();
  log("info", "running", {
    pipeline: pipeline.name,
    topics: options.topics,
    group: options.groupId,
    lake: store.url,
  });
  const tty = process.stderr.isTTY === true;
  let before = esm.stats();
  let lastPrint = Date.now();
  while (!stopping && !esm.failure()) {
    await sleep(1_000);
    const now = esm.stats();
    if (!values["no-progress"] && (tty || Date.now() - lastPrint >= 5_000)) {
      const line = progressLine(now, before, (Date.now() - lastPrint) / 1000);
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      before = now;
      lastPrint = Date.now();
    }
    if (idleSeconds !== undefined && looksIdle(now, startedAt, idleSeconds * 1000)) {
      const lag = await esm.lag().catch(() => undefined);
      if (lag && [...lag.values()].every((n) => n === 0)) break;
    }
  }
  if (tty && !values["no-progress"]) process.stderr.write("\n");
  await esm.stop();
  await writeBack?.disconnect();
  const s = esm.stats();
  const result = {
    pipeline: pipeline.name,
    records: s.recordsDone,
    invocations: s.invocations,
    failedInvocations: s.failedInvocations,
    retries: s.retries,
    deadLettered: s.toDestination,
    lake: store.url,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const failure = esm.failure();
  if (failure) {
    process.stderr.write(`lakestream: ${failure.name}: ${failure.message}\n`);
    return 1;
  }
  return 0;
}

/**
 * `--write-back TOPIC`: the pipeline with its rows also written to TOPIC (docs/write-back.md),
 * keeping the definition's other write-back settings; validated as the definition would be.
 */
export function withWriteBackTopic(pipeline: Pipeline, topic: string | undefined): Pipeline {
  if (topic === undefined) return pipeline;
  return definePipeline({ ...pipeline, writeBack: { ...pipeline.writeBack, topic } } as never);
}

/** A setting that came from a flag and is wrong is a usage error (exit 2), named as the library names it. */
export function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}
