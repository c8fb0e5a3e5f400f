import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeAvroFile } from "../../shared/core/iceberg/avro-file.ts";
import { decodeManifest } from "../../shared/core/iceberg/manifest.ts";
import { decodeManifestList } from "../../shared/core/iceberg/manifest-list.ts";
import { partitionSpecFor } from "../../shared/core/iceberg/partition.ts";
import { newIcebergSchema } from "../../shared/core/iceberg/schema.ts";
import {
  inheritSequenceNumbers,
  type LoadedManifest,
  produceSnapshot,
} from "../../shared/core/iceberg/snapshot-producer.ts";
import { applyUpdates, currentSnapshot, newTableMetadata } from "../../shared/core/iceberg/table-metadata.ts";
import { type DataFile, ManifestEntryStatus, type TableMetadata } from "../../shared/core/iceberg/types.ts";

const schema = newIcebergSchema({ ts: { type: "timestamp" }, country: { type: "string" } });
const spec = partitionSpecFor(schema, [
  { column: "ts", transform: "hour" },
  { column: "country", transform: "identity" },
]);
const base = newTableMetadata({ uuid: "u-1", location: "mem://t", schema, spec, nowMs: 0 });

function file(name: string, rows = 10, hour = 1): DataFile {
  return {
    content: 0,
    filePath: `mem://t/data/${name}.parquet`,
    fileFormat: "PARQUET",
    partition: { ts_hour: hour, country: "DE" },
    recordCount: rows,
    fileSizeInBytes: 100,
    valueCounts: new Map([[1, rows]]),
    nullValueCounts: new Map([[1, 0]]),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
}

/** A table kept in memory: commits go through produceSnapshot and applyUpdates, as a catalog would. */
class MemoryTable {
  metadata: TableMetadata = base;
  readonly files = new Map<string, Uint8Array>();
  #n = 0n;

  async live(): Promise<{ manifests: LoadedManifest[]; paths: string[] }> {
    const snap = currentSnapshot(this.metadata);
    if (!snap) return { manifests: [], paths: [] };
    const list = await decodeManifestList(snap["manifest-list"], this.files.get(snap["manifest-list"])!);
    const manifests: LoadedManifest[] = [];
    for (const m of list) {
      const decoded = await decodeManifest(m.manifestPath, this.files.get(m.manifestPath)!);
      manifests.push({ file: m, entries: inheritSequenceNumbers(m, decoded.entries) });
    }
    const paths = manifests
      .flatMap((m) => m.entries.filter((e) => e.status !== ManifestEntryStatus.DELETED))
      .map((e) => e.dataFile.filePath);
    return { manifests, paths: paths.sort() };
  }

  async commit(add: DataFile[], remove: string[]) {
    const { manifests } = await this.live();
    // Ids above 2^53, as Java engines make them.
    const snapshotId = 2n ** 62n + ++this.#n;
    const p = await produceSnapshot(
      this.metadata,
      manifests,
      { add, remove: new Set(remove), summary: { "lakestream.run-id": `r${this.#n}` } },
      { snapshotId, token: `tok${this.#n}`, nowMs: Number(this.#n) },
    );
    for (const f of p.files) this.files.set(f.location, f.bytes);
    this.metadata = applyUpdates(this.metadata, p.updates, Number(this.#n));
    return p;
  }
}

describe("Iceberg snapshots", () => {
  it("writes manifests whose Avro schema carries Iceberg field ids and whose header names the spec", async () => {
    const t = new MemoryTable();
    const p = await t.commit([file("a")], []);
    const manifest = p.files.find((f) => f.location.endsWith("-m0.avro"))!;
    const { metadata, records } = await decodeAvroFile(manifest.bytes);
    expect(JSON.parse(metadata["avro.schema"] ?? "{}").fields[0]).toMatchObject({
      name: "status",
      "field-id": 0,
    });
    expect(JSON.parse(metadata["partition-spec"] ?? "[]")).toEqual(spec.fields);
    expect(metadata).toMatchObject({ "format-version": "2", content: "data", "partition-spec-id": "0" });
    expect(records).toHaveLength(1);
    const list = await decodeAvroFile(p.files.at(-1)!.bytes);
    expect(list.metadata["snapshot-id"]).toBe((2n ** 62n + 1n).toString());
  });

  it("keeps every live manifest of the parent and marks replaced files DELETED with their sequence numbers", async () => {
    const t = new MemoryTable();
    await t.commit([file("a"), file("b")], []);
    await t.commit([file("c", 5, 2)], []);
    const p = await t.commit([file("a2")], ["mem://t/data/a.parquet"]);
    expect(p.snapshot.summary).toMatchObject({
      operation: "overwrite",
      "added-data-files": "1",
      "deleted-data-files": "1",
      "deleted-records": "10",
      "total-records": "25",
      "total-data-files": "3",
      "lakestream.run-id": "r3",
    });
    expect(p.requirements).toContainEqual({
      type: "assert-ref-snapshot-id",
      ref: "main",
      "snapshot-id": 2n ** 62n + 2n,
    });
    const { manifests, paths } = await t.live();
    expect(paths).toEqual(["a2", "b", "c"].map((n) => `mem://t/data/${n}.parquet`));
    // The manifest that held c was not touched; the one that held a and b was rewritten.
    expect(manifests).toHaveLength(3);
    const rewritten = manifests.find((m) => m.entries.some((e) => e.status === ManifestEntryStatus.DELETED))!;
    const deleted = rewritten.entries.find((e) => e.status === ManifestEntryStatus.DELETED)!;
    expect(deleted).toMatchObject({ sequenceNumber: 1, fileSequenceNumber: 1, snapshotId: 2n ** 62n + 3n });
    expect(rewritten.entries.find((e) => e.dataFile.filePath.endsWith("/b.parquet"))).toMatchObject({
      status: ManifestEntryStatus.EXISTING,
      sequenceNumber: 1,
    });
    expect(t.metadata["last-sequence-number"]).toBe(3);
  });

  it("holds exactly the files a model says after any sequence of appends and replacements", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ add: fc.integer({ min: 0, max: 3 }), remove: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (steps) => {
          const t = new MemoryTable();
          const model = new Set<string>();
          let n = 0;
          for (const step of steps) {
            const remove = [...model].slice(0, step.remove);
            const add = Array.from({ length: step.add }, () => file(`f${n++}`, 1 + (n % 7), n % 3));
            if (add.length === 0 && remove.length === 0) continue;
            await t.commit(add, remove);
            for (const r of remove) model.delete(r);
            for (const a of add) model.add(a.filePath);
          }
          expect((await t.live()).paths).toEqual([...model].sort());
        },
      ),
      { numRuns: 40 },
    );
  });
});
