import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Pipeline } from "../../../core/pipeline/types.ts";
import { avroSchema } from "../../../core/schema-export/avro-schema.ts";
import { type IcebergCatalogRef, icebergDdl, icebergShape } from "../../../core/schema-export/iceberg-ddl.ts";
import { jsonSchema } from "../../../core/schema-export/json-schema.ts";
import { type SqlFormat, sqlDdl } from "../../../core/schema-export/sql-ddl.ts";
import { tableShape } from "../../../core/schema-export/table-shape.ts";
import { DEFAULT_NAMESPACE } from "../../../runtime/stages/stage-deps.ts";
import { asUsage, UsageError } from "../errors.ts";
import {
  type OptionSpecs,
  type OptionValues,
  PIPELINE_OPTION,
  parseOptions,
  pipelineOption,
} from "../options.ts";

export const summary = "print a table's (or write-back topic's) schema: Avro, JSON Schema or SQL DDL";

const FORMATS = ["avro", "json-schema", "flink-sql", "spark-sql", "hive-ddl", "athena"] as const;

export const usage = "usage: lakestream schema --format F [options]";

export const options = {
  ...PIPELINE_OPTION,
  table: { type: "string", value: "T", help: "a gold table of the pipeline", fallback: "the events table" },
  raw: {
    type: "boolean",
    help: "the events table's raw landing files (Hive layout) instead of its published Iceberg table",
  },
  "write-back": { type: "boolean", help: "the messages of the write-back topic instead of a table" },
  format: { type: "string", value: "F", help: `one of ${FORMATS.join(", ")}` },
  location: {
    type: "string",
    value: "URI",
    help: "where the DDL formats say Hive-layout files are",
    fallback: "the table's folder in --lake or --bucket",
  },
  lake: { type: "string", value: "DIR", help: "lake folder the default location is in", fallback: "./lake" },
  bucket: { type: "string", value: "B", help: "lake bucket the default location is in" },
  warehouse: {
    type: "string",
    value: "URI",
    help: "Iceberg tables: the catalog's warehouse",
    fallback: "<lake>/warehouse, or s3a://<bucket>/warehouse",
  },
  "catalog-uri": {
    type: "string",
    value: "URI",
    help: "Iceberg tables: an Iceberg REST catalog instead of the Hadoop catalog over the warehouse",
  },
  "catalog-name": {
    type: "string",
    value: "C",
    help: "Iceberg tables: the catalog's name in the session",
    fallback: "lake",
  },
  namespace: {
    type: "string",
    value: "NS",
    help: "Iceberg tables: the tables' namespace",
    fallback: DEFAULT_NAMESPACE,
  },
  brokers: {
    type: "string",
    value: "LIST",
    help: "brokers in a write-back Flink table",
    fallback: "LAKESTREAM_KAFKA_BROKERS or 127.0.0.1:9092",
  },
  topic: { type: "string", value: "T", help: "the write-back topic", fallback: "the definition's" },
} as const satisfies OptionSpecs;

type Values = OptionValues<typeof options>;

/**
 * `lakestream schema --format F [options]`:
 * Prints the schema of the events table (default) or a gold table, or with `--write-back` of
 * the messages its write-back topic carries, from the pipeline definition and the code that
 * writes them. For a pipeline publishing Iceberg tables, flink-sql and spark-sql print how to
 * read the table through an Iceberg catalog (a Hadoop catalog over `<lake>/warehouse`, or
 * `--catalog-uri`); `--raw` and Hive-layout pipelines get DDL over the Hive-layout files at
 * `--location` (default: the table's folder in `--lake` (./lake) or `--bucket`).
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  const format = values.format;
  if (!format || !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}${format ? `, got "${format}"` : ""}`);
  }
  if (values.lake !== undefined && values.bucket !== undefined)
    throw new UsageError("give either --lake <dir> or --bucket <name>, not both");
  if (values.raw && values["write-back"]) throw new UsageError("give either --raw or --write-back, not both");
  const pipeline = await pipelineOption(values.pipeline);
  if (values.raw && values.table !== undefined && values.table !== pipeline.sink.table) {
    throw new UsageError(
      `--raw: only the events table ${pipeline.sink.table} has raw landing files; ${values.table} is published only`,
    );
  }
  const iceberg = pipeline.sink.tableFormat === "iceberg" && !values.raw && !values["write-back"];
  const sql = format !== "avro" && format !== "json-schema";
  const text =
    iceberg && sql
      ? await icebergText(pipeline, format as SqlFormat, values)
      : await fileText(pipeline, format, values);
  process.stdout.write(`${text}\n`);
  return 0;
}

/** Avro, JSON Schema, and DDL over Hive-layout files (raw landing files, Hive-layout tables) or a topic. */
async function fileText(pipeline: Pipeline, format: string, values: Values): Promise<string> {
  let shape = await asUsage(() =>
    tableShape(pipeline, {
      ...(values.table ? { table: values.table } : {}),
      writeBack: values["write-back"] === true,
    }),
  );
  // The write-back topic given to `run --write-back`, when the definition names none (or another).
  if (values.topic !== undefined) shape = { ...shape, topic: values.topic };
  if (format === "avro") return JSON.stringify(avroSchema(shape), null, 2);
  if (format === "json-schema") return JSON.stringify(jsonSchema(shape), null, 2);
  const location =
    values.location ??
    (values.bucket !== undefined
      ? `s3://${values.bucket}/${shape.path}`
      : pathToFileURL(resolve(values.lake ?? "./lake", shape.path)).href);
  return asUsage(() =>
    sqlDdl(shape, format as SqlFormat, {
      location,
      fileFormat: pipeline.sink.format,
      brokers: values.brokers ?? process.env.LAKESTREAM_KAFKA_BROKERS ?? "127.0.0.1:9092",
      projectionStartDate: "2020-01-01",
    }),
  );
}

/** Flink and Spark SQL over a published Iceberg table, through the catalog the flags name. */
async function icebergText(pipeline: Pipeline, format: SqlFormat, values: Values): Promise<string> {
  const shape = await asUsage(() => icebergShape(pipeline, values.table));
  if (format !== "flink-sql" && format !== "spark-sql") {
    throw new UsageError(
      `${shape.name} is an Apache Iceberg table and ${format} describes Hive-layout files: give --raw for the ` +
        "raw landing files, or read the table through its catalog (flink-sql, spark-sql; Athena: docs/deploy.md)",
    );
  }
  if (values.location !== undefined)
    throw new UsageError("--location is where Hive-layout files are; an Iceberg table takes --warehouse");
  const catalogUri = values["catalog-uri"];
  const catalog: IcebergCatalogRef = catalogUri
    ? { type: "rest", uri: catalogUri, ...(values.warehouse ? { warehouse: values.warehouse } : {}) }
    : {
        type: "hadoop",
        warehouse:
          values.warehouse ??
          (values.bucket !== undefined
            ? `s3a://${values.bucket}/warehouse`
            : pathToFileURL(resolve(values.lake ?? "./lake", "warehouse")).href),
      };
  return icebergDdl(shape, format, {
    catalogName: values["catalog-name"] ?? "lake",
    namespace: values.namespace ?? DEFAULT_NAMESPACE,
    catalog,
  });
}
