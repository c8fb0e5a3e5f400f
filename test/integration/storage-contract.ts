import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { StorageError } from "../../shared/storage/object-store.ts";

/** What a store under test must accept, so the suite can make it split bodies early. */
export interface ContractStoreOptions {
  /** Bodies above this size take the store's large-object path (S3 multipart). */
  readonly multipartThreshold: number;
}

export type MakeStore = (options: ContractStoreOptions) => Promise<ObjectStore>;

const MIB = 1024 * 1024;
/** S3 parts are at least 5 MiB, so this is the smallest body that goes up in two parts. */
const LARGE_BODY = 5 * MIB + 64 * 1024;
/** More than one ListObjectsV2 page (1000 keys). */
const MANY_KEYS = 1100;

/** Runs `work` over `items` with at most `limit` in flight: enough to be quick, easy on 2 cores. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += limit) {
    await Promise.all(items.slice(i, i + limit).map(work));
  }
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/**
 * The one behaviour every ObjectStore must have. The same suite runs against the file system
 * store and the S3 store on a real S3 server, which is what lets the laptop stand in for AWS.
 * `makeStore` must return an empty store each time.
 */
export function describeObjectStoreContract(name: string, makeStore: MakeStore): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await makeStore({ multipartThreshold: MIB });
    });

    it("returns exactly the bytes it was given, every byte value included", async () => {
      const body = new Uint8Array(4096).map((_, i) => i % 256);
      body.set(randomBytes(1024), 2048);
      expect(await store.put("t/dt=2026-11-23/part.bin", body)).toEqual({ written: true });
      expect(await store.get("t/dt=2026-11-23/part.bin")).toEqual(body);
      expect(await store.list("t/")).toMatchObject([{ key: "t/dt=2026-11-23/part.bin", size: 4096 }]);
    });

    it("lists when each object was last written, so maintenance can spare young files", async () => {
      const before = Date.now() - 2_000;
      await store.put("m/one", bytes(1));
      const [info] = await store.list("m/");
      expect(info!.lastModified).toBeGreaterThanOrEqual(before);
      expect(info!.lastModified).toBeLessThanOrEqual(Date.now() + 2_000);
    });

    it("stores an empty object", async () => {
      await store.put("empty", new Uint8Array(0));
      expect(await store.get("empty")).toEqual(new Uint8Array(0));
      expect(await store.list("")).toMatchObject([{ key: "empty", size: 0 }]);
    });

    it("replaces an object on a plain put", async () => {
      await store.put("k", bytes(1, 2, 3));
      expect(await store.put("k", bytes(9))).toEqual({ written: true });
      expect(await store.get("k")).toEqual(bytes(9));
    });

    it("writes nothing on a second ifAbsent put of the same key", async () => {
      expect(await store.put("a/b.parquet", bytes(1, 2, 3), { ifAbsent: true })).toEqual({ written: true });
      expect(await store.put("a/b.parquet", bytes(7, 7), { ifAbsent: true })).toEqual({ written: false });
      expect(await store.get("a/b.parquet")).toEqual(bytes(1, 2, 3));
      expect(await store.list("a/")).toMatchObject([{ key: "a/b.parquet", size: 3 }]);
    });

    it("lets exactly one of several concurrent ifAbsent puts win, and keeps the winner's bytes", async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => new Uint8Array(2048).fill(i + 1));
      const results = await Promise.all(
        bodies.map((body) => store.put("race/x.parquet", body, { ifAbsent: true })),
      );
      const winners = results.flatMap((result, i) => (result.written ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get("race/x.parquet")).toEqual(bodies[winners[0]!]);
    });

    it("answers undefined for a missing key, also under a missing folder", async () => {
      expect(await store.get("nope")).toBeUndefined();
      expect(await store.get("no/such/folder/file")).toBeUndefined();
      await store.put("dir/file", bytes(1));
      expect(await store.get("dir")).toBeUndefined();
    });

    it("lists by plain string prefix, in key order, with sizes", async () => {
      const keys = [
        "t/dt=2026-11-23/hour=07/b",
        "t/dt=2026-11-23/hour=07/a",
        "t/dt=2026-11-22/hour=23/z",
        "t/dt=2026-11-23/hour=10/c",
        "tx/other",
        "u",
      ];
      await inBatches(keys, 8, (key) => store.put(key, new Uint8Array(key.length)));
      const sorted = [...keys].sort();
      expect((await store.list("")).map((o) => o.key)).toEqual(sorted);
      expect((await store.list("t/")).map((o) => o.key)).toEqual(sorted.filter((k) => k.startsWith("t/")));
      // A prefix may end mid-segment, as in S3.
      expect((await store.list("t/dt=2026-11-2")).map((o) => o.key)).toHaveLength(4);
      expect((await store.list("t/dt=2026-11-23/hour=0")).map((o) => o.key)).toEqual([
        "t/dt=2026-11-23/hour=07/a",
        "t/dt=2026-11-23/hour=07/b",
      ]);
      expect((await store.list("t")).map((o) => o.key)).toHaveLength(5);
      expect(await store.list("t/dt=2026-11-24/")).toEqual([]);
      expect(await store.list("tx/")).toMatchObject([{ key: "tx/other", size: 8 }]);
    });

    it(`lists all of ${MANY_KEYS} keys, past one S3 page, in order`, async () => {
      const keys = Array.from(
        { length: MANY_KEYS },
        (_, i) => `many/p=${i % 3}/k-${String(i).padStart(5, "0")}`,
      );
      await inBatches(keys, 16, (key) => store.put(key, bytes(1)));
      const listed = await store.list("many/");
      expect(listed).toHaveLength(MANY_KEYS);
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      const inP1 = keys.filter((k) => k.startsWith("many/p=1/")).sort();
      expect((await store.list("many/p=1/")).map((o) => o.key)).toEqual(inP1);
    });

    it("deletes idempotently, and a deleted key can be written again", async () => {
      await store.put("d/x/y", bytes(1));
      await store.put("d/keep", bytes(2));
      await store.delete("d/x/y");
      expect(await store.get("d/x/y")).toBeUndefined();
      await expect(store.delete("d/x/y")).resolves.toBeUndefined();
      await expect(store.delete("never/was/here")).resolves.toBeUndefined();
      expect(await store.list("d/")).toMatchObject([{ key: "d/keep", size: 1 }]);
      expect(await store.put("d/x/y", bytes(3), { ifAbsent: true })).toEqual({ written: true });
      expect(await store.get("d/x/y")).toEqual(bytes(3));
    });

    it("rejects keys that could leave the store, as a permanent StorageError", async () => {
      for (const key of ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "..", "a/.."]) {
        const put = store.put(key, bytes(1));
        await expect(put, key).rejects.toBeInstanceOf(StorageError);
        await expect(put, key).rejects.toMatchObject({ name: "StorageError", transient: false });
        await expect(store.get(key), key).rejects.toBeInstanceOf(StorageError);
        await expect(store.delete(key), key).rejects.toBeInstanceOf(StorageError);
      }
      await expect(store.list("../")).rejects.toBeInstanceOf(StorageError);
      expect(await store.list("")).toEqual([]);
    });

    it("round-trips a body large enough for multipart upload, and ifAbsent still holds", async () => {
      const body = randomBytes(LARGE_BODY);
      const other = new Uint8Array(LARGE_BODY).fill(42);
      expect(await store.put("big/object.parquet", body, { ifAbsent: true })).toEqual({ written: true });
      expect(await store.put("big/object.parquet", other, { ifAbsent: true })).toEqual({ written: false });
      const back = await store.get("big/object.parquet");
      expect(back?.byteLength).toBe(LARGE_BODY);
      expect(Buffer.compare(Buffer.from(back!), body)).toBe(0);
      expect(await store.list("big/")).toMatchObject([{ key: "big/object.parquet", size: LARGE_BODY }]);
    });
  });
}
