import { encodeManifest } from "./manifest.ts";
import { encodeManifestList } from "./manifest-list.ts";
import { partitionSummaries } from "./partition-summary.ts";
import { currentSchema, currentSnapshot, defaultSpec } from "./table-metadata.ts";
import type { TableRequirement, TableUpdate } from "./table-updates.ts";
import {
  type DataFile,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
  type Snapshot,
  type SnapshotOperation,
  type TableMetadata,
} from "./types.ts";

/** A parent manifest with its entries, sequence numbers already inherited. */
export interface LoadedManifest {
  readonly file: ManifestFile;
  readonly entries: readonly ManifestEntry[];
}

export interface SnapshotChange {
  readonly add: readonly DataFile[];
  /** Paths of live data files this snapshot removes. */
  readonly remove: ReadonlySet<string>;
  /** Extra summary properties (lakestream.run-id, lakestream.source-offsets, …). */
  readonly summary: Readonly<Record<string, string>>;
  /** "replace" when the rows stay the same (a rewrite), else append/overwrite by what changes. */
  readonly rewrite?: boolean;
  /**
   * Merge every data manifest into one per partition spec (maintenance): the same live files,
   * EXISTING with their sequence numbers, in fewer manifests for planners to open.
   */
  readonly mergeManifests?: boolean;
}

export interface ProducedSnapshot {
  readonly snapshot: Snapshot;
  /** Manifests and the manifest list to write (absolute locations) before committing. */
  readonly files: readonly { readonly location: string; readonly bytes: Uint8Array }[];
  readonly updates: readonly TableUpdate[];
  readonly requirements: readonly TableRequirement[];
}

export interface ProducerIds {
  readonly snapshotId: bigint;
  /** A unique token for file names (a UUID). */
  readonly token: string;
  readonly nowMs: number;
}

/**
 * Builds the next snapshot of `metadata`'s main branch: a manifest of the added files, the
 * parent's manifests that lose a file rewritten (the file DELETED, the rest EXISTING with their
 * sequence numbers kept), every other live manifest of the parent carried over unchanged —
 * dropping one would silently lose its rows — and the manifest list over all of them. The
 * commit asserts the parent, so a concurrent commit makes it fail instead of overwriting.
 */
