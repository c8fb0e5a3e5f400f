import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { connectionFromEnv } from "../../../runtime/kafka-connection.ts";
import { ingestWriteBack } from "../../../runtime/kafka-write-back.ts";
import { FsObjectStore } from "../../../storage/fs-store.ts";
import { openStore } from "../../../storage/open-store.ts";
import { Progress } from "../../main-job/progress.ts";
import { type JobSource, runMainJob } from "../../main-job/run-main-job.ts";
import { DEFAULT_START_MS } from "../../sample-records.ts";
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
import { withWriteBackTopic } from "./run.ts";

export const summary =
  "the main job: sample (or Kafka) records → ingest → state machine → lake + HTML report";

export const usage = "usage: lakestream start [options]";

export const options = {
  ...LAKE_OPTIONS,
  ...PIPELINE_OPTION,
  records: { type: "string", value: "N", help: "sample records to generate", fallback: "20000" },
  hours: { type: "string", value: "H", help: "hours of event time they span", fallback: "6" },
  "batch-size": { type: "string", value: "N", help: "records per ingest invocation", fallback: "500" },
  "bad-every": { type: "string", value: "N", help: "every N-th sample record is broken", fallback: "97" },
  "late-every": {
    type: "string",
    value: "N",
    help: "every N-th arrives late (within the lateness)",
    fallback: "53",
  },
  "too-late-every": { type: "string", value: "N", help: "every N-th arrives too late", fallback: "211" },
  brokers: {
    ...BROKERS_OPTION.brokers,
    help: "read records from Kafka instead of generating them",
    fallback: "generate",
  },
  topic: {
    type: "string",
    multiple: true,
    value: "T",
    help: "with --brokers: topic to read",
    fallback: "the pipeline's topics",
  },
  group: {
    type: "string",
    value: "G",
    help: "with --brokers: consumer group",
    fallback: "lakestream-<pipeline>",
  },
  "until-idle": {
    type: "string",
    value: "S",
    help: "with --brokers: stop after S seconds without records",
    fallback: "3",
  },
  "write-back": {
    type: "string",
    value: "TOPIC",
    help: "also write every transformed row to this Kafka topic (docs/write-back.md)",
    fallback: "with --brokers, the definition's writeBack",
  },
  now: {
    type: "string",
    value: "ISO",
    help: "the run's logical time",
    fallback: "just after the last record (Kafka: now)",
  },
  lateness: { type: "string", value: "MIN", help: "allowed lateness in minutes", fallback: "the pipeline's" },
  fresh: { type: "boolean", help: "empty the --lake folder first" },
  "no-report": { type: "boolean", help: "skip the HTML report" },
  "no-progress": { type: "boolean", help: "no progress lines on stderr" },
  ...VERBOSE_OPTION,
} as const satisfies OptionSpecs;

