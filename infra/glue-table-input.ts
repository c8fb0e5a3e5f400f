import { ConfigError } from "../shared/core/errors.ts";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import type { Column, TableSchema } from "../shared/core/schema.ts";
import { fileSchema } from "../shared/core/table-layout.ts";

/** One Glue column: a name and a Hive type string. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

/** The parts of a Glue `TableInput` that follow from a pipeline; plain data, so tests need no synth. */
export interface GlueTableInput {
  readonly name: string;
  readonly description: string;
  readonly tableType: "EXTERNAL_TABLE";
  readonly parameters: Record<string, string>;
  readonly partitionKeys: GlueColumn[];
  readonly storageDescriptor: {
    readonly location: string;
    readonly columns: GlueColumn[];
    readonly inputFormat: string;
    readonly outputFormat: string;
    readonly serdeInfo: {
      readonly serializationLibrary: string;
      readonly parameters: Record<string, string>;
    };
    readonly compressed: boolean;
  };
}

export interface GlueTableOptions {
  /** Bucket name; a CDK token is fine, it is only interpolated into strings. */
  readonly bucketName: string;
  /** `yyyy-MM-dd`: the first day partition projection offers. */
  readonly projectionStartDate: string;
  /** Known values per value-partition column: those are projected as `enum`, the rest as `injected`. */
  readonly partitionValues?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Maps a schema column to the Hive type every engine (Athena, Spark, Hive, Trino) agrees on.
 * Struct field names are kept as written: Hive lower-cases them on read, which is why the
 * schema validator forbids names differing only in case.
 */
export function hiveType(column: Column): string {
  switch (column.type) {
    case "string":
    case "double":
    case "boolean":
    case "timestamp":
    case "date":
      return column.type;
    case "int32":
      return "int";
    case "int64":
      return "bigint";
    case "decimal":
      return `decimal(${column.precision},${column.scale})`;
    case "list":
      return `array<${hiveType(column.items)}>`;
    case "struct":
      return `struct<${Object.entries(column.fields)
        .map(([name, field]) => `${name}:${hiveType(field)}`)
        .join(",")}>`;
  }
}

const FORMATS = {
  parquet: {
    classification: "parquet",
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serde: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
  },
  // Hive's own JSON SerDe (not OpenX): Athena, Hive and Spark all ship it. Gzip is read from the `.gz` suffix.
  "jsonl-gzip": {
    classification: "json",
    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serde: "org.apache.hive.hcatalog.data.JsonSerDe",
  },
} as const;

/**
 * Where and how one table's files lie: what the raw, published and gold tables share (Hive
 * layout under one prefix, the pipeline's file format, time partitions) and what differs.
 */
export interface TableLayout {
  readonly name: string;
  readonly description: string;
  /** `s3://<bucket>/<prefix>` without the trailing slash. */
  readonly root: string;
  /** `raw`, `published` or `gold`: stored as the `lakestream.kind` table parameter. */
  readonly kind: "raw" | "published" | "gold";
  /** Columns stored in the files, in file order. */
  readonly columns: TableSchema;
  /** Value-partition columns after `dt`/`hour`, each with its schema column. */
  readonly valueColumns: readonly { readonly name: string; readonly column: Column }[];
}

/** Suffix of the raw table's Glue name when the sink's own name is the published Iceberg table's. */
export const RAW_TABLE_SUFFIX = "_raw";

/**
 * Glue name of the raw table. A Hive-layout pipeline keeps the sink's name. For an Iceberg
 * pipeline that name belongs to the Iceberg events table (created in the same database by the
 * plan stage through the catalog), so the raw table is `<sink>_raw`; a gold table may not take
 * that name.
 */
export function rawTableName(pipeline: Pipeline): string {
  if (pipeline.sink.tableFormat !== "iceberg") return pipeline.sink.table;
  const name = `${pipeline.sink.table}${RAW_TABLE_SUFFIX}`;
  const i = (pipeline.aggregations?.tables ?? []).findIndex((t) => t.table === name);
  if (i >= 0) {
    throw new ConfigError(
      `pipeline(${pipeline.name}).aggregations.tables.${i}.table`,
      `"${name}" is the Glue name of the raw table of ${pipeline.sink.table}; choose another name`,
    );
  }
  return name;
}

/**
 * Builds the Glue table for a pipeline's sink (named by `rawTableName`), matching the layout the ingest writes:
 * `s3://<bucket>/<table>/dt=YYYY-MM-DD[/hour=HH][/col=value...]/<topic>+<partition>+<offset>.<ext>`.
 *
 * Partition projection lets Athena find new partitions without crawlers or `MSCK REPAIR`;
 * Spark and Hive reading the path directly discover the same partitions from the Hive layout.
 */
export function glueTableInput(pipeline: Pipeline, options: GlueTableOptions): GlueTableInput {
  const { table } = pipeline.sink;
  return layoutTableInput(pipeline, options, {
    name: rawTableName(pipeline),
    description: `${pipeline.description || pipeline.name} (lakestream pipeline ${pipeline.name})`,
    root: `s3://${options.bucketName}/${table}`,
    kind: "raw",
    columns: fileSchema(pipeline),
    valueColumns: pipeline.partitioning.columns.map((name) => ({ name, column: pipeline.schema[name]! })),
  });
}

/**
 * The Glue `TableInput` of any lakestream table: the pipeline's file format and time
 * granularity, partition projection over `dt` (date up to NOW), `hour` (00-23) and the value
 * columns (`enum` when their values are configured, else `injected`).
 */
export function layoutTableInput(
  pipeline: Pipeline,
  options: GlueTableOptions,
  layout: TableLayout,
): GlueTableInput {
  const format = FORMATS[pipeline.sink.format];
  const hourly = pipeline.partitioning.granularity === "hour";

  const partitionKeys: GlueColumn[] = [
    { name: "dt", type: "string", comment: "event date, UTC (yyyy-MM-dd)" },
  ];
  const projection: Record<string, string> = {
    "projection.enabled": "true",
    "projection.dt.type": "date",
    "projection.dt.format": "yyyy-MM-dd",
    "projection.dt.range": `${options.projectionStartDate},NOW`,
    "projection.dt.interval": "1",
    "projection.dt.interval.unit": "DAYS",
  };
  if (hourly) {
    partitionKeys.push({ name: "hour", type: "int", comment: "event hour, UTC (00-23)" });
    Object.assign(projection, {
      "projection.hour.type": "integer",
      "projection.hour.range": "0,23",
      "projection.hour.digits": "2",
    });
  }
  for (const { name, column } of layout.valueColumns) {
    partitionKeys.push({ name, type: hiveType(column) });
    const values = options.partitionValues?.[name];
    if (values)
      Object.assign(projection, {
        [`projection.${name}.type`]: "enum",
        [`projection.${name}.values`]: values.join(","),
      });
    else projection[`projection.${name}.type`] = "injected";
  }
  const template = partitionKeys.map((k) => `${k.name}=\${${k.name}}`).join("/");

  return {
    name: layout.name,
    description: layout.description,
    tableType: "EXTERNAL_TABLE",
    parameters: {
      classification: format.classification,
      EXTERNAL: "TRUE",
      ...(pipeline.sink.format === "parquet"
        ? { "parquet.compression": pipeline.sink.compression.toUpperCase() }
        : {}),
      ...projection,
      "storage.location.template": `${layout.root}/${template}/`,
      "lakestream.pipeline": pipeline.name,
      "lakestream.kind": layout.kind,
    },
    partitionKeys,
    storageDescriptor: {
      location: `${layout.root}/`,
      columns: Object.entries(layout.columns).map(([name, column]) => ({ name, type: hiveType(column) })),
      inputFormat: format.inputFormat,
      outputFormat: format.outputFormat,
      serdeInfo: {
        serializationLibrary: format.serde,
        // The JSON Lines encoder writes timestamps as `Date.toISOString()` text.
        parameters:
          pipeline.sink.format === "parquet"
            ? { "serialization.format": "1" }
            : { "timestamp.formats": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" },
      },
      compressed: pipeline.sink.format === "jsonl-gzip",
    },
  };
}
