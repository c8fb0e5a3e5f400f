import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertRestCatalogReady,
  localPath,
  pyicebergCatalogProperties,
  pyicebergS3Properties,
  type RestCatalogEndpoint,
  restCatalogDisk,
  restCatalogS3,
  restMetadataLocation,
} from "../helpers/catalogs.ts";
import { runPython } from "../helpers/python.ts";
import { testS3Client } from "../helpers/services.ts";
import { runSpark } from "../helpers/spark.ts";

// Proves the test plumbing, not lakestream: every write and read here is done by engines nobody
// here wrote, against Apache Iceberg's own REST catalog server. Steps run in order, each on the
// tables the step before left.

/** Snapshot ids beyond 2^53 arrive as strings (lakestream_interop.emit); compare as strings. */
type Id = string | number;
const NAMESPACE = `smoke_${Date.now().toString(36)}_${process.pid.toString(36)}`;
const TABLE = "events";
const ROWS = [
  { id: 1, at: "2026-11-23T07:00:00.000001+00:00", amount: 10, name: "a" },
  { id: 2, at: "2026-11-23T07:59:59.999999+00:00", amount: 20, name: "b" },
  { id: 3, at: "2026-11-23T08:30:00.123456+00:00", amount: 30, name: "c" },
  { id: 4, at: "2026-11-23T09:15:00.500000+00:00", amount: 40, name: "d" },
];
/** What Spark INSERTs: [id, timestamp in the session's UTC, amount, name]. */
const INSERT = [
  [5, "2026-11-23 10:00:00.000007", 50, "e"],
  [6, "2026-11-23 10:45:00.250000", 60, "f"],
];
const FIRST_AT = "2026-11-23T07:00:00.000001";

interface Written {
  location: string;
  metadataLocation: string;
  snapshotId: Id;
  fields: { id: number; name: string; type: string }[];
  partitionFields: { name: string; transform: string; sourceId: number }[];
  dataFiles: string[];
  recordCount: number;
}
interface Summary {
  count: number;
  sum: number;
  first: string;
}
interface SparkResult {
  tables: Record<
    string,
    Record<"before" | "after", { summary: Summary; snapshots: { snapshotId: Id; operation: string }[] }>
  >;
  byPath: Record<string, Summary>;
  hadoop: Summary;
}
interface PyicebergRead {
  catalog: Record<string, Summary & { ids: number[]; snapshotId: Id }>;
  static: Record<string, Summary & { ids: number[]; snapshotId: Id }>;
}

const catalogs: Record<"disk" | "s3", RestCatalogEndpoint> = { disk: restCatalogDisk(), s3: restCatalogS3() };
const keys = ["disk", "s3"] as const;
let written: Record<"disk" | "s3", Written> | undefined;
let sparkSnapshot: Record<"disk" | "s3", Id> | undefined;
/** A Hadoop (path-based) catalog's warehouse: Spark writes `<folder>/ns/events` with version-hint.text. */
const hadoopWarehouse = mkdtempSync(join(tmpdir(), "lakestream-hadoop-"));
const hadoopTable = join(hadoopWarehouse, "ns", TABLE);

function need<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`needs the step before: ${step}`);
  return value;
}

