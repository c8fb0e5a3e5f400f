import { mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { compareKeys } from "../../shared/storage/key-order.ts";
import { StorageError } from "../../shared/storage/object-store.ts";

describe("FsObjectStore on-disk details", () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "lakestream-fs-unit-"));
    store = new FsObjectStore(root);
  });

  it("reports its root as a file:// URL", () => {
    expect(store.url).toBe(pathToFileURL(root).href);
  });

  it("leaves no temp file behind and never lists one left by a crashed writer", async () => {
    await store.put("t/a", new Uint8Array([1]));
    await store.put("t/a", new Uint8Array([2]), { ifAbsent: true });
    expect(await readdir(join(root, "t"))).toEqual(["a"]);
    await writeFile(join(root, "t", ".b.0000.lakestream-tmp"), "half a file");
    expect(await store.list("")).toMatchObject([{ key: "t/a", size: 1 }]);
  });

  it("refuses keys a file system cannot hold distinctly", async () => {
    for (const key of ["a//b", "a/", "x.lakestream-tmp", "nul\0byte"]) {
      await expect(store.put(key, new Uint8Array(1)), key).rejects.toMatchObject({
        name: "StorageError",
        transient: false,
      });
    }
  });

  it("fails permanently, instead of reporting 'already there', when a folder has the key's name", async () => {
    await store.put("p/q", new Uint8Array(1));
    await expect(store.put("p", new Uint8Array(1), { ifAbsent: true })).rejects.toBeInstanceOf(StorageError);
    await expect(store.put("p", new Uint8Array(1))).rejects.toMatchObject({ transient: false });
    await store.put("f", new Uint8Array(1));
    await expect(store.put("f/g", new Uint8Array(1))).rejects.toMatchObject({
      name: "StorageError",
      transient: false,
    });
  });

  it("removes folders a delete leaves empty, but not the root or folders still in use", async () => {
    await store.put("t/dt=1/hour=2/a", new Uint8Array(1));
    await store.put("t/dt=1/b", new Uint8Array(1));
    await store.delete("t/dt=1/hour=2/a");
    expect(await readdir(join(root, "t", "dt=1"))).toEqual(["b"]);
    await store.delete("t/dt=1/b");
    expect(await readdir(root)).toEqual([]);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it("works without fsync when asked to", async () => {
    const fast = new FsObjectStore(root, { durable: false });
    expect(await fast.put("k", new Uint8Array([5]))).toEqual({ written: true });
    expect(await fast.get("k")).toEqual(new Uint8Array([5]));
  });
});

describe("compareKeys", () => {
  it("orders by UTF-8 bytes as S3 does, not by UTF-16 code units", () => {
    const keys = ["b", "a/b", "a", "\u{1F600}", "\uFF21", "a-b"];
    expect([...keys].sort(compareKeys)).toEqual(["a", "a-b", "a/b", "b", "\uFF21", "\u{1F600}"]);
  });
});
