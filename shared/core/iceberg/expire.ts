import type { TableMetadata } from "./types.ts";

export interface ExpiryPolicy {
  readonly nowMs: number;
  /** Snapshots younger than this stay (time travel reaches back this far). */
  readonly retentionMs: number;
  /** The newest ancestors of main kept whatever their age. */
  readonly minSnapshotsToKeep: number;
}

/**
 * The snapshots to expire: not the current one or any a branch or tag points at, not among the
 * newest `minSnapshotsToKeep` ancestors of main, and older than the retention. Their files are
 * deleted later by orphan removal, once no kept snapshot lists them.
 */
export function snapshotsToExpire(metadata: TableMetadata, policy: ExpiryPolicy): bigint[] {
  const snapshots = metadata.snapshots ?? [];
  const keep = new Set<bigint>();
  for (const ref of Object.values(metadata.refs ?? {})) keep.add(ref["snapshot-id"]);
  if (metadata["current-snapshot-id"] !== undefined) keep.add(metadata["current-snapshot-id"]);
  const byId = new Map(snapshots.map((s) => [s["snapshot-id"], s]));
  let ancestor =
    metadata["current-snapshot-id"] === undefined ? undefined : byId.get(metadata["current-snapshot-id"]);
  for (let i = 0; ancestor && i < policy.minSnapshotsToKeep; i++) {
    keep.add(ancestor["snapshot-id"]);
    const parent = ancestor["parent-snapshot-id"];
    ancestor = parent === undefined ? undefined : byId.get(parent);
  }
  const cutoff = policy.nowMs - policy.retentionMs;
  return snapshots
    .filter((s) => !keep.has(s["snapshot-id"]) && s["timestamp-ms"] < cutoff)
    .map((s) => s["snapshot-id"]);
}
