import { type PlannedFile, type QuarantineEntry, quarantineBody } from "../core/batch.ts";
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

/**
 * Writes quarantine lines so that each record's line lands once, however a retried batch is
 * cut. A file is named by its first line's offset; when that key exists (an earlier attempt of
 * a batch starting there), the lines it holds are skipped and the rest go on under the next
 * remaining offset. A put whose reply was lost is checked by reading the key back. Returns the
 * keys holding this batch's lines.
 */
export async function writeQuarantineOnce(
  store: ObjectStore,
  lines: readonly QuarantineEntry[],
  keyOf: (firstOffset: number) => string,
): Promise<string[]> {
  const keys: string[] = [];
  let remaining = lines;
  while (remaining.length > 0) {
    const key = keyOf(remaining[0]!.offset);
    const body = quarantineBody(remaining);
    let written: boolean;
    try {
      ({ written } = await store.put(key, body, { ifAbsent: true, contentType: contentTypeOf(key) }));
    } catch (e) {
      if (!(e instanceof StorageError && e.transient)) throw e;
      const landed = await store.get(key).catch(() => undefined);
      if (!landed || Buffer.compare(landed, body) !== 0) throw e;
      written = true;
    }
    keys.push(key);
    if (written) break;
    const existing = await store.get(key);
    const held = offsetsOf(existing);
    // The file at a key always holds the line its name gives, so each round shortens the list.
    if (!held.has(remaining[0]!.offset)) {
      throw new StorageError(key, "holds no line for the offset its name gives", false);
    }
    remaining = remaining.filter((l) => !held.has(l.offset));
  }
  return keys;
}

function offsetsOf(body: Uint8Array | undefined): Set<number> {
  const out = new Set<number>();
  if (!body) return out;
  for (const line of new TextDecoder().decode(body).split("\n")) {
    if (line.trim() === "") continue;
    out.add((JSON.parse(line) as { offset: number }).offset);
  }
  return out;
}
