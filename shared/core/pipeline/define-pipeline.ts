import { ConfigError } from "../errors.ts";
import type { Column, TableSchema } from "../schema.ts";
import { aggregationsSchema, checkAggregations } from "../stages/aggregations-schema.ts";
import { checkDedupe, dedupeSchema } from "../stages/dedupe-schema.ts";
import { RESERVED_LAKE_FOLDERS } from "../table-layout.ts";
import * as z from "../zod.ts";
import { fileSourceSchema } from "./file-source-schema.ts";
import { columnName, identifier, topicName } from "./name-schemas.ts";
import type { Pipeline, PipelineInput, ValueFormat } from "./types.ts";

const format = z.enum(["json", "string", "bytes"]);

const column: z.ZodMiniType<Column> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.strictObject({
      type: z.enum(["string", "int32", "int64", "double", "boolean", "date"]),
      nullable: z.optional(z.boolean()),
    }),
    z.strictObject({
      type: z.literal("timestamp"),
      unit: z.optional(z.enum(["ms", "s"])),
      nullable: z.optional(z.boolean()),
    }),
    z
      .strictObject({
        type: z.literal("decimal"),
        precision: z.int().check(z.minimum(1), z.maximum(38)),
        scale: z.int().check(z.minimum(0), z.maximum(38)),
        nullable: z.optional(z.boolean()),
      })
      .check(z.refine((c) => c.scale <= c.precision, "scale must not exceed precision")),
    z.strictObject({ type: z.literal("list"), items: column, nullable: z.optional(z.boolean()) }),
    z.strictObject({
      type: z.literal("struct"),
      fields: z
        .record(columnName, column)
        .check(z.refine((f) => Object.keys(f).length > 0, "needs at least one field")),
      nullable: z.optional(z.boolean()),
    }),
  ]),
);

const definition = z.strictObject({
  name: identifier,
  description: z._default(z.string(), ""),
  source: z.strictObject({
    topics: z.array(topicName),
    valueFormat: format,
    keyFormat: z._default(format, "string"),
    files: z.optional(fileSourceSchema),
  }),
  schema: z.record(columnName, column).check(
    z.refine((s) => Object.keys(s).length > 0, "needs at least one column"),
    z.refine(
      (s) => !Object.keys(s).some((c) => c.startsWith("_")),
      "column names starting with _ are reserved",
    ),
  ),
  transform: z.custom<Pipeline["transform"]>((t) => typeof t === "function", "must be a function"),
  partitioning: z.strictObject({
    eventTime: z.union([z.literal("kafka-timestamp"), z.strictObject({ field: columnName })]),
    granularity: z.enum(["hour", "day"]),
    columns: z._default(z.array(columnName), []),
  }),
  sink: z.strictObject({
    // Readers skip folders starting with "_" (Spark, Hive); the reserved ones hold lakestream's own files.
    table: identifier.check(
      z.refine(
        (t) => !t.startsWith("_") && !RESERVED_LAKE_FOLDERS.includes(t),
        `must not start with "_" or be one of the lake's own folders (${RESERVED_LAKE_FOLDERS.join(", ")})`,
      ),
    ),
    format: z.enum(["parquet", "jsonl-gzip"]),
    compression: z._default(z.enum(["zstd", "snappy"]), "zstd"),
    targetFileSizeMiB: z._default(z.number().check(z.positive(), z.maximum(5 * 1024)), 128),
    tableFormat: z._default(z.enum(["iceberg", "hive"]), "iceberg"),
  }),
  writeBack: z.optional(
    z.strictObject({
      topic: topicName,
      key: z.optional(columnName),
      format: z.optional(z.enum(["json", "avro"])),
      partitions: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
    }),
  ),
  aggregations: z.optional(aggregationsSchema),
  // prefault: an omitted block is parsed as {}, so each setting gets its own default.
  maintenance: z.prefault(
    z.strictObject({
      snapshotRetentionHours: z._default(z.number().check(z.minimum(0)), 120),
      minSnapshotsToKeep: z._default(z.int().check(z.minimum(1)), 1),
      orphanFileAgeHours: z._default(z.number().check(z.minimum(1)), 72),
      manifestMergeThreshold: z._default(z.int().check(z.minimum(2)), 16),
    }),
    {},
  ),
  dedupe: z.optional(dedupeSchema),
  quarantine: z._default(
    z.strictObject({
      // Segments may not start with a dot: no "." or "..", nothing hidden, no temp-file folder.
      prefix: z
        .string()
        .check(
          z.regex(
            /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/,
            'use folder names of letters, digits, "_", "-" and "." (not first), separated by "/"',
          ),
          z.maxLength(200, "use at most 200 characters"),
        ),
    }),
    { prefix: "_quarantine" },
  ),
});