export async function produceSnapshot(
  metadata: TableMetadata,
  parent: readonly LoadedManifest[],
  change: SnapshotChange,
  ids: ProducerIds,
): Promise<ProducedSnapshot> {
  const schema = currentSchema(metadata);
  const spec = defaultSpec(metadata);
  const parentSnapshot = currentSnapshot(metadata);
  const sequenceNumber = metadata["last-sequence-number"] + 1;
  const metadataDir = `${metadata.location}/metadata`;
  const files: { location: string; bytes: Uint8Array }[] = [];
  const manifests: ManifestFile[] = [];
  const specOf = (id: number) => metadata["partition-specs"].find((s) => s["spec-id"] === id) ?? spec;

  const writeManifest = async (entries: ManifestEntry[], specId: number, n: number) => {
    const location = `${metadataDir}/${ids.token}-m${n}.avro`;
    const bytes = await encodeManifest(schema, specOf(specId), entries);
    files.push({ location, bytes });
    const live = entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
    const count = (s: ManifestEntryStatus) => entries.filter((e) => e.status === s);
    const rows = (es: ManifestEntry[]) => es.reduce((n, e) => n + e.dataFile.recordCount, 0);
    manifests.push({
      manifestPath: location,
      manifestLength: bytes.byteLength,
      partitionSpecId: specId,
      content: 0,
      sequenceNumber,
      minSequenceNumber: Math.min(sequenceNumber, ...live.map((e) => e.sequenceNumber ?? sequenceNumber)),
      addedSnapshotId: ids.snapshotId,
      addedFilesCount: count(ManifestEntryStatus.ADDED).length,
      existingFilesCount: count(ManifestEntryStatus.EXISTING).length,
      deletedFilesCount: count(ManifestEntryStatus.DELETED).length,
      addedRowsCount: rows(count(ManifestEntryStatus.ADDED)),
      existingRowsCount: rows(count(ManifestEntryStatus.EXISTING)),
      deletedRowsCount: rows(count(ManifestEntryStatus.DELETED)),
      partitions: partitionSummaries(
        schema,
        specOf(specId),
        live.map((e) => e.dataFile),
      ),
    });
  };

  let n = 0;
  if (change.add.length > 0) {
    const added = change.add.map(
      (dataFile): ManifestEntry => ({
        status: ManifestEntryStatus.ADDED,
        snapshotId: ids.snapshotId,
        sequenceNumber: null,
        fileSequenceNumber: null,
        dataFile,
      }),
    );
    await writeManifest(added, spec["spec-id"], n++);
  }
  const removed: DataFile[] = [];
  const merged = new Map<number, ManifestEntry[]>();
  for (const m of parent) {
    const hit =
      m.file.content === 0 &&
      (change.mergeManifests ||
        m.entries.some(
          (e) => e.status !== ManifestEntryStatus.DELETED && change.remove.has(e.dataFile.filePath),
        ));
    if (!hit) {
      manifests.push(m.file);
      continue;
    }
    const rewritten: ManifestEntry[] = [];
    for (const e of m.entries) {
      if (e.status === ManifestEntryStatus.DELETED) continue;
      const gone = change.remove.has(e.dataFile.filePath);
      if (gone) removed.push(e.dataFile);
      rewritten.push({
        ...e,
        status: gone ? ManifestEntryStatus.DELETED : ManifestEntryStatus.EXISTING,
        ...(gone ? { snapshotId: ids.snapshotId } : {}),
      });
    }
    if (!change.mergeManifests) await writeManifest(rewritten, m.file.partitionSpecId, n++);
    else merged.set(m.file.partitionSpecId, [...(merged.get(m.file.partitionSpecId) ?? []), ...rewritten]);
  }
  for (const [specId, entries] of [...merged].sort(([a], [b]) => a - b)) {
    const live = entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
    if (live.length > 0) await writeManifest(live, specId, n++);
  }

  const operation: SnapshotOperation =
    removed.length === 0
      ? "append"
      : change.rewrite
        ? "replace"
        : change.add.length === 0
          ? "delete"
          : "overwrite";
  const sum = (fs: readonly DataFile[], f: (d: DataFile) => number) => fs.reduce((t, d) => t + f(d), 0);
  const liveRows = manifests.reduce((t, m) => t + m.addedRowsCount + m.existingRowsCount, 0);
  const liveFiles = manifests.reduce((t, m) => t + m.addedFilesCount + m.existingFilesCount, 0);
  const partitions = new Set(
    [...change.add, ...removed].map((d) =>
      JSON.stringify(d.partition, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    ),
  );
  const parentTotals = parentSnapshot?.summary;
  const sizeDelta = sum(change.add, (d) => d.fileSizeInBytes) - sum(removed, (d) => d.fileSizeInBytes);
  const summary = {
    operation,
    "added-data-files": String(change.add.length),
    "deleted-data-files": String(removed.length),
    "added-records": String(sum(change.add, (d) => d.recordCount)),
    "deleted-records": String(sum(removed, (d) => d.recordCount)),
    "added-files-size": String(sum(change.add, (d) => d.fileSizeInBytes)),
    "removed-files-size": String(sum(removed, (d) => d.fileSizeInBytes)),
    "changed-partition-count": String(partitions.size),
    "total-records": String(liveRows),
    "total-data-files": String(liveFiles),
    ...(parentTotals?.["total-files-size"] !== undefined || !parentSnapshot
      ? { "total-files-size": String(Number(parentTotals?.["total-files-size"] ?? 0) + sizeDelta) }
      : {}),
    "total-delete-files": parentTotals?.["total-delete-files"] ?? "0",
    "total-position-deletes": parentTotals?.["total-position-deletes"] ?? "0",
    "total-equality-deletes": parentTotals?.["total-equality-deletes"] ?? "0",
    ...(change.mergeManifests
      ? {
          "manifests-created": String(n),
          "manifests-replaced": String(parent.filter((m) => m.file.content === 0).length),
          "manifests-kept": String(parent.filter((m) => m.file.content !== 0).length),
        }
      : {}),
    ...change.summary,
  };

  const manifestListLocation = `${metadataDir}/snap-${ids.snapshotId}-1-${ids.token}.avro`;
  files.push({
    location: manifestListLocation,
    bytes: await encodeManifestList(
      {
        snapshotId: ids.snapshotId,
        sequenceNumber,
        ...(parentSnapshot ? { parentSnapshotId: parentSnapshot["snapshot-id"] } : {}),
      },
      manifests,
    ),
  });
  const snapshot: Snapshot = {
    "snapshot-id": ids.snapshotId,
    ...(parentSnapshot ? { "parent-snapshot-id": parentSnapshot["snapshot-id"] } : {}),
    "sequence-number": sequenceNumber,
    "timestamp-ms": ids.nowMs,
    "manifest-list": manifestListLocation,
    summary,
    "schema-id": schema["schema-id"],
  };
  return {
    snapshot,
    files,
    updates: [
      { action: "add-snapshot", snapshot },
      { action: "set-snapshot-ref", "ref-name": "main", type: "branch", "snapshot-id": ids.snapshotId },
    ],
    requirements: [
      { type: "assert-table-uuid", uuid: metadata["table-uuid"] },
      { type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": parentSnapshot?.["snapshot-id"] ?? null },
    ],
  };
}

/**
 * Inherits null sequence numbers and snapshot ids of ADDED entries from their manifest's list
 * entry, as the spec requires of readers, so a rewritten manifest keeps them explicit.
 */
export function inheritSequenceNumbers(
  file: ManifestFile,
  entries: readonly ManifestEntry[],
): ManifestEntry[] {
  return entries.map((e) => ({
    ...e,
    snapshotId: e.snapshotId ?? file.addedSnapshotId,
    sequenceNumber: e.sequenceNumber ?? (e.status === ManifestEntryStatus.ADDED ? file.sequenceNumber : 0),
    fileSequenceNumber:
      e.fileSequenceNumber ?? (e.status === ManifestEntryStatus.ADDED ? file.sequenceNumber : 0),
  }));
}
