import type { PlannedFile } from "../core/batch.ts";
import { conflictFileKey } from "../core/keys.ts";
import { type ObjectStore, StorageError } from "../storage/object-store.ts";

/** A planned file and the key it actually landed under. */
export interface WrittenFile {
  readonly file: PlannedFile;
  readonly key: string;
}

/**
 * Writes one file with `ifAbsent`. When the key exists with the same bytes this is a replay
 * and nothing is written. When it exists with different bytes, the batch was cut differently
 * before (a bisected or partial retry), so the file goes under a key that adds its last offset:
 * raw files may overlap (compaction dedupes), but no record may be lost.
 */
export async function writeFileOnce(
  store: ObjectStore,
  file: PlannedFile,
  contentType: string,
): Promise<WrittenFile> {
  for (const key of [file.key, conflictFileKey(file.key, file.lastOffset)]) {
    const { written } = await store.put(key, file.body, { ifAbsent: true, contentType });
    if (written) return { file, key };
    const existing = await store.get(key);
    if (existing && Buffer.compare(existing, file.body) === 0) return { file, key };
  }
  throw new StorageError(file.key, "both the primary and the conflict key hold other content", false);
}

/** Content type by key, so S3 consoles and browsers show files sensibly. */
export function contentTypeOf(key: string): string {
  if (key.endsWith(".parquet")) return "application/vnd.apache.parquet";
  if (key.endsWith(".jsonl.gz")) return "application/gzip";
  if (key.endsWith(".jsonl")) return "application/x-ndjson";
  return "application/json";
}
