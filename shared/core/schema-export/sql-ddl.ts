import { ConfigError } from "../errors.ts";
import { columnDoc, partitionNote, shapeTitle } from "./column-docs.ts";
import { literal, quote, type SqlDialect, sqlType } from "./sql-types.ts";
import type { TableShape } from "./table-shape.ts";

export type SqlFormat = "flink-sql" | "spark-sql" | "hive-ddl" | "athena";

export interface DdlOptions {
  /** Where the table's Hive-layout folder is: `file:///…`, `s3://…`, `s3a://…`. */
  readonly location: string;
  /** The sink's file format: which reader the DDL names. */
  readonly fileFormat: "parquet" | "jsonl-gzip";
  /** Kafka bootstrap servers, for a write-back topic's Flink table. */
  readonly brokers: string;
  /** First day Athena's partition projection offers (yyyy-MM-dd). */
  readonly projectionStartDate: string;
}

/**
 * CREATE TABLE statements over the Hive-layout files lakestream writes (raw landing files keep
 * that layout), one per engine, or for a write-back topic a Flink Kafka table / Spark schema.
 * Partition columns come last and are typed as the path holds them (`dt` text, `hour` int).
 */
export function sqlDdl(shape: TableShape, format: SqlFormat, o: DdlOptions): string {
  if (shape.kind === "write-back") return writeBackDdl(shape, format, o);
  const dialect: SqlDialect = format === "flink-sql" ? "flink" : format === "spark-sql" ? "spark" : "hive";
  const header = [`-- ${shapeTitle(shape)}`, `-- ${partitionNote(shape)}`];
  const columns = Object.entries(shape.columns).map(([name, col]) => {
    const doc = columnDoc(shape, name);
    return `  ${quote(name)} ${sqlType(col, dialect)}${doc ? ` COMMENT ${literal(doc)}` : ""}`;
  });
  const parts = shape.partitionColumns.map(
    (p) => `  ${quote(p.name)} ${sqlType(p.column, dialect)} COMMENT ${literal(p.comment)}`,
  );
  const names = shape.partitionColumns.map((p) => quote(p.name)).join(", ");
  const location = o.location.replace(/\/*$/, "/");
  const table = quote(shape.name);
  if (format === "flink-sql") {
    const json = o.fileFormat === "jsonl-gzip";
    return [
      ...header,
      `CREATE TABLE ${table} (\n${[...columns, ...parts].join(",\n")}\n) PARTITIONED BY (${names}) WITH (`,
      `  'connector' = 'filesystem',\n  'path' = ${literal(location)},`,
      json
        ? `  'format' = 'json',\n  'json.timestamp-format.standard' = 'ISO-8601'\n);`
        : `  'format' = 'parquet'\n);`,
    ].join("\n");
  }
  if (format === "spark-sql") {
    return [
      ...header,
      `CREATE TABLE IF NOT EXISTS ${table} (\n${[...columns, ...parts].join(",\n")}\n)`,
      `USING ${o.fileFormat === "parquet" ? "parquet" : "json"}`,
      `PARTITIONED BY (${names})`,
      `LOCATION ${literal(location)};`,
      `ALTER TABLE ${table} RECOVER PARTITIONS;`,
    ].join("\n");
  }
  const storage =
    o.fileFormat === "parquet"
      ? "STORED AS PARQUET"
      : "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\nSTORED AS TEXTFILE";
  const create = [
    ...header,
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (\n${columns.join(",\n")}\n)`,
    `PARTITIONED BY (\n${parts.join(",\n")}\n)`,
    storage,
    `LOCATION ${literal(location)}`,
  ];
  if (format === "hive-ddl")
    return [...create.slice(0, -1), `${create.at(-1)};`, `MSCK REPAIR TABLE ${table};`].join("\n");
  return [...create, `TBLPROPERTIES (\n${projection(shape, o).join(",\n")}\n);`].join("\n");
}

/** Athena's partition projection: new partitions are found without MSCK REPAIR or a crawler. */
function projection(shape: TableShape, o: DdlOptions): string[] {
  const props: [string, string][] = [
    ["projection.enabled", "true"],
    ["projection.dt.type", "date"],
    ["projection.dt.format", "yyyy-MM-dd"],
    ["projection.dt.range", `${o.projectionStartDate},NOW`],
    ["projection.dt.interval", "1"],
    ["projection.dt.interval.unit", "DAYS"],
  ];
  for (const p of shape.partitionColumns) {
    if (p.name === "dt") continue;
    if (p.name === "hour")
      props.push(
        ["projection.hour.type", "integer"],
        ["projection.hour.range", "0,23"],
        ["projection.hour.digits", "2"],
      );
    else props.push([`projection.${p.name}.type`, "injected"]);
  }
  const template = shape.partitionColumns.map((p) => `${p.name}=\${${p.name}}`).join("/");
  props.push(["storage.location.template", `${o.location.replace(/\/*$/, "")}/${template}/`]);
  if (o.fileFormat === "parquet") props.push(["classification", "parquet"]);
  return props.map(([k, v]) => `  ${literal(k)} = ${literal(v)}`);
}

/**
 * Flink: a Kafka table over the topic with the lineage headers, the Kafka timestamp (the row's
 * event time) and the key as metadata columns. Spark: the value's schema in DDL form, for
 * `from_json(CAST(value AS STRING), '<schema>')`. Hive and Athena have no Kafka tables.
 */
function writeBackDdl(shape: TableShape, format: SqlFormat, o: DdlOptions): string {
  const header = `-- ${shapeTitle(shape)}`;
  if (format === "spark-sql") {
    const fields = Object.entries(shape.columns).map(([n, c]) => `${quote(n)} ${sqlType(c, "spark")}`);
    return `${header}\n-- use as: from_json(CAST(value AS STRING), '<this schema>')\n${fields.join(", ")}`;
  }
  if (format !== "flink-sql") {
    throw new ConfigError(
      "--format",
      `${format} describes files; a write-back topic has flink-sql, spark-sql, avro and json-schema`,
    );
  }
  const columns = Object.entries(shape.columns).map(
    ([name, col]) => `  ${quote(name)} ${sqlType(col, "flink")}`,
  );
  const topic = shape.topic ?? "<the topic given to run --write-back>";
  return [
    header,
    `CREATE TABLE ${quote(`${shape.name}_write_back`)} (`,
    [
      ...columns,
      "  `kafka_key` STRING",
      "  `kafka_timestamp` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL COMMENT 'the row''s event time'",
      "  `headers` MAP<STRING, BYTES> METADATA VIRTUAL COMMENT 'lakestream.source.topic, .partition, .offset'",
    ].join(",\n"),
    ") WITH (",
    "  'connector' = 'kafka',",
    `  'topic' = ${literal(topic)},`,
    `  'properties.bootstrap.servers' = ${literal(o.brokers)},`,
    "  'scan.startup.mode' = 'earliest-offset',",
    "  'key.format' = 'raw',",
    "  'key.fields' = 'kafka_key',",
    "  'value.format' = 'json',",
    "  'value.fields-include' = 'EXCEPT_KEY',",
    "  'value.json.timestamp-format.standard' = 'ISO-8601'",
    ");",
  ].join("\n");
}
