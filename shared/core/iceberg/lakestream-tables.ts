import { createHash } from "node:crypto";
import type { AggregationConfig, Pipeline } from "../pipeline/types.ts";
import { LINEAGE_SCHEMA, type TableSchema } from "../schema.ts";
import { compileAggregation } from "../stages/aggregate.ts";
import type { PartitionSource } from "./partition.ts";
import type { DataFile } from "./types.ts";

/**
 * How lakestream's tables map onto Iceberg. The events table holds every pipeline column plus
 * the lineage columns, partitioned by the event-time column (hidden partitioning: readers
 * filter on `ts`, not on a derived column) and then by the declared value columns. A gold
 * table is partitioned by the day (month for daily pipelines) of `window_start`.
 */
export function eventsTableColumns(pipeline: Pipeline): TableSchema {
  return { ...pipeline.schema, ...LINEAGE_SCHEMA };
}

export function eventsTablePartitioning(pipeline: Pipeline): PartitionSource[] {
  const { eventTime, granularity, columns } = pipeline.partitioning;
  const time = eventTime === "kafka-timestamp" ? "_ts" : eventTime.field;
  return [
    { column: time, transform: granularity },
    ...columns.map((column) => ({ column, transform: "identity" as const })),
  ];
}

export function goldTablePartitioning(pipeline: Pipeline, _agg: AggregationConfig): PartitionSource[] {
  return [
    { column: "window_start", transform: pipeline.partitioning.granularity === "hour" ? "day" : "month" },
  ];
}

/** One Iceberg table of a pipeline, as lakestream writes it. */
export interface PipelineTableShape {
  readonly kind: "compacted" | "aggregate";
  readonly name: string;
  readonly columns: TableSchema;
  readonly partitioning: readonly PartitionSource[];
}

/** The events table and every gold table of a pipeline (none for a Hive-layout pipeline). */
export function pipelineTableShapes(pipeline: Pipeline): PipelineTableShape[] {
  if (pipeline.sink.tableFormat !== "iceberg") return [];
  return [
    {
      kind: "compacted",
      name: pipeline.sink.table,
      columns: eventsTableColumns(pipeline),
      partitioning: eventsTablePartitioning(pipeline),
    },
    ...(pipeline.aggregations?.tables ?? []).map((agg) => ({
      kind: "aggregate" as const,
      name: agg.table,
      columns: compileAggregation(pipeline, agg).schema,
      partitioning: goldTablePartitioning(pipeline, agg),
    })),
  ];
}

/**
 * A published version is identified by its owner — the raw partition path a compacted version
 * was computed from, or the time partition owning a gold table's windows — and the digest of
 * its input. Both travel in the data file's name (`<owner tag>-<digest>-<n>-<content>.parquet`),
 * so what is published is read from the table's own live files: it is exactly what readers see,
 * commits atomically with the data, and needs no side table that could disagree.
 */
export function ownerTag(table: string, owner: string): string {
  return createHash("sha256").update(`${table}\n${owner}`).digest("hex").slice(0, 12);
}

export function dataFileName(tag: string, digest: string, index: number, body: Uint8Array): string {
  const content = createHash("sha256").update(body).digest("hex").slice(0, 16);
  return `${tag}-${digest.slice(0, 16)}-${String(index).padStart(5, "0")}-${content}.parquet`;
}

const NAME = /(?:^|\/)([0-9a-f]{12})-([0-9a-f]{16})-\d{5}-[0-9a-f]{16}\.parquet$/;

/** The owner tag and input digest of a lakestream data file; undefined for other writers' files. */
export function parseDataFileName(path: string): { tag: string; digest: string } | undefined {
  const m = NAME.exec(path);
  return m ? { tag: m[1]!, digest: m[2]! } : undefined;
}

export interface PublishedVersion {
  /** Input digests of the live files (one, unless a version was half-replaced by another tool). */
  readonly digests: ReadonlySet<string>;
  readonly paths: readonly string[];
}

/** Live lakestream files of a table grouped by owner tag. Files other engines added are not listed. */
export function publishedVersions(files: readonly DataFile[]): Map<string, PublishedVersion> {
  const out = new Map<string, { digests: Set<string>; paths: string[] }>();
  for (const f of files) {
    const parsed = parseDataFileName(f.filePath);
    if (!parsed) continue;
    let v = out.get(parsed.tag);
    if (!v) {
      v = { digests: new Set(), paths: [] };
      out.set(parsed.tag, v);
    }
    v.digests.add(parsed.digest);
    v.paths.push(f.filePath);
  }
  return out;
}

/** The digest a version is published under (the file name keeps 16 hex digits of it). */
export function shortDigest(digest: string): string {
  return digest.slice(0, 16);
}