describe("third-party engines (pyiceberg, Spark, DuckDB) through Apache Iceberg's REST catalog, disk and S3 warehouses — no lakestream code", () => {
  beforeAll(async () => {
    await Promise.all(keys.map((k) => assertRestCatalogReady(catalogs[k])));
  });
  afterAll(() => rmSync(hadoopWarehouse, { recursive: true, force: true }));

  it("pyiceberg creates a namespace and an hour-partitioned table with a timestamptz(µs) column, and appends", async () => {
    written = await runPython<Record<"disk" | "s3", Written>>(
      { file: "smoke_pyiceberg_write.py" },
      {
        input: {
          catalogs: {
            disk: pyicebergCatalogProperties(catalogs.disk),
            s3: pyicebergCatalogProperties(catalogs.s3),
          },
          namespace: NAMESPACE,
          table: TABLE,
          rows: ROWS,
        },
      },
    );
    for (const key of keys) {
      const table = written[key];
      expect(table.fields.map((f) => [f.name, f.type])).toEqual([
        ["id", "long"],
        ["at", "timestamptz"],
        ["amount", "long"],
        ["name", "string"],
      ]);
      const at = table.fields.find((f) => f.name === "at");
      expect(table.partitionFields).toEqual([{ name: "at_hour", transform: "hour", sourceId: at?.id }]);
      expect(table.recordCount).toBe(ROWS.length);
      // One file per hour: 07, 08 and 09.
      expect(table.dataFiles.map((f) => f.match(/at_hour=([^/]+)\//)?.[1])).toEqual([
        "2026-11-23-07",
        "2026-11-23-08",
        "2026-11-23-09",
      ]);
    }
    expect(written.disk.location).toBe(`file://${catalogs.disk.warehouse}/${NAMESPACE}/${TABLE}`);
    expect(existsSync(localPath(written.disk.metadataLocation))).toBe(true);
    expect(written.s3.location).toBe(`${catalogs.s3.warehouse}/${NAMESPACE}/${TABLE}`);
    const s3Metadata = new URL(written.s3.metadataLocation);
    const head = await testS3Client().send(
      new HeadObjectCommand({ Bucket: s3Metadata.host, Key: s3Metadata.pathname.slice(1) }),
    );
    expect(head.ContentLength).toBeGreaterThan(0);
  });

  it("Spark reads them through each REST catalog (count, sum, µs timestamps, .snapshots), INSERTs, reads a metadata file by path, and writes a Hadoop-catalog table", async () => {
    const tables = need(written, "pyiceberg write");
    const result = await runSpark<SparkResult>(
      { file: "smoke_spark.py" },
      {
        catalogs: [
          ...keys.map((key) => ({ name: key, kind: "rest" as const, endpoint: catalogs[key] })),
          { name: "lake", kind: "hadoop", warehouse: hadoopWarehouse },
        ],
        input: {
          tables: { disk: `${NAMESPACE}.${TABLE}`, s3: `${NAMESPACE}.${TABLE}` },
          insert: INSERT,
          byPath: { disk: localPath(tables.disk.metadataLocation) },
          hadoop: { table: `lake.ns.${TABLE}`, folder: hadoopTable },
        },
      },
    );
    sparkSnapshot = { disk: "", s3: "" };
    for (const key of keys) {
      const { before, after } = result.tables[key] ?? {};
      expect(before?.summary).toEqual({ count: 4, sum: 100, first: FIRST_AT });
      expect(before?.snapshots.map((s) => [String(s.snapshotId), s.operation])).toEqual([
        [String(tables[key].snapshotId), "append"],
      ]);
      expect(after?.summary).toEqual({ count: 6, sum: 210, first: FIRST_AT });
      expect(after?.snapshots.map((s) => s.operation)).toEqual(["append", "append"]);
      sparkSnapshot[key] = need(after?.snapshots[1]?.snapshotId, "Spark's snapshot");
    }
    // The metadata file pyiceberg wrote is a fixed version: Spark's INSERT is not in it.
    expect(result.byPath.disk).toEqual({ count: 4, sum: 100, first: FIRST_AT });
    expect(result.hadoop).toEqual({ count: 2, sum: 110, first: "2026-11-23T10:00:00.000007" });
    expect(existsSync(join(hadoopTable, "metadata", "version-hint.text"))).toBe(true);
  });

  it("pyiceberg reads Spark's rows back through REST, and each version with StaticTable.from_metadata", async () => {
    const tables = need(written, "pyiceberg write");
    const snapshots = need(sparkSnapshot, "Spark INSERT");
    const latest = {
      disk: await restMetadataLocation(catalogs.disk, NAMESPACE, TABLE),
      s3: await restMetadataLocation(catalogs.s3, NAMESPACE, TABLE),
    };
    const s3Properties = pyicebergS3Properties(need(catalogs.s3.s3, "S3 access"));
    const result = await runPython<PyicebergRead>(
      { file: "smoke_pyiceberg_read.py" },
      {
        input: {
          catalogs: {
            disk: pyicebergCatalogProperties(catalogs.disk),
            s3: pyicebergCatalogProperties(catalogs.s3),
          },
          table: `${NAMESPACE}.${TABLE}`,
          static: {
            diskFirst: { location: tables.disk.metadataLocation },
            diskLatest: { location: latest.disk },
            s3First: { location: tables.s3.metadataLocation, properties: s3Properties },
            s3Latest: { location: latest.s3, properties: s3Properties },
            hadoopFolder: { location: hadoopTable },
          },
        },
      },
    );
    for (const key of keys) {
      const all = result.catalog[key];
      expect(all).toMatchObject({ count: 6, sum: 210, ids: [1, 2, 3, 4, 5, 6], first: `${FIRST_AT}+00:00` });
      expect(String(all?.snapshotId)).toBe(String(snapshots[key]));
      expect(result.static[`${key}First`]).toMatchObject({ count: 4, ids: [1, 2, 3, 4] });
      expect(String(result.static[`${key}First`]?.snapshotId)).toBe(String(tables[key].snapshotId));
      expect(result.static[`${key}Latest`]).toMatchObject({ count: 6, sum: 210 });
    }
    // A folder: pyiceberg follows version-hint.text to the newest metadata file.
    expect(result.static.hadoopFolder).toMatchObject({ count: 2, ids: [5, 6] });
  });

  it("DuckDB's iceberg extension (from its Python wheel, offline) reads the disk table by metadata file, and the Hadoop table by folder", async () => {
    const tables = need(written, "pyiceberg write");
    need(sparkSnapshot, "Spark INSERT");
    const latest = await restMetadataLocation(catalogs.disk, NAMESPACE, TABLE);
    const result = await runPython<Record<string, Summary>>(
      { file: "smoke_duckdb.py" },
      { input: { metadata: { first: tables.disk.metadataLocation, latest, hadoopFolder: hadoopTable } } },
    );
    expect(result.first).toEqual({ count: 4, sum: 100, first: FIRST_AT });
    expect(result.latest).toEqual({ count: 6, sum: 210, first: FIRST_AT });
    expect(result.hadoopFolder).toEqual({ count: 2, sum: 110, first: "2026-11-23T10:00:00.000007" });
  });
});
