import { Buffer } from "node:buffer";
import { decodeAvroFile, encodeAvroFile } from "./avro-file.ts";
import { MANIFEST_FILE_SCHEMA } from "./avro-schemas.ts";
import { IcebergMetadataError } from "./errors.ts";
import { toLong } from "./json.ts";
import type { FieldSummary, ManifestFile } from "./types.ts";

/** Writes a v2 manifest list: one entry per live manifest of the snapshot. */
export async function encodeManifestList(
  snapshot: { snapshotId: bigint; parentSnapshotId?: bigint; sequenceNumber: number },
  manifests: readonly ManifestFile[],
): Promise<Uint8Array> {
  const records = manifests.map((m) => ({
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions:
      m.partitions?.map((p) => ({
        contains_null: p.containsNull,
        contains_nan: p.containsNan ?? null,
        lower_bound: p.lowerBound ? Buffer.from(p.lowerBound) : null,
        upper_bound: p.upperBound ? Buffer.from(p.upperBound) : null,
      })) ?? null,
    key_metadata: null,
  }));
  return encodeAvroFile(MANIFEST_FILE_SCHEMA, records, {
    "snapshot-id": snapshot.snapshotId.toString(),
    "parent-snapshot-id":
      snapshot.parentSnapshotId === undefined ? "null" : snapshot.parentSnapshotId.toString(),
    "sequence-number": String(snapshot.sequenceNumber),
    "format-version": "2",
  });
}

/** Reads a manifest list written by lakestream or any other Iceberg writer. */
export async function decodeManifestList(location: string, bytes: Uint8Array): Promise<ManifestFile[]> {
  const { records } = await decodeAvroFile(bytes).catch((e: unknown) => {
    throw new IcebergMetadataError(location, `not an Avro manifest list: ${(e as Error).message}`, {
      cause: e,
    });
  });
  const count = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  return records.map((r) => ({
    manifestPath: r.manifest_path as string,
    manifestLength: Number(r.manifest_length),
    partitionSpecId: Number(r.partition_spec_id),
    content: Number(r.content ?? 0) as 0 | 1,
    sequenceNumber: Number(r.sequence_number ?? 0),
    minSequenceNumber: Number(r.min_sequence_number ?? 0),
    addedSnapshotId: toLong(r.added_snapshot_id),
    addedFilesCount: count(r.added_files_count ?? r.added_data_files_count),
    existingFilesCount: count(r.existing_files_count ?? r.existing_data_files_count),
    deletedFilesCount: count(r.deleted_files_count ?? r.deleted_data_files_count),
    addedRowsCount: count(r.added_rows_count),
    existingRowsCount: count(r.existing_rows_count),
    deletedRowsCount: count(r.deleted_rows_count),
    ...(Array.isArray(r.partitions)
      ? {
          partitions: (r.partitions as Record<string, unknown>[]).map(
            (p): FieldSummary => ({
              containsNull: Boolean(p.contains_null),
              containsNan:
                p.contains_nan === null || p.contains_nan === undefined ? null : Boolean(p.contains_nan),
              lowerBound: p.lower_bound ? new Uint8Array(p.lower_bound as Buffer) : null,
              upperBound: p.upper_bound ? new Uint8Array(p.upper_bound as Buffer) : null,
            }),
          ),
        }
      : {}),
  }));
}
