import { UsageError } from "../cli/errors.ts";
import { pipelineOption } from "../cli/options.ts";
import { stopOnSignals } from "../stop-signals.ts";
import { type FileReadValues, fileReadSettings, openLakeAndSource } from "./file-options.ts";
import { runFiles } from "./run-files.ts";

/** The flags of `run` that the files mode reads (and the Kafka ones it refuses). */
export interface FilesModeValues extends FileReadValues {
  files?: string;
  pipeline?: string;
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
  const { store, source } = await openLakeAndSource(values, values.files!, "--files");
  const idleSeconds = values["until-idle"] === undefined ? undefined : Number(values["until-idle"]);
  if (idleSeconds !== undefined && !(idleSeconds > 0))
    throw new UsageError("--until-idle must be a number of seconds > 0");
  const stopping = stopOnSignals();
  const result = await runFiles({
    pipeline,
    store,
    source,
    settings,
    ...(idleSeconds === undefined ? {} : { idleMs: idleSeconds * 1000 }),
    progress: !values["no-progress"],
    stopped: stopping,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
