import type { SourceObject } from "../../../core/files/file-source.ts";
import { hivePartitionValues, pathTimeSpan } from "../../../core/files/path-partitions.ts";
import { defaultRunId, runDocumentKey } from "../../../core/stages/stage-io.ts";
import type { RunRecord } from "../../../runtime/stages/run-record.ts";
import { readJson } from "../../../runtime/stages/stage-deps.ts";
import { FILE_READ_OPTIONS, fileReadSettings, openLakeAndSource } from "../../files/file-options.ts";
import { runFiles } from "../../files/run-files.ts";
import { Progress } from "../../main-job/progress.ts";
import { runStages } from "../../main-job/run-stages.ts";
import { UsageError } from "../errors.ts";
import {
  LAKE_OPTIONS,
  type OptionSpecs,
  PIPELINE_OPTION,
  parseOptions,
  pipelineOption,
  quietLambdaLogs,
  VERBOSE_OPTION,
} from "../options.ts";

export const summary = "run a dataset of files (Spark, Hive, Flink output) through a pipeline and publish it";

export const usage = "usage: lakestream backfill --from <dir | s3://bucket/prefix> [options]";

export const options = {
  from: {
    type: "string",
    value: "DIR|S3URI",
    help: "the dataset: a folder or s3://bucket/prefix of JSON-lines, CSV, text or Parquet files",
  },
  since: {
    type: "string",
    value: "ISO",
    help: "only files in partition folders (dt=…/hour=…) from this time on, and publish from here",
    fallback: "everything",
  },
  until: { type: "string", value: "ISO", help: "…and before this time (exclusive)", fallback: "everything" },
  ...FILE_READ_OPTIONS,
  ...PIPELINE_OPTION,
  ...LAKE_OPTIONS,
  now: {
    type: "string",
    value: "ISO",
    help: "the run's logical time (which windows are closed)",
    fallback: "now",
  },
  "no-progress": { type: "boolean", help: "no progress lines on stderr" },
  ...VERBOSE_OPTION,
} as const satisfies OptionSpecs;

/**
 * `lakestream backfill --from <dataset>`: reads every file of a dataset that Spark, Hive or Flink
 * wrote (Hive partition folders, `hour=6` or `hour=06`, INT96 or millisecond or microsecond
 * timestamps, missing nullable columns) through the pipeline's transform into the lake, with the
 * file source's exactly-once rules, then runs the stages to publish. A file that cannot be read
 * (or whose columns cannot be mapped) is quarantined whole, naming the file and the column; the
 * rest goes on. Running it again changes nothing.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  quietLambdaLogs(values.verbose);
  if (values.from === undefined)
    throw new UsageError("give the dataset with --from <dir | s3://bucket/prefix>");
  const time = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new UsageError(`--${flag} must be an ISO-8601 time, got "${v}"`);
    return t;
  };
  const since = time("since", values.since);
  const until = time("until", values.until);
  if (since !== undefined && until !== undefined && since >= until)
    throw new UsageError("--since must be before --until");
  const now = time("now", values.now) ?? Date.now();
  const pipeline = await pipelineOption(values.pipeline);
  const settings = fileReadSettings(values, pipeline);
  const { store, source } = await openLakeAndSource(values, values.from, "--from");
  const inRange = (o: SourceObject) => {
    const span = pathTimeSpan(hivePartitionValues(o.path));
    if (!span) return true;
    return (since === undefined || span.end > since) && (until === undefined || span.start < until);
  };
  const progress = !values["no-progress"];
  const files = await runFiles({ pipeline, store, source, settings, once: true, filter: inRange, progress });
  const ranged = since !== undefined || until !== undefined;
  const range = ranged ? { start: since ?? 0, end: until ?? now } : undefined;
  // Named by time and range as a scheduled run is: the same backfill again is the same run.
  const runId = defaultRunId(ranged ? "backfill" : "manual", now, range);
  const stages = await runStages({
    deps: { pipeline, store },
    input: {
      pipeline: pipeline.name,
      trigger: ranged ? "backfill" : "manual",
      now: new Date(now).toISOString(),
      runId,
      ...(range ? { from: new Date(range.start).toISOString(), to: new Date(range.end).toISOString() } : {}),
    },
    executionName: runId,
    progress: new Progress(process.stderr, progress),
  });
  const record =
    stages.status === "SUCCEEDED"
      ? await readJson<RunRecord>(store, runDocumentKey(pipeline.name, runId, "run.json"))
      : undefined;
  const line = {
    ...files,
    status: stages.status,
    runId,
    partitions: record?.stages.plan.scheduled ?? 0,
    published: record?.stages.compact.rowsOut ?? 0,
    ...(stages.status === "FAILED"
      ? { stage: stages.stage ?? null, error: stages.error, cause: stages.cause }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return stages.status === "SUCCEEDED" ? 0 : 1;
}
