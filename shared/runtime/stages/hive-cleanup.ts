import pLimit from "p-limit";
import { MANIFEST_NAME, type Manifest, publishedTablePrefix } from "../../core/stages/manifest.ts";
import type { ObjectInfo } from "../../storage/object-store.ts";
import { readJson, type StageDeps } from "./stage-deps.ts";

export interface HiveCleanup {
  readonly table: string;
  readonly removed: number;
  readonly bytesRemoved: number;
}

/**
 * The Hive-layout half of maintenance: in every partition folder of a published table, deletes
 * the data files its `_SUCCESS` manifest does not list and that predate the manifest (older
 * versions: a version being written now is younger than the manifest it will replace), and in
 * folders without a manifest the files older than the safety age (a first publish that died).
 * It scans the whole table every run, so a delete that failed in one run is done by the next,
 * and a run succeeds only once every folder holds exactly its manifest's files. Listing readers
 * (Spark, Hive, Athena with projection) then see no version twice.
 */
export async function cleanHiveTable(
  deps: StageDeps,
  table: string,
  olderThan: number,
): Promise<HiveCleanup> {
  const prefix = publishedTablePrefix(table);
  const folders = new Map<string, ObjectInfo[]>();
  for (const o of await deps.store.list(prefix)) {
    const folder = o.key.slice(0, o.key.lastIndexOf("/"));
    folders.set(folder, [...(folders.get(folder) ?? []), o]);
  }
  const stale: ObjectInfo[] = [];
  for (const [folder, objects] of folders) {
    const manifestInfo = objects.find((o) => o.key === `${folder}/${MANIFEST_NAME}`);
    const manifest = manifestInfo ? await readJson<Manifest>(deps.store, manifestInfo.key) : undefined;
    const listed = new Set(manifest?.files.map((f) => f.key) ?? []);
    for (const o of objects) {
      if (o === manifestInfo || listed.has(o.key)) continue;
      const superseded = manifestInfo !== undefined && o.lastModified < manifestInfo.lastModified;
      if (superseded || (manifestInfo === undefined && o.lastModified < olderThan)) stale.push(o);
    }
  }
  const limit = pLimit(deps.concurrency ?? 8);
  await Promise.all(stale.map((o) => limit(() => deps.store.delete(o.key))));
  return { table, removed: stale.length, bytesRemoved: stale.reduce((n, o) => n + o.size, 0) };
}
