import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureTable } from "../../shared/catalog/ensure-table.ts";
import { StorageCatalog, tablePrefix } from "../../shared/catalog/storage-catalog.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { locationOfKey } from "../../shared/storage/locations.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";

/** The lake's store, except that writes of the version hint fail (as under S3 faults). */
function hintWritesFail(store: ObjectStore): ObjectStore {
  return {
    url: store.url,
    get: (k) => store.get(k),
    list: (p) => store.list(p),
    delete: (k) => store.delete(k),
    put: (k, b, o) =>
      k.endsWith("/version-hint.text")
        ? Promise.reject(new Error("injected: put failed"))
        : store.put(k, b, o),
  };
}

describe("storage catalog: version-hint.text, which DuckDB and pyiceberg's StaticTable trust", () => {
  it("a commit whose hint write failed is put right by the next load, so hint readers see it", async () => {
    const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "lakestream-hint-")), { durable: false });
    const id = { namespace: "lakestream", name: "events" };
    const hintKey = `${tablePrefix(id)}/metadata/version-hint.text`;
    const table = await ensureTable(new StorageCatalog(store), id, {
      columns: { id: { type: "string" } },
      partitioning: [],
      location: locationOfKey(store, tablePrefix(id)),
      properties: {},
    });
    const committed = await new StorageCatalog(hintWritesFail(store)).commitTable(
      id,
      table,
      [],
      [{ action: "set-properties", updates: { "lakestream.run": "1" } }],
    );
    expect(committed.metadataLocation).toMatch(/\/v2\.metadata\.json$/);
    const hint = async () => new TextDecoder().decode(await store.get(hintKey)).trim();
    expect(await hint()).toBe("1");

    const loaded = await new StorageCatalog(store).loadTable(id);
    expect(loaded?.metadata.properties?.["lakestream.run"]).toBe("1");
    expect(await hint()).toBe("2");
  });
});
