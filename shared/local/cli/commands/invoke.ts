import { readFile } from "node:fs/promises";
import { EventShapeError } from "../../../core/errors.ts";
import { decodeKafkaEvent } from "../../../core/kafka-decode.ts";
import { createIngestHandler } from "../../../runtime/ingest-handler.ts";
import { openStore } from "../../../storage/open-store.ts";
import { lambdaLikeContext } from "../../lambda-context.ts";
import { UsageError } from "../errors.ts";
import {
  LAKE_OPTIONS,
  lakeLocation,
  type OptionSpecs,
  PIPELINE_OPTION,
  parseOptions,
  pipelineOption,
  quietLambdaLogs,
  VERBOSE_OPTION,
} from "../options.ts";

export const summary = "run a function's real handler on an event file (ingest)";

export const usage = "usage: lakestream invoke ingest --event FILE [options]";

export const options = {
  event: {
    type: "string",
    value: "FILE",
    help: "a Lambda Kafka event (lakestream events writes one); required",
  },
  ...PIPELINE_OPTION,
  ...LAKE_OPTIONS,
  ...VERBOSE_OPTION,
} as const satisfies OptionSpecs;

/**
 * `lakestream invoke ingest --event FILE [--pipeline NAME] [--lake DIR | --bucket B
 * --s3-endpoint URL] [--verbose]`: the deployed handler code, a Lambda-like context, one
 * JSON summary line on stdout. The event is checked in full before anything is written,
 * so a malformed file writes nothing.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, options, true);
  const [fn, ...extra] = positionals;
  if (fn !== "ingest" || extra.length > 0) throw new UsageError(usage);
  if (!values.event) throw new UsageError("--event <file> is required");
  quietLambdaLogs(values.verbose);

  const event = await readEventFile(values.event);
  const batches = decodeKafkaEvent(event, { strictBase64: true });
  const pipeline = await pipelineOption(values.pipeline);
  // The event source mapping only ever sends the pipeline's topics; an event file may hold any.
  for (const b of batches) {
    if (!pipeline.source.topics.includes(b.topic)) {
      throw new EventShapeError(
        `event.records["${b.topic}-${b.partition}"]`,
        `topic "${b.topic}" is not a source topic of pipeline ${pipeline.name} (${pipeline.source.topics.join(", ")})`,
      );
    }
  }
  const store = openStore(lakeLocation(values));
  const handler = createIngestHandler({ pipeline, store });
  const started = performance.now();
  const response = await handler(event, lambdaLikeContext(`lakestream-${pipeline.name}-ingest`));
  const s = handler.lastSummary()!;
  const line = {
    recordsIn: s.recordsIn,
    rowsWritten: s.rowsWritten,
    quarantined: s.quarantined,
    filtered: s.filtered,
    files: s.files.map((f) => f.key),
    quarantineFiles: s.quarantineFiles,
    batchItemFailures: response.batchItemFailures,
    lake: store.url,
    ms: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (response.batchItemFailures.length === 0) return 0;
  process.stderr.write(
    `lakestream: the batch hit a transient failure; Lambda would retry it from the offsets in batchItemFailures (${handler.lastFailure() ?? "no reason given"})\n`,
  );
  return 1;
}

async function readEventFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read --event ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EventShapeError(path, `not valid JSON (${(e as Error).message})`);
  }
}
