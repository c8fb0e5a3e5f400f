import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { isHiddenPath, type SourceObject } from "../core/files/file-source.ts";
import { encodeUriPath, type SourceFiles, SourceObjectGoneError } from "./source-files.ts";

/**
 * A folder (or one file) on this machine as a file source. A file's version is the MD5 of its
 * bytes, which is what S3 gives a single-part upload as its ETag: touching or copying a file
 * does not make it new data, changing its bytes does. Versions are cached by size and
 * modification time, so watching a folder hashes only what changed.
 */
export class FsSourceFiles implements SourceFiles {
  readonly root: string;
  readonly #path: string;
  readonly #versions = new Map<string, { size: number; mtimeMs: number; md5: string }>();

  constructor(path: string) {
    this.#path = resolve(path);
    this.root = pathToFileURL(this.#path).href;
  }

  async list(): Promise<SourceObject[]> {
    const top = await stat(this.#path);
    if (top.isFile()) return [await this.#object("", top)];
    const entries = await readdir(this.#path, { recursive: true, withFileTypes: true });
    const out: SourceObject[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const rel = relative(this.#path, join(e.parentPath, e.name)).split(sep).join("/");
      if (isHiddenPath(rel)) continue;
      const s = await stat(join(this.#path, rel)).catch(() => undefined);
      if (s?.isFile()) out.push(await this.#object(rel, s));
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async describe(path: string): Promise<SourceObject | undefined> {
    const s = await stat(this.#file(path)).catch(() => undefined);
    return s?.isFile() ? this.#object(path, s) : undefined;
  }

  async read(object: SourceObject, start = 0, end?: number): Promise<Uint8Array | undefined> {
    const file = this.#file(object.path);
    const handle = await open(file, "r").catch(() => undefined);
    if (!handle) return undefined;
    try {
      const s = await handle.stat();
      if (!this.#same(object, s)) return undefined;
      const stop = Math.min(end ?? s.size, s.size);
      const out = Buffer.allocUnsafe(Math.max(0, stop - start));
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) throw new SourceObjectGoneError(object.uri, "shrank while being read");
        done += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  }

  async *chunks(object: SourceObject): AsyncIterable<Uint8Array> {
    for await (const chunk of createReadStream(this.#file(object.path), { highWaterMark: 4 << 20 })) {
      yield chunk as Buffer;
    }
  }

  #file(path: string): string {
    return path === "" ? this.#path : join(this.#path, ...path.split("/"));
  }

  /** The cached version still describes the file: same size and modification time. */
  #same(object: SourceObject, s: Stats): boolean {
    const v = this.#versions.get(object.path);
    return (
      s.size === object.size && (v === undefined || (v.mtimeMs === s.mtimeMs && v.md5 === object.version))
    );
  }

  async #object(path: string, s: Stats): Promise<SourceObject> {
    let v = this.#versions.get(path);
    if (!v || v.size !== s.size || v.mtimeMs !== s.mtimeMs) {
      const hash = createHash("md5");
      for await (const chunk of createReadStream(this.#file(path))) hash.update(chunk as Buffer);
      v = { size: s.size, mtimeMs: s.mtimeMs, md5: hash.digest("hex") };
      this.#versions.set(path, v);
    }
    return {
      uri: path === "" ? this.root : `${this.root.replace(/\/?$/, "/")}${encodeUriPath(path)}`,
      version: v.md5,
      size: s.size,
      lastModified: Math.floor(s.mtimeMs),
      path: path === "" ? (this.#path.split(sep).pop() ?? "") : path,
    };
  }
}
