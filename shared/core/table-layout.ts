import type { Pipeline } from "./pipeline/types.ts";
import { LINEAGE_SCHEMA, type TableSchema } from "./schema.ts";

/**
 * The columns stored in a raw data file: the schema minus value-partition columns
 * (Hive keeps those only in the path; a copy in the file confuses Spark and Hive),
 * plus the lineage columns later stages dedupe on.
 */
export function fileSchema(pipeline: Pipeline): TableSchema {
  const inPath = new Set(pipeline.partitioning.columns);
  const out: Record<string, TableSchema[string]> = {};
  for (const [name, col] of Object.entries(pipeline.schema)) if (!inPath.has(name)) out[name] = col;
  return { ...out, ...LINEAGE_SCHEMA };
}

/**
 * Top-level folders of the lake that lakestream itself owns: commit records, run records and
 * reports under `_lakestream/`, published tables under `published/`. A raw table or a
 * quarantine prefix there would mix user data into them.
 */
export const RESERVED_LAKE_FOLDERS: readonly string[] = ["_lakestream", "published"];

/** File extension of the pipeline's sink format. */
export function fileExtension(pipeline: Pipeline): string {
  return pipeline.sink.format === "parquet" ? "parquet" : "jsonl.gz";
}
