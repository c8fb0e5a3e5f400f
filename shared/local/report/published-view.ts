import { readLiveState } from "../../catalog/live-files.ts";
import { StorageCatalog } from "../../catalog/storage-catalog.ts";
import type { TableCatalog } from "../../catalog/table-catalog.ts";
import { parseDataFileName } from "../../core/iceberg/lakestream-tables.ts";
import type { Snapshot } from "../../core/iceberg/types.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { TableSchema } from "../../core/schema.ts";
import { MANIFEST_NAME, type Manifest, publishedTablePrefix } from "../../core/stages/manifest.ts";
import { timePartitionOfPath } from "../../core/stages/windows.ts";
import { readRows } from "../../runtime/stages/read-rows.ts";
import { readJson } from "../../runtime/stages/stage-deps.ts";
import { keyOfLocation } from "../../storage/locations.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { tableFiles } from "../../storage/table-files.ts";

/** One time partition of a published table, as a reader sees it now. */
export interface PublishedPart {
  readonly partition: string;
  readonly files: number;
  readonly bytes: number;
  readonly rows: number;
}

/** A published table as the report shows it, whichever layout holds it. */
export interface PublishedView {
  readonly table: string;
  readonly format: "iceberg" | "hive";
  readonly parts: readonly PublishedPart[];
  /** Published versions (partition manifests, or lakestream's owners in an Iceberg table). */
  readonly versions: number;
  /** The data files readers read, by lake key. */
  readonly fileKeys: readonly string[];
  readonly snapshots: readonly Snapshot[];
  readonly metadataLocation?: string;
  readonly location: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Reads what a published table holds now: an Iceberg table's current snapshot through the
 * catalog (its live files, partition tuples and snapshots), or a Hive-layout table's `_SUCCESS`
 * manifests. Time partitions are given as `dt=…/hour=…` paths either way.
 */
export async function readPublishedView(
  pipeline: Pipeline,
  store: ObjectStore,
  table: string,
  catalog: TableCatalog = new StorageCatalog(store),
  namespace = "lakestream",
): Promise<PublishedView> {
  const g = pipeline.partitioning.granularity;
  if (pipeline.sink.tableFormat === "hive") {
    const manifests = await hiveManifests(store, table);
    return {
      table,
      format: "hive",
      parts: manifests.map((m) => ({
        partition: timePartitionOfPath(m.partition, g),
        files: m.files.length,
        bytes: m.files.reduce((n, f) => n + f.bytes, 0),
        rows: m.rows,
      })),
      versions: manifests.length,
      fileKeys: manifests.flatMap((m) => m.files.map((f) => f.key)),
      snapshots: [],
      location: `${store.url}/${publishedTablePrefix(table)}`,
    };
  }
  const loaded = await catalog.loadTable({ namespace, name: table });
  if (!loaded)
    return { table, format: "iceberg", parts: [], versions: 0, fileKeys: [], snapshots: [], location: "" };
  const live = await readLiveState(tableFiles(store), loaded.metadata);
  const timeField = Object.keys(live.files[0]?.partition ?? {})[0];
  const parts = new Map<string, { files: number; bytes: number; rows: number }>();
  for (const f of live.files) {
    const value = timeField === undefined ? null : f.partition[timeField];
    const ms = typeof value === "number" ? value * (timeField?.endsWith("_hour") ? HOUR_MS : DAY_MS) : 0;
    const iso = new Date(ms).toISOString();
    const partition =
      g === "hour" && timeField?.endsWith("_hour")
        ? `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`
        : `dt=${iso.slice(0, 10)}`;
    const p = parts.get(partition) ?? { files: 0, bytes: 0, rows: 0 };
    p.files++;
    p.bytes += f.fileSizeInBytes;
    p.rows += f.recordCount;
    parts.set(partition, p);
  }
  return {
    table,
    format: "iceberg",
    parts: [...parts].map(([partition, p]) => ({ partition, ...p })),
    versions: new Set(live.files.map((f) => parseDataFileName(f.filePath)?.tag).filter(Boolean)).size,
    fileKeys: live.files.map((f) => keyOfLocation(store, f.filePath)),
    snapshots: loaded.metadata.snapshots ?? [],
    metadataLocation: loaded.metadataLocation,
    location: loaded.metadata.location,
  };
}

/** Every row of a published table's files (small gold tables, for charts). */
export async function readPublishedRows(
  store: ObjectStore,
  view: PublishedView,
  schema: TableSchema,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const key of view.fileKeys) {
    const body = await store.get(key);
    if (body) rows.push(...(await readRows(key, body, schema)));
  }
  return rows;
}

async function hiveManifests(store: ObjectStore, table: string): Promise<Manifest[]> {
  const keys = (await store.list(publishedTablePrefix(table))).filter((f) =>
    f.key.endsWith(`/${MANIFEST_NAME}`),
  );
  const out: Manifest[] = [];
  for (const { key } of keys) {
    const m = await readJson<Manifest>(store, key);
    if (m) out.push(m);
  }
  return out;
}
