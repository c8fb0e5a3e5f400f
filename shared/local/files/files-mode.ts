import { openStore } from "../../storage/open-store.ts";
import { asUsage, UsageError } from "../cli/errors.ts";
import { lakeLocation, pipelineOption } from "../cli/options.ts";
import { fileReadSettings, openSourceFiles } from "./file-options.ts";
import { runFiles } from "./run-files.ts";

/** The flags of `run` that the files mode reads (and the Kafka ones it refuses). */
export interface FilesModeValues {
  files?: string;
  pipeline?: string;
  format?: string;
  "csv-delimiter"?: string;
  "csv-quote"?: string;
  "csv-escape"?: string;
  "csv-no-header"?: boolean;
  "unit-mib"?: string;
  lake?: string;
  bucket?: string;
  "s3-endpoint"?: string;
  "until-idle"?: string;
  "no-progress"?: boolean;
  brokers?: string;
  topic?: string[];
  group?: string;
  "starting-position"?: string;
  "dead-letter-topic"?: string;
  "write-back"?: string;
}

/** `run --files`: the file source in place of Kafka; stdout gets the JSON summary. */
export async function runFilesMode(values: FilesModeValues): Promise<number> {
  const kafkaOnly = [
    "brokers",
    "topic",
    "group",
    "starting-position",
    "dead-letter-topic",
    "write-back",
  ] as const;
  const given = kafkaOnly.find((k) => values[k] !== undefined);
  if (given) throw new UsageError(`--${given} is for Kafka; it does not go with --files`);
  const pipeline = await pipelineOption(values.pipeline);
  const settings = fileReadSettings(values, pipeline);
  const fromS3 = /^s3a?:\/\//.test(values.files!);
  // An S3 endpoint serves an s3:// source even when the lake is a folder.
  const lakeValues = fromS3 && values.bucket === undefined ? { ...values, "s3-endpoint": undefined } : values;
  const store = await asUsage(() => openStore(lakeLocation(lakeValues)));
  const source = await asUsage(() => openSourceFiles(values.files!, "--files", values["s3-endpoint"]));
  const idleSeconds = values["until-idle"] === undefined ? undefined : Number(values["until-idle"]);
  if (idleSeconds !== undefined && !(idleSeconds > 0))
    throw new UsageError("--until-idle must be a number of seconds > 0");
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const result = await runFiles({
    pipeline,
    store,
    source,
    settings,
    ...(idleSeconds === undefined ? {} : { idleMs: idleSeconds * 1000 }),
    progress: !values["no-progress"],
    stopped: () => stopping,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
