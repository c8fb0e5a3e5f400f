import type { Dirent } from "node:fs";
import { link, lstat, mkdir, readdir, readFile, rename, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { errno, fsError } from "./fs-errors.ts";
import { sweepTemps, TEMP_DIR, TEMP_SUFFIX, writeTemp } from "./fs-temp.ts";
import { compareKeys } from "./key-order.ts";
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from "./object-store.ts";
import { assertSafeKey, StorageError } from "./object-store.ts";

export interface FsObjectStoreOptions {
  /**
   * fsync each file before publishing it (default true), so a crash never leaves a published
   * but empty file behind. Tests that write thousands of tiny objects may turn it off.
   */
  readonly durable?: boolean;
}

/**
 * The embedded store: a lake on the local disk with the same semantics as the S3 store.
 * Every write goes to a temp file (see fs-temp.ts) and is then published atomically,
 * so readers never see half a file; `ifAbsent` publishes with link(2), which fails when the
 * key exists, so of two racing writers exactly one wins, as with S3's `If-None-Match: *`.
 */
export class FsObjectStore implements ObjectStore {
  readonly url: string;
  readonly root: string;
  readonly #durable: boolean;
  #swept: Promise<void> | undefined;

  constructor(root = "./lake", options: FsObjectStoreOptions = {}) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.#durable = options.durable ?? true;
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const target = this.#path(key);
    this.#swept ??= sweepTemps(this.root);
    await this.#swept;
    const temp = await writeTemp(this.root, key, body, this.#durable);
    try {
      return { written: await this.#publish(key, temp, target, options.ifAbsent === true) };
    } catch (error) {
      throw fsError(key, "put", error);
    } finally {
      // After rename the temp name is gone already; after link it is a second name to drop.
      await unlink(temp).catch(() => undefined);
      // Only an empty temp folder goes: a lake at rest holds nothing but its objects.
      await rmdir(dirname(temp)).catch(() => undefined);
    }
  }

  /** Gives the temp file the key's name: rename (replace) or link (only if absent). */
  async #publish(key: string, temp: string, target: string, ifAbsent: boolean): Promise<boolean> {
    // A concurrent delete may prune the freshly made folder before the file lands in it: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true });
        if (ifAbsent) await link(temp, target);
        else await rename(temp, target);
        return true;
      } catch (error) {
        if (errno(error) === "ENOENT" && attempt < 5) continue;
        if (errno(error) === "ENOTDIR" || (errno(error) === "EEXIST" && !ifAbsent)) {
          throw new StorageError(key, "an object is in the way of this key's folder", false, {
            cause: error,
          });
        }
        if (errno(error) !== "EEXIST") throw error;
        // A folder of that name (from longer keys) is not an object: refusing beats claiming it.
        if ((await lstat(target)).isDirectory()) {
          throw new StorageError(key, "a folder has this name, so it cannot be an object", false);
        }
        return false;
      }
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key);
    try {
      const bytes = await readFile(path);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fsError(key, "get", error);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix !== "") assertSafeKey(prefix);
    // Only the folder holding the prefix's last segment can contain matches.
    const cut = prefix.lastIndexOf("/");
    const start = cut < 0 ? this.root : join(this.root, prefix.slice(0, cut));
    let entries: Dirent[];
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw fsError(prefix, "list", error);
    }
    const found: ObjectInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith(TEMP_SUFFIX)) continue;
      if (entry.parentPath === join(this.root, TEMP_DIR)) continue;
      const path = join(entry.parentPath, entry.name);
      const key = relative(this.root, path).split(sep).join("/");
      if (!key.startsWith(prefix)) continue;
      try {
        const info = await stat(path);
        found.push({ key, size: info.size, lastModified: info.mtimeMs });
      } catch (error) {
        // Deleted between readdir and stat: it is simply not there any more.
        if (!isMissing(error)) throw fsError(key, "list", error);
      }
    }
    return found.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isMissing(error) || errno(error) === "EISDIR") return;
      throw fsError(key, "delete", error);
    }
    await this.#pruneEmptyParents(dirname(path));
  }

  /** Maps a key to a path under the root, refusing anything that could not be a plain file there. */
  #path(key: string): string {
    assertSafeKey(key);
    if (
      key.endsWith("/") ||
      key.includes("//") ||
      key.includes("\0") ||
      key.endsWith(TEMP_SUFFIX) ||
      key.split("/", 1)[0] === TEMP_DIR
    ) {
      throw new StorageError(key, "unsafe object key for a file system store", false);
    }
    const path = join(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new StorageError(key, "unsafe object key", false);
    return path;
  }

  async #pruneEmptyParents(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        // Not empty (or already gone, or refilled by a concurrent put): stop climbing.
        return;
      }
      dir = dirname(dir);
    }
  }
}

/** A missing file, or a path through a file or onto a folder: in S3 terms, no such key. */
function isMissing(error: unknown): boolean {
  const code = errno(error);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}
