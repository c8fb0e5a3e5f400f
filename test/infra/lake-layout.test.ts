import { describe, expect, it } from "vitest";
import { type LakeRole, lakeAccess } from "../../infra/lake-layout.ts";
import { tablePrefix } from "../../shared/catalog/storage-catalog.ts";
import { dataFileName, ownerTag } from "../../shared/core/iceberg/lakestream-tables.ts";
import { commitKey, dataFileKey, quarantineKey } from "../../shared/core/keys.ts";
import { lateRecordsKey } from "../../shared/core/stages/late-records.ts";
import { manifestKey, publishedFileKey } from "../../shared/core/stages/manifest.ts";
import { runDocumentKey } from "../../shared/core/stages/stage-io.ts";
import { stagedVersionKey } from "../../shared/core/stages/staged-version.ts";
import { audit_log, orders } from "./fixtures/pipelines.ts";

const hiveOrders = { ...orders, sink: { ...orders.sink, tableFormat: "hive" as const } };
const may = (role: LakeRole, what: "read" | "write", key: string, pipeline = orders) =>
  lakeAccess(pipeline, role, {
    namespace: "lakestream",
    hivePublished: pipeline.sink.tableFormat === "hive",
  })[what].some((prefix) => key.startsWith(prefix));
/** Keys of an Iceberg table of the lake, as the storage catalog and the stages build them. */
const iceberg = (table: string, rest: string) =>
  `${tablePrefix({ namespace: "lakestream", name: table })}/${rest}`;

/**
 * The grants are built from infra/lake-layout.ts, the keys from shared/core: these tests fail
 * when the runtime writes a key no grant covers (AccessDenied in AWS, never seen locally).
 */
describe("lake prefixes against the keys the runtime builds", () => {
  const ranges = [{ topic: "orders", partition: 3, first: 10, last: 20 }];

  it("cover every key the ingest writes, for both test pipelines", () => {
    for (const p of [orders, audit_log]) {
      const keys = [
        dataFileKey(p.sink.table, "dt=2026-11-23/hour=07", "orders", 3, 10, "parquet"),
        quarantineKey(p.quarantine.prefix, p.sink.table, "orders", 3, 10),
        commitKey(p.sink.table, ranges),
      ];
      for (const key of keys) {
        expect(may("ingest", "write", key, p), key).toBe(true);
        expect(may("ingest", "read", key, p), key).toBe(true);
      }
    }
  });

  it("keep the ingest (user code) away from run documents and published tables", () => {
    for (const key of [
      runDocumentKey("orders", "r1", "plan.json"),
      manifestKey("orders_raw", "dt=2026-11-23/hour=07"),
      manifestKey("orders_by_country_1h", "dt=2026-11-23/hour=07"),
      iceberg("orders_raw", "metadata/v1.metadata.json"),
      iceberg("orders_raw", "data/x.parquet"),
    ]) {
      expect(may("ingest", "write", key), key).toBe(false);
    }
  });

  it("cover the later stages' documents, files and late records", () => {
    const part = "dt=2026-11-23/hour=07";
    const body = new Uint8Array([1, 2, 3]);
    const dataFile = (table: string) =>
      iceberg(
        table,
        `data/ts_hour=2026-11-23-07/${dataFileName(ownerTag(table, part), "0".repeat(32), 0, body)}`,
      );
    expect(may("plan", "write", runDocumentKey("orders", "r1", "plan.json"))).toBe(true);
    expect(may("plan", "read", commitKey("orders_raw", ranges))).toBe(true);
    expect(may("plan", "write", iceberg("orders_raw", "metadata/v1.metadata.json"))).toBe(true);
    expect(may("compact", "read", runDocumentKey("orders", "r1", "plan.json"))).toBe(true);
    expect(may("compact", "write", dataFile("orders_raw"))).toBe(true);
    expect(may("compact", "write", stagedVersionKey("orders", "r1", "orders_raw", "abc"))).toBe(true);
    expect(may("aggregate", "write", dataFile("orders_by_country_1h"))).toBe(true);
    expect(may("aggregate", "write", lateRecordsKey(orders, "orders_by_country_1h", part))).toBe(true);
    expect(may("publish", "write", runDocumentKey("orders", "r1", "run.json"))).toBe(true);
    expect(may("publish", "write", iceberg("orders_by_country_1h", "metadata/snap-1-1-x.avro"))).toBe(true);
    expect(may("publish", "write", iceberg("orders_raw", "metadata/v2.metadata.json"))).toBe(true);
    // The Hive layout, for a pipeline that asks for it.
    expect(
      may("compact", "write", publishedFileKey("orders_raw", part, 0, body, "parquet"), hiveOrders),
    ).toBe(true);
    expect(may("compact", "write", manifestKey("orders_raw", part), hiveOrders)).toBe(true);
    expect(may("aggregate", "write", manifestKey("orders_by_country_1h", part), hiveOrders)).toBe(true);
  });

  it("keep each later stage to its own tables", () => {
    const part = "dt=2026-11-23/hour=07";
    expect(may("compact", "write", iceberg("orders_by_country_1h", "data/x.parquet"))).toBe(false);
    expect(may("aggregate", "write", iceberg("orders_raw", "data/x.parquet"))).toBe(false);
    expect(may("compact", "write", manifestKey("orders_by_country_1h", part), hiveOrders)).toBe(false);
    expect(may("publish", "write", iceberg("orders_raw", "data/x.parquet"))).toBe(false);
    expect(may("plan", "write", iceberg("orders_raw", "data/x.parquet"))).toBe(false);
    for (const role of ["compact", "aggregate", "publish", "plan"] as const) {
      expect(may(role, "write", dataFileKey("orders_raw", part, "orders", 0, 0, "parquet")), role).toBe(
        false,
      );
    }
  });

  it("leave the Hive-layout prefixes out when the option is off", () => {
    const access = lakeAccess(orders, "compact", { namespace: "lakestream", hivePublished: false });
    expect(access.write.some((p) => p.startsWith("published/"))).toBe(false);
  });
});