/**
 * Declares a pipeline and validates it at once, so a wrong setting fails when the
 * module loads (cold start, `cdk synth`, CLI start) with the offending field named.
 */
export function definePipeline<
  const S extends TableSchema,
  VF extends ValueFormat,
  KF extends ValueFormat = "string",
>(input: PipelineInput<S, VF, KF>): Pipeline {
  const where = `pipeline${typeof input?.name === "string" ? `(${input.name})` : ""}`;
  const parsed = definition.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError([where, ...issue.path.map(String)].join("."), issue.message);
  }
  const pipeline = parsed.data as Pipeline;
  if (pipeline.source.topics.length === 0 && !pipeline.source.files) {
    throw new ConfigError(`${where}.source.topics`, "needs at least one topic, or a files source");
  }
  checkPartitioning(pipeline, where);
  if (pipeline.sink.tableFormat === "iceberg" && pipeline.sink.format !== "parquet") {
    throw new ConfigError(
      `${where}.sink.format`,
      'Iceberg tables hold Parquet files: use format "parquet", or tableFormat "hive" for JSON Lines',
    );
  }
  checkQuarantinePrefix(pipeline, where);
  checkAggregations(pipeline, where);
  checkDedupe(pipeline, where);
  const wbKey = pipeline.writeBack?.key;
  if (wbKey !== undefined && !(wbKey in pipeline.schema)) {
    throw new ConfigError(`${where}.writeBack.key`, `"${wbKey}" is not a column of the schema`);
  }
  return Object.freeze(pipeline);
}

/** The quarantine folder may not be, or be inside, the raw table or a folder lakestream owns. */
function checkQuarantinePrefix(p: Pipeline, where: string): void {
  const top = p.quarantine.prefix.split("/")[0]!;
  if (top === p.sink.table || RESERVED_LAKE_FOLDERS.includes(top)) {
    throw new ConfigError(
      `${where}.quarantine.prefix`,
      `"${p.quarantine.prefix}" is inside ${top === p.sink.table ? "the raw table's folder" : `lakestream's own folder "${top}"`}`,
    );
  }
}

function checkPartitioning(p: Pipeline, where: string): void {
  const { eventTime, columns } = p.partitioning;
  if (typeof eventTime === "object") {
    const col = p.schema[eventTime.field];
    if (col?.type !== "timestamp" || col.nullable) {
      throw new ConfigError(
        `${where}.partitioning.eventTime.field`,
        `"${eventTime.field}" must be a non-nullable timestamp column of the schema`,
      );
    }
  }
  for (const [i, name] of columns.entries()) {
    const col = p.schema[name];
    if (!col || !["string", "int32", "int64", "boolean", "date"].includes(col.type)) {
      throw new ConfigError(
        `${where}.partitioning.columns.${i}`,
        `"${name}" must be a string, integer, boolean or date column of the schema`,
      );
    }
    if (name === "dt" || name === "hour") {
      throw new ConfigError(
        `${where}.partitioning.columns.${i}`,
        `"${name}" is the time partition's own column`,
      );
    }
  }
}
