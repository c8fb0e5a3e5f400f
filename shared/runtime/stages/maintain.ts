import pLimit from "p-limit";
import { commitSnapshot } from "../../catalog/commit-snapshot.ts";
import { CommitConflictError } from "../../catalog/errors.ts";
import { referencedKeys } from "../../catalog/referenced-files.ts";
import type { TableCatalog, TableIdentifier } from "../../catalog/table-catalog.ts";
import { snapshotsToExpire } from "../../core/iceberg/expire.ts";
import { currentSnapshot } from "../../core/iceberg/table-metadata.ts";
import { maintainInputSchema, parseStageInput, type StageTiming } from "../../core/stages/stage-io.ts";
import { keyOfLocation } from "../../storage/locations.ts";
import { cleanHiveTable, type HiveCleanup } from "./hive-cleanup.ts";
import { catalogOf, filesOf, pipelineTables } from "./iceberg-tables.ts";
import { type StageDeps, startTiming } from "./stage-deps.ts";

const HOUR_MS = 3_600_000;

/** What maintenance did to one table. */
export interface TableMaintenance {
  readonly table: string;
  /** Data manifests before a merge (0 when the table has no snapshot). */
  readonly manifests: number;
  readonly manifestsMerged: boolean;
  readonly snapshotsExpired: number;
  readonly orphansRemoved: number;
  readonly bytesRemoved: number;
}

export interface MaintainOutput {
  readonly tables: readonly TableMaintenance[];
  /** Hive-layout tables: superseded files removed (empty for Iceberg pipelines). */
  readonly hive: readonly HiveCleanup[];
  readonly timing: StageTiming;
}

/**
 * The maintain stage, after publish: for each Iceberg table, merges manifests once there are
 * more than the threshold (a "replace" snapshot, same rows), expires snapshots past the
 * retention (a metadata commit guarded by the current snapshot), then deletes the files no
 * kept snapshot or metadata file references and that are older than the safety age — the
 * orphans of crashed or conflicted commits and the files of expired snapshots. Hive-layout
 * tables: removes the files no `_SUCCESS` manifest lists any more. The only stage that deletes;
 * running it again finds nothing more to do.
 */
export function createMaintainStage(
  deps: StageDeps,
  clock: () => number = Date.now,
): (input: unknown) => Promise<MaintainOutput> {
  const { pipeline } = deps;
  return async (raw) => {
    const done = startTiming();
    const input = parseStageInput("maintain", maintainInputSchema, raw);
    const m = pipeline.maintenance;
    const retentionMs = (input.snapshotRetentionHours ?? m.snapshotRetentionHours) * HOUR_MS;
    const orphanAgeMs = (input.orphanFileAgeHours ?? m.orphanFileAgeHours) * HOUR_MS;
    const catalog = catalogOf(deps);
    const tables: TableMaintenance[] = [];
    for (const t of pipelineTables(deps)) {
      if (!(await catalog.loadTable(t.id))) continue;
      const merged = await mergeManifests(deps, catalog, t.id, m.manifestMergeThreshold);
      const expired = await expireSnapshots(catalog, t.id, {
        nowMs: clock(),
        retentionMs,
        minSnapshotsToKeep: m.minSnapshotsToKeep,
      });
      const orphans = await removeOrphans(deps, catalog, t.id, clock() - orphanAgeMs);
      tables.push({ table: t.id.name, ...merged, snapshotsExpired: expired, ...orphans });
    }
    const hive: HiveCleanup[] = [];
    if (pipeline.sink.tableFormat === "hive") {
      for (const table of [
        pipeline.sink.table,
        ...(pipeline.aggregations?.tables ?? []).map((a) => a.table),
      ]) {
        hive.push(await cleanHiveTable(deps, table, clock() - orphanAgeMs));
      }
    }
    return { tables, hive, timing: done() };
  };
}

async function mergeManifests(
  deps: StageDeps,
  catalog: TableCatalog,
  id: TableIdentifier,
  threshold: number,
) {
  let manifests = 0;
  const outcome = await commitSnapshot({
    catalog,
    files: filesOf(deps),
    table: id,
    decide: (_table, live) => {
      manifests = live.manifests.filter((x) => x.file.content === 0).length;
      if (manifests <= threshold) return undefined;
      return {
        add: [],
        remove: new Set(),
        summary: { "lakestream.maintenance": "merge-manifests" },
        mergeManifests: true,
      };
    },
  });
  return { manifests, manifestsMerged: outcome.committed };
}

async function expireSnapshots(
  catalog: TableCatalog,
  id: TableIdentifier,
  policy: Parameters<typeof snapshotsToExpire>[1],
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const table = await catalog.loadTable(id);
    if (!table) return 0;
    const ids = snapshotsToExpire(table.metadata, policy);
    if (ids.length === 0) return 0;
    try {
      await catalog.commitTable(
        id,
        table,
        [
          { type: "assert-table-uuid", uuid: table.metadata["table-uuid"] },
          {
            type: "assert-ref-snapshot-id",
            ref: "main",
            "snapshot-id": currentSnapshot(table.metadata)?.["snapshot-id"] ?? null,
          },
        ],
        [{ action: "remove-snapshots", "snapshot-ids": ids }],
      );
      return ids.length;
    } catch (e) {
      if (!(e instanceof CommitConflictError) || attempt >= 5) throw e;
    }
  }
}

async function removeOrphans(deps: StageDeps, catalog: TableCatalog, id: TableIdentifier, olderThan: number) {
  const table = await catalog.loadTable(id);
  if (!table) return { orphansRemoved: 0, bytesRemoved: 0 };
  let prefix: string;
  try {
    prefix = `${keyOfLocation(deps.store, table.metadata.location)}/`;
  } catch {
    // A table the catalog keeps outside the lake (S3 Tables) is cleaned by the catalog's own
    // maintenance; its storage allows neither listing nor deleting.
    return { orphansRemoved: 0, bytesRemoved: 0 };
  }
  const keep = await referencedKeys(deps.store, table, deps.concurrency ?? 8);
  const orphans = (await deps.store.list(prefix)).filter(
    (o) => !keep.has(o.key) && o.lastModified < olderThan,
  );
  const limit = pLimit(deps.concurrency ?? 8);
  await Promise.all(orphans.map((o) => limit(() => deps.store.delete(o.key))));
  return { orphansRemoved: orphans.length, bytesRemoved: orphans.reduce((n, o) => n + o.size, 0) };
}
