import { ensureTable } from "../../catalog/ensure-table.ts";
import { readLiveState } from "../../catalog/live-files.ts";
import { StorageCatalog, WAREHOUSE_PREFIX } from "../../catalog/storage-catalog.ts";
import type { TableCatalog, TableIdentifier } from "../../catalog/table-catalog.ts";
import { PARQUET_CREATED_BY } from "../../core/encode/parquet.ts";
import {
  type PublishedVersion,
  pipelineTableShapes,
  publishedVersions,
} from "../../core/iceberg/lakestream-tables.ts";
import type { PartitionSource } from "../../core/iceberg/partition.ts";
import { evolveSchema } from "../../core/iceberg/schema-evolution.ts";
import { currentSchema, defaultSpec } from "../../core/iceberg/table-metadata.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { TableSchema } from "../../core/schema.ts";
import type { IcebergTableRef } from "../../core/stages/plan.ts";
import { locationOfKey } from "../../storage/locations.ts";
import { type TableFiles, tableFiles } from "../../storage/table-files.ts";
import { DEFAULT_NAMESPACE, type StageDeps } from "./stage-deps.ts";

/** One Iceberg table of a pipeline: the events table or a gold table. */
export interface PipelineTable {
  readonly kind: "compacted" | "aggregate";
  readonly id: TableIdentifier;
  readonly columns: TableSchema;
  readonly partitioning: readonly PartitionSource[];
}

/** The pipeline's Iceberg tables (none when it publishes Hive-layout tables). */
export function pipelineTables(deps: StageDeps): PipelineTable[] {
  const namespace = deps.namespace ?? DEFAULT_NAMESPACE;
  return pipelineTableShapes(deps.pipeline).map((t) => ({
    kind: t.kind,
    id: { namespace, name: t.name },
    columns: t.columns,
    partitioning: t.partitioning,
  }));
}

export function catalogOf(deps: StageDeps): TableCatalog {
  return deps.catalog ?? new StorageCatalog(deps.store);
}

/** The tables' files by location: the lake, and whatever storage the catalog keeps tables in. */
export function filesOf(deps: StageDeps): TableFiles {
  return deps.files ?? tableFiles(deps.store);
}

/** `<lake>/warehouse/<namespace>/<table>`: tables live in the lake whatever catalog registers them. */
export function tableLocation(deps: StageDeps, id: TableIdentifier): string {
  return locationOfKey(deps.store, `${WAREHOUSE_PREFIX}${id.namespace}/${id.name}`);
}

export interface PreparedTables {
  readonly refs: Record<string, IcebergTableRef>;
  /** Live lakestream versions per table, by owner tag. */
  readonly published: Map<string, Map<string, PublishedVersion>>;
}

/**
 * Creates the pipeline's tables on first use and evolves their schemas (failing with the column
 * named when the change is incompatible), then reads which versions each one publishes now.
 */
export async function prepareTables(deps: StageDeps): Promise<PreparedTables> {
  const catalog = catalogOf(deps);
  const refs: Record<string, IcebergTableRef> = {};
  const published = new Map<string, Map<string, PublishedVersion>>();
  for (const t of pipelineTables(deps)) {
    const table = await ensureTable(catalog, t.id, {
      columns: t.columns,
      partitioning: t.partitioning,
      location: catalog.assignsLocations ? undefined : tableLocation(deps, t.id),
      properties: tableProperties(deps.pipeline),
    });
    refs[t.id.name] = {
      location: table.metadata.location,
      schema: currentSchema(table.metadata),
      spec: defaultSpec(table.metadata),
    };
    const live = await readLiveState(filesOf(deps), table.metadata, deps.concurrency ?? 8);
    published.set(t.id.name, publishedVersions(live.files));
  }
  return { refs, published };
}

/**
 * Checks, without changing anything, that every existing table accepts what the pipeline now
 * writes: an incompatible change fails at start with the table and column named
 * (SchemaEvolutionError), before any record is ingested under the new definition.
 */
export async function checkTablesAccept(deps: StageDeps): Promise<void> {
  const catalog = catalogOf(deps);
  for (const t of pipelineTables(deps)) {
    const table = await catalog.loadTable(t.id);
    if (!table) continue;
    const md = table.metadata;
    evolveSchema(t.id.name, currentSchema(md), md["last-column-id"], t.columns);
  }
}

/** What engines read from the table's properties: the file format and codec, and who writes it. */
function tableProperties(pipeline: Pipeline): Record<string, string> {
  return {
    "format-version": "2",
    "write.format.default": "parquet",
    "write.parquet.compression-codec": pipeline.sink.compression,
    "lakestream.pipeline": pipeline.name,
    "lakestream.writer": PARQUET_CREATED_BY,
  };
}
