import pLimit from "p-limit";
import { IcebergMetadataError } from "../core/iceberg/errors.ts";
import { decodeManifest } from "../core/iceberg/manifest.ts";
import { decodeManifestList } from "../core/iceberg/manifest-list.ts";
import { ManifestEntryStatus } from "../core/iceberg/types.ts";
import { keyOfLocation } from "../storage/locations.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { LoadedTable } from "./table-catalog.ts";

/**
 * Every object of the lake a table still needs: its current metadata file and the ones its
 * metadata log names, the version hint, and for every snapshot it keeps the manifest list, its
 * manifests and the data files live in them. Anything else under the table's folder is an
 * orphan: a file of a crashed or conflicted commit, or of an expired snapshot.
 */
export async function referencedKeys(
  store: ObjectStore,
  table: LoadedTable,
  concurrency = 8,
): Promise<Set<string>> {
  const out = new Set<string>();
  // A file another engine keeps outside this lake cannot be an orphan in it: nothing to record.
  const inLake = (location: string): string | undefined => {
    try {
      return keyOfLocation(store, location);
    } catch {
      return undefined;
    }
  };
  const add = (location: string) => {
    const k = inLake(location);
    if (k !== undefined) out.add(k);
    return k;
  };
  add(table.metadataLocation);
  for (const entry of table.metadata["metadata-log"] ?? []) add(entry["metadata-file"]);
  add(`${table.metadata.location}/metadata/version-hint.text`);
  const limit = pLimit(concurrency);
  const manifests = new Set<string>();
  await Promise.all(
    (table.metadata.snapshots ?? []).map((s) =>
      limit(async () => {
        const k = add(s["manifest-list"]);
        if (k === undefined) return;
        const list = await store.get(k);
        // Deleting against an incomplete picture could delete live data: refuse instead.
        if (!list)
          throw new IcebergMetadataError(s["manifest-list"], "a kept snapshot's manifest list is missing");
        for (const m of await decodeManifestList(s["manifest-list"], list)) manifests.add(m.manifestPath);
      }),
    ),
  );
  await Promise.all(
    [...manifests].map((location) =>
      limit(async () => {
        const k = add(location);
        if (k === undefined) return;
        const body = await store.get(k);
        if (!body) throw new IcebergMetadataError(location, "a kept snapshot's manifest is missing");
        for (const e of (await decodeManifest(location, body)).entries) {
          if (e.status !== ManifestEntryStatus.DELETED) add(e.dataFile.filePath);
        }
      }),
    ),
  );
  return out;
}
