import { describe, expect, it } from "vitest";
import { commitSnapshot } from "../../shared/catalog/commit-snapshot.ts";
import { ensureTable } from "../../shared/catalog/ensure-table.ts";
import { CommitConflictError, TableAlreadyExistsError } from "../../shared/catalog/errors.ts";
import { readLiveState } from "../../shared/catalog/live-files.ts";
import type { TableCatalog, TableIdentifier } from "../../shared/catalog/table-catalog.ts";
import { produceSnapshot } from "../../shared/core/iceberg/snapshot-producer.ts";
import { currentSchema, currentSnapshot } from "../../shared/core/iceberg/table-metadata.ts";
import type { DataFile } from "../../shared/core/iceberg/types.ts";
import type { TableSchema } from "../../shared/core/schema.ts";
import { keyOfLocation, locationOfKey } from "../../shared/storage/locations.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { tableFiles } from "../../shared/storage/table-files.ts";

export interface CatalogUnderTest {
  readonly catalog: TableCatalog;
  /** The lake the catalog's tables live in (manifests and data files go through it). */
  readonly store: ObjectStore;
  /** A namespace no other test uses. */
  readonly namespace: string;
}

const columns: TableSchema = {
  id: { type: "string" },
  ts: { type: "timestamp" },
  geo: { type: "struct", fields: { country: { type: "string" } } },
};
const partitioning = [{ column: "ts", transform: "hour" as const }];

function dataFile(store: ObjectStore, table: TableIdentifier, name: string, rows: number): DataFile {
  return {
    content: 0,
    filePath: locationOfKey(store, `warehouse/${table.namespace}/${table.name}/data/${name}.parquet`),
    fileFormat: "PARQUET",
    partition: { ts_hour: 490_000 },
    recordCount: rows,
    fileSizeInBytes: 1000,
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
}

/**
 * What every TableCatalog must do, run against each implementation on real storage: the
 * storage catalog on disk and on S3Proxy, Apache Iceberg's REST catalog server with a warehouse
 * on disk and on S3Proxy.
 */
export function describeCatalogContract(name: string, open: () => Promise<CatalogUnderTest>): void {
  describe(`TableCatalog contract: ${name}`, () => {
    let n = 0;
    const setup = async () => {
      const c = await open();
      const id = { namespace: c.namespace, name: `t${n++}` };
      const def = {
        columns,
        partitioning,
        location: locationOfKey(c.store, `warehouse/${id.namespace}/${id.name}`),
        properties: { "lakestream.test": "yes" },
      };
      return { ...c, id, def };
    };

    it("reports a missing table as undefined, then creates it once", async () => {
      const { catalog, id, def } = await setup();
      expect(await catalog.loadTable(id)).toBeUndefined();
      const created = await ensureTable(catalog, id, def);
      expect(created.metadata.location).toBe(def.location);
      expect(created.metadata.properties?.["lakestream.test"]).toBe("yes");
      expect(currentSchema(created.metadata).fields.map((f) => f.name)).toEqual(["id", "ts", "geo"]);
      const loaded = await catalog.loadTable(id);
      expect(loaded?.metadata["table-uuid"]).toBe(created.metadata["table-uuid"]);
      await expect(
        catalog.createTable(id, {
          location: def.location,
          schema: currentSchema(created.metadata),
          spec: created.metadata["partition-specs"][0]!,
          properties: {},
        }),
      ).rejects.toBeInstanceOf(TableAlreadyExistsError);
    });

    it("commits a snapshot whose 64-bit id (above 2^53) comes back exact, and refuses a stale parent", async () => {
      const { catalog, store, id, def } = await setup();
      const table = await ensureTable(catalog, id, def);
      const produce = (snapshotId: bigint, t = table) =>
        produceSnapshot(
          t.metadata,
          [],
          { add: [dataFile(store, id, `f${snapshotId}`, 3)], remove: new Set(), summary: {} },
          { snapshotId, token: `t${snapshotId}`, nowMs: Date.now() },
        );
      const first = await produce(2n ** 62n + 7n);
      for (const f of first.files) await store.put(keyOfLocation(store, f.location), f.bytes);
      const after = await catalog.commitTable(id, table, first.requirements, first.updates);
      expect(currentSnapshot(after.metadata)?.["snapshot-id"]).toBe(2n ** 62n + 7n);
      expect(currentSnapshot((await catalog.loadTable(id))!.metadata)?.["snapshot-id"]).toBe(2n ** 62n + 7n);
      // Built on the table before the first commit: its parent requirement no longer holds.
      const stale = await produce(2n ** 62n + 8n);
      await expect(catalog.commitTable(id, table, stale.requirements, stale.updates)).rejects.toBeInstanceOf(
        CommitConflictError,
      );
    });

    it("lets racing writers all land by reloading and rebasing, losing no manifest", async () => {
      const { catalog, store, id, def } = await setup();
      await ensureTable(catalog, id, def);
      const writers = 4;
      const outcomes = await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          commitSnapshot({
            catalog,
            files: tableFiles(store),
            table: id,
            attempts: 20,
            decide: () => ({ add: [dataFile(store, id, `w${w}`, 10 + w)], remove: new Set(), summary: {} }),
          }),
        ),
      );
      expect(outcomes.every((o) => o.committed)).toBe(true);
      expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
      const table = (await catalog.loadTable(id))!;
      const live = await readLiveState(tableFiles(store), table.metadata);
      expect(live.files.map((f) => f.filePath).sort()).toEqual(
        Array.from({ length: writers }, (_, w) => dataFile(store, id, `w${w}`, 0).filePath).sort(),
      );
      expect(currentSnapshot(table.metadata)?.summary["total-records"]).toBe(String(4 * 10 + 6));
      expect(table.metadata.snapshots).toHaveLength(writers);
    });

    it("evolves the schema: a new nullable column and struct field keep the old ids", async () => {
      const { catalog, id, def } = await setup();
      const v1 = currentSchema((await ensureTable(catalog, id, def)).metadata);
      const v2 = await ensureTable(catalog, id, {
        ...def,
        columns: {
          ...columns,
          geo: {
            type: "struct",
            fields: { country: { type: "string" }, city: { type: "string", nullable: true } },
          },
          referrer: { type: "string", nullable: true },
        },
      });
      const schema = currentSchema(v2.metadata);
      expect(schema["schema-id"]).not.toBe(v1["schema-id"]);
      expect(v2.metadata.schemas.length).toBe(2);
      const idOf = (s: typeof schema, name: string) => s.fields.find((f) => f.name === name)?.id;
      for (const f of v1.fields) expect(idOf(schema, f.name)).toBe(f.id);
      expect(idOf(schema, "referrer")).toBeGreaterThan(v1.fields.length);
      // Running it again changes nothing.
      const again = await ensureTable(catalog, id, {
        ...def,
        columns: { ...columns, referrer: { type: "string", nullable: true } },
      });
      expect(again.metadata["current-schema-id"]).toBe(v2.metadata["current-schema-id"]);
    });
  });
}
