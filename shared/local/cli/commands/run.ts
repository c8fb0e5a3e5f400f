import { setTimeout as sleep } from "node:timers/promises";
import { definePipeline } from "../../../core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../../core/pipeline/types.ts";
import { createIngestHandler } from "../../../runtime/ingest-handler.ts";
import { connectionFromEnv, hideKafkajsTimerWarning } from "../../../runtime/kafka-connection.ts";
import { ingestWriteBack } from "../../../runtime/kafka-write-back.ts";
import { openStore } from "../../../storage/open-store.ts";
import { DEFAULT_CONCURRENT_INVOCATIONS, type EventSourceOptions } from "../../event-source/config.ts";
import { KafkaEventSource } from "../../event-source/event-source.ts";
import { looksIdle, progressLine } from "../../event-source/progress.ts";
import { FILE_READ_OPTIONS } from "../../files/file-options.ts";
import { runFilesMode } from "../../files/files-mode.ts";
import { stopOnSignals } from "../../stop-signals.ts";
import { asUsage, UsageError } from "../errors.ts";
import {
  BROKERS_OPTION,
  intOption,
  LAKE_OPTIONS,
  lakeLocation,
  type OptionSpecs,
  PIPELINE_OPTION,
  parseOptions,
  pipelineOption,
  quietLambdaLogs,
  VERBOSE_OPTION,
} from "../options.ts";

export const summary =
  "run a pipeline against Kafka with Lambda's event source semantics, or over files (--files)";

export const usage =
  "usage: lakestream run [options]   |   lakestream run --files <dir | s3://bucket/prefix> [options]";

export const options = {
  files: {
    type: "string",
    value: "DIR|S3URI",
    help: "read files instead of Kafka: every file under a folder or s3://bucket/prefix once, then new ones",
  },
  ...FILE_READ_OPTIONS,
  ...BROKERS_OPTION,
  ...PIPELINE_OPTION,
  topic: {
    type: "string",
    multiple: true,
    value: "T",
    help: "topic to consume",
    fallback: "the pipeline's topics",
  },
  ...LAKE_OPTIONS,
  "until-idle": {
    type: "string",
    value: "S",
    help: "stop once no record came for S seconds and the group's lag is 0 (--files: no new file for S seconds)",
    fallback: "run until SIGINT/SIGTERM",
  },
  group: { type: "string", value: "G", help: "consumer group", fallback: "lakestream-<pipeline>" },
  "batch-size": { type: "string", value: "N", help: "most records per invocation", fallback: "1000" },
  "batch-window": {
    type: "string",
    value: "S",
    help: "seconds to gather a batch before invoking",
    fallback: "0.5",
  },
  concurrency: {
    type: "string",
    value: "N",
    help: "most invocations in flight (Kafka), one per partition at a time",
    fallback: String(DEFAULT_CONCURRENT_INVOCATIONS),
  },
  "starting-position": {
    type: "string",
    value: "POS",
    help: "where a new group starts: TRIM_HORIZON or LATEST",
    fallback: "TRIM_HORIZON",
  },
  "max-retries": {
    type: "string",
    value: "N",
    help: "retries of a failed batch before it goes to the failure destination",
    fallback: "retry until it succeeds",
  },
  "dead-letter-topic": { type: "string", value: "T", help: "failure destination: a Kafka topic" },
  "on-failure-prefix": { type: "string", value: "P", help: "failure destination: a prefix in the lake" },
  "write-back": {
    type: "string",
    value: "TOPIC",
    help: "also write every transformed row to this Kafka topic (docs/write-back.md)",
    fallback: "the definition's writeBack, if any",
  },
  "no-progress": { type: "boolean", help: "no progress lines on stderr" },
  ...VERBOSE_OPTION,
} as const satisfies OptionSpecs;

/**
 * `lakestream run [options]`: the deployed ingest handler behind the local event source: same events, same partial batch
 * responses, offsets committed only after the handler succeeded. SIGINT/SIGTERM finish the
 * batch in hand, commit and exit 0; a second signal exits at once.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  quietLambdaLogs(values.verbose);
  if (values.files !== undefined) return runFilesMode(values);
  const pipeline = await asUsage(async () =>
    withWriteBackTopic(await pipelineOption(values.pipeline), values["write-back"]),
  );
  hideKafkajsTimerWarning();
  const connection = await asUsage(() => connectionFromEnv(process.env, values.brokers));
  const store = await asUsage(() => openStore(lakeLocation(values)));
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
  const sourceOptions: EventSourceOptions = {
    connection,
    topics: values.topic ?? pipeline.source.topics,
    groupId: values.group ?? `lakestream-${pipeline.name}`,
    batchSize: intOption("batch-size", values["batch-size"], 1000),
    maxConcurrentInvocations: intOption("concurrency", values.concurrency, DEFAULT_CONCURRENT_INVOCATIONS),
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
  const esm = await asUsage(() => new KafkaEventSource(sourceOptions, handler, { log }));

  const stopping = stopOnSignals();

  const startedAt = Date.now();
  await esm.start();
  log("info", "running", {
    pipeline: pipeline.name,
    topics: sourceOptions.topics,
    group: sourceOptions.groupId,
    lake: store.url,
  });
  const tty = process.stderr.isTTY === true;
  let before = esm.stats();
  let lastPrint = Date.now();
  while (!stopping() && !esm.failure()) {
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
