import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { avroSchema } from "../../../core/schema-export/avro-schema.ts";
import { jsonSchema } from "../../../core/schema-export/json-schema.ts";
import { type SqlFormat, sqlDdl } from "../../../core/schema-export/sql-ddl.ts";
import { tableShape } from "../../../core/schema-export/table-shape.ts";
import { asUsage, UsageError } from "../errors.ts";
import { type OptionSpecs, PIPELINE_OPTION, parseOptions, pipelineOption } from "../options.ts";

export const summary = "print a table's (or write-back topic's) schema: Avro, JSON Schema or SQL DDL";

const FORMATS = ["avro", "json-schema", "flink-sql", "spark-sql", "hive-ddl", "athena"] as const;

export const usage = "usage: lakestream schema --format F [options]";

export const options = {
  ...PIPELINE_OPTION,
  table: { type: "string", value: "T", help: "a gold table of the pipeline", fallback: "the events table" },
  "write-back": { type: "boolean", help: "the messages of the write-back topic instead of a table" },
  format: { type: "string", value: "F", help: `one of ${FORMATS.join(", ")}` },
  location: {
    type: "string",
    value: "URI",
    help: "where the DDL formats say the files are",
    fallback: "the table's folder in --lake or --bucket",
  },
  lake: { type: "string", value: "DIR", help: "lake folder the default location is in", fallback: "./lake" },
  bucket: { type: "string", value: "B", help: "lake bucket the default location is in" },
  brokers: {
    type: "string",
    value: "LIST",
    help: "brokers in a write-back Flink table",
    fallback: "LAKESTREAM_KAFKA_BROKERS or 127.0.0.1:9092",
  },
  topic: { type: "string", value: "T", help: "the write-back topic", fallback: "the definition's" },
} as const satisfies OptionSpecs;

/**
 * `lakestream schema --format F [options]`:
 * Prints the schema of the events table (default) or a gold table, or with `--write-back` of
 * the messages its write-back topic carries, from the pipeline definition and the code that
 * writes them. DDL formats describe the Hive-layout files at `--location` (default: the table's
 * folder in `--lake` (./lake) or `--bucket`); `--brokers` and `--topic` go into a write-back Flink table.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  const format = values.format;
  if (!format || !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}${format ? `, got "${format}"` : ""}`);
  }
  if (values.lake !== undefined && values.bucket !== undefined)
    throw new UsageError("give either --lake <dir> or --bucket <name>, not both");
  const pipeline = await pipelineOption(values.pipeline);
  let shape = await asUsage(() =>
    tableShape(pipeline, {
      ...(values.table ? { table: values.table } : {}),
      writeBack: values["write-back"] === true,
    }),
  );
  // The write-back topic given to `run --write-back`, when the definition names none (or another).
  if (values.topic !== undefined) shape = { ...shape, topic: values.topic };
  let text: string;
  if (format === "avro") text = JSON.stringify(avroSchema(shape), null, 2);
  else if (format === "json-schema") text = JSON.stringify(jsonSchema(shape), null, 2);
  else {
    const location =
      values.location ??
      (values.bucket !== undefined
        ? `s3://${values.bucket}/${shape.path}`
        : pathToFileURL(resolve(values.lake ?? "./lake", shape.path)).href);
    text = await asUsage(() =>
      sqlDdl(shape, format as SqlFormat, {
        location,
        fileFormat: pipeline.sink.format,
        brokers: values.brokers ?? process.env.LAKESTREAM_KAFKA_BROKERS ?? "127.0.0.1:9092",
        projectionStartDate: "2020-01-01",
      }),
    );
  }
  process.stdout.write(`${text}\n`);
  return 0;
}
