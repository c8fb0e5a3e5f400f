import { describe, expect, it } from "vitest";
import { type LakeRole, lakeAccess } from "../../infra/lake-layout.ts";
import { commitKey, dataFileKey, quarantineKey } from "../../shared/core/keys.ts";
import { lateRecordsKey } from "../../shared/core/stages/late-records.ts";
import { manifestKey, publishedFileKey } from "../../shared/core/stages/manifest.ts";
import { runDocumentKey } from "../../shared/core/stages/stage-io.ts";
import { audit_log, orders } from "./fixtures/pipelines.ts";

const options = { namespace: "lakestream", hivePublished: true };
const may = (role: LakeRole, what: "read" | "write", key: string, pipeline = orders) =>
  lakeAccess(pipeline, role, options)[what].some((prefix) => key.startsWith(prefix));

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
      "warehouse/lakestream/orders_raw_published/metadata/v1.metadata.json",
    ]) {
      expect(may("ingest", "write", key), key).toBe(false);
    }
  });

  it("cover the later stages' documents, files and late records", () => {
    const part = "dt=2026-11-23/hour=07";
    const body = new Uint8Array([1, 2, 3]);
    expect(may("plan", "write", runDocumentKey("orders", "r1", "plan.json"))).toBe(true);
    expect(may("plan", "read", commitKey("orders_raw", ranges))).toBe(true);
    expect(may("compact", "read", runDocumentKey("orders", "r1", "plan.json"))).toBe(true);
    expect(may("compact", "write", publishedFileKey("orders_raw", part, 0, body, "parquet"))).toBe(true);
    expect(may("compact", "write", manifestKey("orders_raw", part))).toBe(true);
    expect(may("compact", "write", "warehouse/lakestream/orders_raw_published/data/part-0.parquet")).toBe(
      true,
    );
    expect(may("aggregate", "write", manifestKey("orders_by_country_1h", part))).toBe(true);
    expect(may("aggregate", "write", lateRecordsKey(orders, "orders_by_country_1h", part))).toBe(true);
    expect(may("publish", "write", runDocumentKey("orders", "r1", "run.json"))).toBe(true);
    expect(
      may("publish", "write", "warehouse/lakestream/orders_by_country_1h/metadata/v2.metadata.json"),
    ).toBe(true);
  });

  it("keep each later stage to its own tables", () => {
    const part = "dt=2026-11-23/hour=07";
    expect(may("compact", "write", manifestKey("orders_by_country_1h", part))).toBe(false);
    expect(may("aggregate", "write", manifestKey("orders_raw", part))).toBe(false);
    expect(may("publish", "write", "warehouse/lakestream/orders_raw_published/data/x.parquet")).toBe(false);
    expect(may("plan", "write", "warehouse/lakestream/orders_raw_published/metadata/v1.metadata.json")).toBe(
      false,
    );
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
