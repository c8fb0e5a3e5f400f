import type { ObjectStore } from "./object-store.ts";
import { StorageError } from "./object-store.ts";

/**
 * Iceberg metadata names files by absolute URI (`s3://bucket/…`, `file:///…`); the object store
 * works with keys relative to its root. These two functions convert, accepting the spellings
 * other engines write for the same place (`file:/x` from Java, `s3a://` from Hadoop).
 */
export function locationOfKey(store: ObjectStore, key: string): string {
  return `${store.url}/${key}`;
}

export function keyOfLocation(store: ObjectStore, location: string): string {
  const root = `${normalize(store.url)}/`;
  const full = normalize(location);
  if (!full.startsWith(root)) {
    throw new StorageError(location, `is outside this lake (${store.url})`, false);
  }
  return decodeURIComponentSafe(full.slice(root.length), location);
}

function normalize(location: string): string {
  if (location.startsWith("file:")) return new URL(location).href.replace(/\/+$/, "");
  return location.replace(/^s3a:\/\//, "s3://").replace(/\/+$/, "");
}

function decodeURIComponentSafe(key: string, location: string): string {
  if (!location.startsWith("file:")) return key;
  try {
    return decodeURIComponent(key);
  } catch {
    throw new StorageError(location, "is not a valid file URL", false);
  }
}
