import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { defaultPipeline, pipelineByName } from "../../../pipelines/index.ts";
import { FsObjectStore } from "../../../storage/fs-store.ts";
import { openStore } from "../../../storage/open-store.ts";
import { Progress } from "../../main-job/progress.ts";
import { type JobSource, runMainJob } from "../../main-job/run-main-job.ts";
import { DEFAULT_START_MS } from "../../sample-records.ts";
import { UsageError } from "../errors.ts";
import { intOption, LAKE_OPTIONS, lakeLocation, parseOptions, quietLambdaLogs } from "../options.ts";

export const summary =
  "the main job: sample (or Kafka) records → ingest → state machine → lake + HTML report";

export const usage =
  "usage: lakestream start [--lake DIR | --bucket B --s3-endpoint URL] [--pipeline P] [--records N] [--hours H] [--batch-size N] [--bad-every N] [--late-every N] [--too-late-every N] [--brokers LIST [--topic T]... [--group G] [--until-idle S]] [--now ISO] [--lateness MIN] [--fresh] [--no-report] [--no-progress] [--verbose]";

/**
 * `lakestream start [--lake DIR | --bucket B --s3-endpoint URL] [--pipeline P] [--records N]
 * [--hours H] [--batch-size N] [--bad-every N] [--late-every N] [--too-late-every N]
 * [--brokers LIST [--topic T]... [--group G] [--until-idle S]] [--now ISO] [--lateness MIN] [--fresh]
 * [--no-report] [--no-progress] [--verbose]`
 *
 * Runs a pipeline end to end on embedded defaults (FsObjectStore at ./lake): generated
 * clickstream records (some broken, some late, some too late, over several hours of event
 * time), fed to the ingest handler as Lambda-shaped batches, then the deployed state machine
 * executed locally (plan → compact and aggregate per partition → publish). Progress goes to
 * stderr; stdout gets a one-line JSON summary; the HTML report is written into the lake.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, {
    pipeline: { type: "string" },
    records: { type: "string" },
    hours: { type: "string" },
    "batch-size": { type: "string" },
    "bad-every": { type: "string" },
    "late-every": { type: "string" },
    "too-late-every": { type: "string" },
    brokers: { type: "string" },
    topic: { type: "string", multiple: true },
    group: { type: "string" },
    "until-idle": { type: "string" },
    now: { type: "string" },
    lateness: { type: "string" },
    fresh: { type: "boolean" },
    "no-report": { type: "boolean" },
    "no-progress": { type: "boolean" },
    verbose: { type: "boolean" },
    ...LAKE_OPTIONS,
  });
  quietLambdaLogs(values.verbose);
  const pipeline = pipelineByName(values.pipeline ?? defaultPipeline, "--pipeline");
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
  });
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