/**
 * `lakestream start [options]`:
 * Runs a pipeline end to end on embedded defaults (FsObjectStore at ./lake): generated
 * clickstream records (some broken, some late, some too late, over several hours of event
 * time), fed to the ingest handler as Lambda-shaped batches, then the deployed state machine
 * executed locally (plan → compact and aggregate per partition → publish). Rows are written back
 * to Kafka with `--write-back TOPIC`, or to the definition's topic when reading `--brokers`.
 * Progress goes to stderr; stdout gets a one-line JSON summary; the HTML report is written into
 * the lake.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  quietLambdaLogs(values.verbose);
  const pipeline = await asUsage(async () =>
    withWriteBackTopic(await pipelineOption(values.pipeline), values["write-back"]),
  );
  const location = lakeLocation(values);
  const now = values.now === undefined ? undefined : Date.parse(values.now);
  if (now !== undefined && Number.isNaN(now))
    throw new UsageError(`--now must be an ISO-8601 time, got "${values.now}"`);
  if (values.fresh) {
    if (!("lake" in location) || location.lake === undefined)
      throw new UsageError("--fresh only empties a --lake folder");
    await rm(location.lake, { recursive: true, force: true });
  }
  const store = "lake" in location ? new FsObjectStore(location.lake ?? "./lake") : openStore(location);
  const batchSize = intOption("batch-size", values["batch-size"], 500);
  const source: JobSource = values.brokers
    ? {
        kind: "kafka",
        brokers: values.brokers,
        batchSize,
        idleSeconds: values["until-idle"] === undefined ? 3 : Number(values["until-idle"]),
        ...(values.topic ? { topics: values.topic } : {}),
        ...(values.group ? { group: values.group } : {}),
      }
    : {
        kind: "generator",
        batchSize,
        stream: {
          records: intOption("records", values.records, 20_000),
          hours: intOption("hours", values.hours, 6),
          startMs: DEFAULT_START_MS,
          topic: pipeline.source.topics[0]!,
          badEvery: intOption("bad-every", values["bad-every"], 97),
          lateEvery: intOption("late-every", values["late-every"], 53),
          tooLateEvery: intOption("too-late-every", values["too-late-every"], 211),
        },
      };
  // Generated records need no broker, so a declared write-back is used only with --brokers.
  const writeBack =
    values["write-back"] !== undefined || values.brokers !== undefined
      ? ingestWriteBack(
          pipeline,
          await asUsage(() => connectionFromEnv(process.env, values.brokers)),
          values.topic ?? pipeline.source.topics,
        )
      : undefined;
  const progress = new Progress(process.stderr, !values["no-progress"]);
  const result = await runMainJob({
    pipeline,
    store,
    source,
    ...(now === undefined ? {} : { now }),
    progress,
    report: !values["no-report"],
    ...(values.lateness === undefined
      ? {}
      : { allowedLatenessMinutes: intOption("lateness", values.lateness, 0, 0) }),
    ...(writeBack ? { writeBack } : {}),
  }).finally(() => writeBack?.disconnect());
  const r = result.runRecord?.stages;
  const reportPath =
    result.reportKey && store instanceof FsObjectStore
      ? fileURLToPath(new URL(result.reportKey, `${store.url}/`))
      : result.reportKey;
  const line = {
    pipeline: pipeline.name,
    status: result.run.status,
    runId: result.runId,
    records: result.ingest.recordsIn,
    replays: result.ingest.replays,
    rowsWritten: result.ingest.rowsWritten,
    quarantined: result.ingest.quarantined,
    filtered: result.ingest.filtered,
    partitions: r?.plan.scheduled ?? 0,
    rawFiles: r?.compact.filesIn ?? 0,
    compactedFiles: r?.compact.filesOut ?? 0,
    duplicates: r?.compact.duplicates ?? 0,
    keyDuplicates: r?.compact.keyDuplicates ?? 0,
    goldRows: Object.fromEntries(Object.entries(r?.aggregate.tables ?? {}).map(([t, s]) => [t, s.rows])),
    late: Object.values(r?.aggregate.tables ?? {}).reduce((n, s) => n + s.late, 0),
    seconds: Math.round(result.durationMs / 100) / 10,
    lake: store.url,
    ...(reportPath ? { report: reportPath } : {}),
    ...(result.run.status === "FAILED"
      ? { stage: result.run.stage ?? null, error: result.run.error, cause: result.run.cause }
      : {}),
  };
  if (!values["no-progress"] && reportPath) process.stderr.write(`report: ${reportPath}\n`);
  if (result.run.status === "FAILED") {
    process.stderr.write(
      `lakestream: the run failed${result.run.stage ? ` in stage ${result.run.stage}` : ""} (${result.run.error}: ${result.run.cause}). ` +
        "Run the same command again to complete it: replayed batches write nothing new, and the stages publish what is not published yet.\n",
    );
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return result.run.status === "SUCCEEDED" ? 0 : 1;
}
