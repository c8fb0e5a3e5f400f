import { ConfigError } from "../errors.ts";
import type { Pipeline } from "../pipeline/types.ts";
import type { Column, TableSchema } from "../schema.ts";
import { compileAggregation } from "../stages/aggregate.ts";
import { publishedTablePrefix } from "../stages/manifest.ts";
import { fileSchema } from "../table-layout.ts";

/** A Hive-layout partition column: in the path (`name=value`), never in the files. */
export interface PartitionColumn {
  readonly name: string;
  readonly column: Column;
  readonly comment: string;
}

/**
 * Everything a schema format needs to describe one thing lakestream writes, taken from the
 * code that writes it (`fileSchema`, `compileAggregation`, the write-back encoder's row), so a
 * printed schema cannot drift from the files or messages.
 */
export interface TableShape {
  readonly pipeline: string;
  /** The table's name (for a write-back too: the topic's rows are this table's rows). */
  readonly name: string;
  /** The write-back topic the definition declares; absent when it is given on the command line only. */
  readonly topic?: string;
  /** `events`: the raw landing table; `gold`: an aggregate table; `write-back`: a topic's message value. */
  readonly kind: "events" | "gold" | "write-back";
  /** Columns as stored in each file (events, gold) or in each message value (write-back), in order. */
  readonly columns: TableSchema;
  /** Hive-layout partition columns in path order; empty for a write-back topic. */
  readonly partitionColumns: readonly PartitionColumn[];
  /** The table's folder relative to the lake root (Hive layout); empty for a write-back topic. */
  readonly path: string;
  /** Which event-time column the partitions and the write-back Kafka timestamp follow. */
  readonly eventTime: string;
  readonly description: string;
}

export interface ShapeRequest {
  /** The events table (default) or a gold table of `aggregations`. */
  readonly table?: string;
  /** Describe the write-back topic's value instead of the table's files. */
  readonly writeBack?: boolean;
}

/** Resolves a table (or its write-back topic) of a pipeline; a wrong name is a ConfigError naming the choices. */
export function tableShape(pipeline: Pipeline, request: ShapeRequest = {}): TableShape {
  const table = request.table ?? pipeline.sink.table;
  const eventTime = eventTimeColumn(pipeline);
  if (table === pipeline.sink.table) {
    if (request.writeBack) {
      const topic = pipeline.writeBack?.topic;
      return {
        pipeline: pipeline.name,
        name: table,
        ...(topic ? { topic } : {}),
        kind: "write-back",
        // The whole row, value-partition columns included; lineage travels in the headers.
        columns: pipeline.schema,
        partitionColumns: [],
        path: "",
        eventTime,
        description: `message value of the write-back topic${topic ? ` ${topic}` : ""} (rows of ${table})`,
      };
    }
    return {
      pipeline: pipeline.name,
      name: table,
      kind: "events",
      columns: fileSchema(pipeline),
      partitionColumns: partitionColumns(pipeline),
      path: table,
      eventTime,
      description: pipeline.description || `events of pipeline ${pipeline.name}`,
    };
  }
  const agg = pipeline.aggregations?.tables.find((t) => t.table === table);
  if (!agg) {
    const known = [pipeline.sink.table, ...(pipeline.aggregations?.tables ?? []).map((t) => t.table)];
    throw new ConfigError("--table", `unknown table "${table}" (known: ${known.join(", ")})`);
  }
  const { schema } = compileAggregation(pipeline, agg);
  if (request.writeBack) {
    const topic = agg.writeBack?.topic;
    return {
      pipeline: pipeline.name,
      name: table,
      ...(topic ? { topic } : {}),
      kind: "write-back",
      columns: schema,
      partitionColumns: [],
      path: "",
      eventTime: "window_start",
      description: `message value of the write-back topic${topic ? ` ${topic}` : ""} (rows of ${table})`,
    };
  }
  return {
    pipeline: pipeline.name,
    name: table,
    kind: "gold",
    columns: schema,
    // A gold row lies in the time partition that holds its window's end.
    partitionColumns: partitionColumns(pipeline).filter((c) => c.name === "dt" || c.name === "hour"),
    path: publishedTablePrefix(table).replace(/\/$/, ""),
    eventTime: "window_start",
    description: `aggregate ${table} of pipeline ${pipeline.name}`,
  };
}

function partitionColumns(pipeline: Pipeline): PartitionColumn[] {
  const out: PartitionColumn[] = [
    { name: "dt", column: { type: "string" }, comment: "event date, UTC (yyyy-MM-dd)" },
  ];
  if (pipeline.partitioning.granularity === "hour") {
    out.push({ name: "hour", column: { type: "int32" }, comment: "event hour, UTC (00-23)" });
  }
  for (const name of pipeline.partitioning.columns) {
    out.push({ name, column: { ...pipeline.schema[name]!, nullable: true }, comment: `value of ${name}` });
  }
  return out;
}

function eventTimeColumn(pipeline: Pipeline): string {
  const { eventTime } = pipeline.partitioning;
  return eventTime === "kafka-timestamp" ? "_ts" : eventTime.field;
}
