import { randomBytes, randomUUID } from "node:crypto";
import {
  type ProducedSnapshot,
  produceSnapshot,
  type SnapshotChange,
} from "../core/iceberg/snapshot-producer.ts";
import type { Snapshot } from "../core/iceberg/types.ts";
import type { TableFiles } from "../storage/table-files.ts";
import { CommitConflictError, CommitStateUnknownError, NoSuchTableError } from "./errors.ts";
import { type LiveState, readLiveState } from "./live-files.ts";
import { type LoadedTable, type TableCatalog, type TableIdentifier, tableName } from "./table-catalog.ts";

export interface CommitOptions {
  readonly catalog: TableCatalog;
  /** Where the table's metadata files go (tableFiles over the lake, and the catalog's own storage). */
  readonly files: TableFiles;
  readonly table: TableIdentifier;
  /**
   * Decides the change against the table as it is now; called again after every conflict, so
   * the change is always rebased on the latest snapshot. Undefined: nothing left to commit.
   */
  readonly decide: (
    table: LoadedTable,
    live: LiveState,
  ) => Promise<SnapshotChange | undefined> | SnapshotChange | undefined;
  /** Commit attempts before giving up (each after a reload). */
  readonly attempts?: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type CommitOutcome =
  | {
      readonly committed: true;
      readonly snapshot: Snapshot;
      readonly attempts: number;
      readonly table: LoadedTable;
    }
  | { readonly committed: false; readonly attempts: number; readonly table: LoadedTable };

/**
 * One atomic snapshot, optimistic-concurrency style: load, decide, write manifests, commit with
 * the parent asserted; on a conflict reload and decide again, with jittered backoff, bounded.
 * When the catalog cannot say whether a commit landed, the reload answers it: our snapshot id
 * in the table means it did. Readers see the table before or after, never in between.
 */
export async function commitSnapshot(o: CommitOptions): Promise<CommitOutcome> {
  const attempts = o.attempts ?? 8;
  const clock = o.clock ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending: ProducedSnapshot | undefined;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const table = await o.catalog.loadTable(o.table);
    if (!table) throw new NoSuchTableError(tableName(o.table));
    if (
      pending &&
      table.metadata.snapshots?.some((s) => s["snapshot-id"] === pending!.snapshot["snapshot-id"])
    ) {
      return { committed: true, snapshot: pending.snapshot, attempts: attempt - 1, table };
    }
    const live = await readLiveState(o.files, table.metadata);
    const change = await o.decide(table, live);
    if (!change) return { committed: false, attempts: attempt - 1, table };
    pending = await produceSnapshot(table.metadata, live.manifests, change, {
      snapshotId: newSnapshotId(),
      token: randomUUID(),
      nowMs: clock(),
    });
    for (const f of pending.files) {
      await o.files.write(f.location, f.bytes, {
        contentType: "application/octet-stream",
      });
    }
    try {
      const committed = await o.catalog.commitTable(o.table, table, pending.requirements, pending.updates);
      return { committed: true, snapshot: pending.snapshot, attempts: attempt, table: committed };
    } catch (e) {
      if (!(e instanceof CommitConflictError || e instanceof CommitStateUnknownError)) throw e;
      lastError = e;
      if (e instanceof CommitConflictError) pending = undefined;
      // Full jitter: racing writers spread out instead of colliding again in lockstep.
      await sleep(Math.random() * Math.min(2_000, 50 * 2 ** attempt));
    }
  }
  throw new CommitConflictError(tableName(o.table), `gave up after ${attempts} attempts`, {
    cause: lastError,
  });
}

/** A random positive 63-bit id, as the reference implementation makes them (low collision odds). */
export function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  return id === 0n ? 1n : id;
}
