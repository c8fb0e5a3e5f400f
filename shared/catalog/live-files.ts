import pLimit from "p-limit";
import { IcebergMetadataError } from "../core/iceberg/errors.ts";
import { decodeManifest } from "../core/iceberg/manifest.ts";
import { decodeManifestList } from "../core/iceberg/manifest-list.ts";
import { inheritSequenceNumbers, type LoadedManifest } from "../core/iceberg/snapshot-producer.ts";
import { currentSnapshot } from "../core/iceberg/table-metadata.ts";
import { type DataFile, ManifestEntryStatus, type TableMetadata } from "../core/iceberg/types.ts";
import type { TableFiles } from "../storage/table-files.ts";

export interface LiveState {
  /** Every manifest of the current snapshot, entries with inherited sequence numbers. */
  readonly manifests: readonly LoadedManifest[];
  /** The data files a reader of the current snapshot reads. */
  readonly files: readonly DataFile[];
}

/**
 * Reads what the table's current snapshot holds: its manifest list and every manifest in it,
 * whoever wrote them (lakestream, Spark, Flink, pyiceberg). Needed to rebase a commit on the
 * latest snapshot without losing a manifest, and to see which versions are already published.
 */
export async function readLiveState(
  files: TableFiles,
  metadata: TableMetadata,
  concurrency = 8,
): Promise<LiveState> {
  const snapshot = currentSnapshot(metadata);
  if (!snapshot) return { manifests: [], files: [] };
  const list = await readLocation(files, snapshot["manifest-list"]);
  const limit = pLimit(concurrency);
  const manifests = await Promise.all(
    (await decodeManifestList(snapshot["manifest-list"], list)).map((file) =>
      limit(async () => {
        const decoded = await decodeManifest(file.manifestPath, await readLocation(files, file.manifestPath));
        return { file, entries: inheritSequenceNumbers(file, decoded.entries) };
      }),
    ),
  );
  const live = manifests.flatMap((m) =>
    m.file.content === 0
      ? m.entries.filter((e) => e.status !== ManifestEntryStatus.DELETED).map((e) => e.dataFile)
      : [],
  );
  return { manifests, files: live };
}

async function readLocation(files: TableFiles, location: string): Promise<Uint8Array> {
  const body = await files.read(location);
  if (!body)
    throw new IcebergMetadataError(location, "listed in the table's metadata but missing from the lake");
  return body;
}
