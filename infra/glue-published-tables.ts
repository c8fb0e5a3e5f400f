import { ConfigError } from "../shared/core/errors.ts";
import type { AggregationConfig, Pipeline } from "../shared/core/pipeline/types.ts";
import { compileAggregation } from "../shared/core/stages/aggregate.ts";
import { publishedTablePrefix } from "../shared/core/stages/manifest.ts";
import { fileSchema } from "../shared/core/table-layout.ts";
import { type GlueTableInput, type GlueTableOptions, layoutTableInput } from "./glue-table-input.ts";

/**
 * Glue tables over what the later stages publish in the Hive layout (`sink.tableFormat:
 * "hive"`; Iceberg tables are created through the catalog instead). The raw table may hold a source offset more
 * than once (retries, replays); the compacted table under `published/<table>/` and the gold
 * tables under `published/<gold table>/` hold each offset once, which is why Athena users query
 * them. Locations, columns and partitions come from the code the compact and aggregate stages
 * run (`publishedTablePrefix`, `fileSchema`, `compileAggregation`), so they cannot drift apart.
 * The `_SUCCESS` manifest in each partition folder starts with `_`, so Athena, Hive and Spark
 * skip it as a hidden file.
 */

/** Glue name of the compacted table: the raw table's name with this suffix. */
export const PUBLISHED_TABLE_SUFFIX = "_published";

export function publishedTableName(pipeline: Pipeline): string {
  return `${pipeline.sink.table}${PUBLISHED_TABLE_SUFFIX}`;
}

/**
 * The compacted table: the raw table's columns and partitions (time and value columns), at
 * `s3://<bucket>/published/<table>/`. Value columns are projected like the raw table's, with the
 * values configured for the raw table (`glue.partitionValues.<table>`).
 */
export function publishedGlueTableInput(pipeline: Pipeline, options: GlueTableOptions): GlueTableInput {
  const { table } = pipeline.sink;
  return layoutTableInput(pipeline, options, {
    name: publishedTableName(pipeline),
    description:
      `${pipeline.description || pipeline.name}, compacted: each source offset exactly once ` +
      `(lakestream pipeline ${pipeline.name})`,
    root: publishedRoot(options.bucketName, table),
    kind: "published",
    columns: fileSchema(pipeline),
    valueColumns: pipeline.partitioning.columns.map((name) => ({ name, column: pipeline.schema[name]! })),
  });
}

/**
 * One table per gold table of `aggregations`: window bounds, group keys and measures as the
 * aggregate stage computes them, partitioned by the time partition (`dt`, `hour`) that owns the
 * windows ending in it, at `s3://<bucket>/published/<gold table>/`.
 */
export function goldGlueTableInputs(pipeline: Pipeline, options: GlueTableOptions): GlueTableInput[] {
  const tables = pipeline.aggregations?.tables ?? [];
  const published = publishedTableName(pipeline);
  return tables.map((agg, i) => {
    if (agg.table === published) {
      throw new ConfigError(
        `pipeline(${pipeline.name}).aggregations.tables.${i}.table`,
        `"${agg.table}" is the Glue name of the compacted table of ${pipeline.sink.table}; choose another name`,
      );
    }
    return layoutTableInput(pipeline, options, {
      name: agg.table,
      description: `${describeWindow(agg)} of ${pipeline.sink.table} (lakestream pipeline ${pipeline.name})`,
      root: publishedRoot(options.bucketName, agg.table),
      kind: "gold",
      columns: compileAggregation(pipeline, agg).schema,
      valueColumns: [],
    });
  });
}

function publishedRoot(bucketName: string, table: string): string {
  return `s3://${bucketName}/${publishedTablePrefix(table).replace(/\/$/, "")}`;
}

function describeWindow(agg: AggregationConfig): string {
  const { sizeMinutes, slideMinutes } = agg.window;
  const windows =
    slideMinutes === undefined || slideMinutes === sizeMinutes
      ? `tumbling ${sizeMinutes}-minute windows`
      : `${sizeMinutes}-minute windows every ${slideMinutes} minutes`;
  const by = agg.groupBy.length > 0 ? ` by ${agg.groupBy.join(", ")}` : "";
  return `Aggregates over ${windows}${by}`;
}
