import { parquetMetadata } from "hyparquet";
import { describe, expect, it } from "vitest";
import { encodeParquet, PARQUET_CREATED_BY } from "../../shared/core/encode/parquet.ts";
import type { TableSchema } from "../../shared/core/schema.ts";
import { readRows } from "../../shared/runtime/stages/read-rows.ts";

const schema: TableSchema = {
  flag: { type: "boolean" },
  at: { type: "timestamp" },
  nested: { type: "struct", fields: { when: { type: "timestamp", nullable: true } } },
  times: { type: "list", items: { type: "timestamp" } },
};
const n = 40;
const at = Array.from({ length: n }, (_, i) => Date.UTC(2026, 10, 23, 7) + i * 1001);
const columns = {
  flag: Array.from({ length: n }, (_, i) => i % 3 === 0),
  at,
  nested: at.map((t, i) => ({ when: i % 2 ? t : null })),
  times: at.map((t) => [t, t + 1]),
};

function file(fieldIds?: Map<string, number>): ArrayBuffer {
  const body = encodeParquet(schema, columns, { compression: "zstd", ...(fieldIds ? { fieldIds } : {}) });
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
}

/** parquet-mr's VersionParser pattern: Spark trusts string and decimal statistics only when it matches. */
const PARQUET_MR_VERSION = /^(.*?)\s+version\s*(?:([^(]*?)\s*(?:\(\s*build\s*([^)]*?)\s*\))?)?$/;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

describe("Parquet encoding that Spark, Flink and Iceberg readers accept", () => {
  it("writes booleans PLAIN even past 16 values (Flink's vectorized reader rejects RLE)", () => {
    const meta = parquetMetadata(file());
    const flag = meta.row_groups[0]!.columns.find((c) => c.meta_data?.path_in_schema[0] === "flag")!;
    expect(flag.meta_data!.encodings).not.toContain("RLE_DICTIONARY");
    expect(flag.meta_data!.encoding_stats?.map((s) => s.encoding)).toEqual(["PLAIN"]);
  });

  it("stores timestamps as UTC microseconds at every depth and reads back the same instants", async () => {
    const buffer = file();
    const meta = parquetMetadata(buffer);
    const timestamps = meta.schema.filter((e) => e.type === "INT64");
    expect(timestamps.length).toBe(3);
    for (const e of timestamps) {
      expect(e.logical_type).toEqual({ type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" });
    }
    const rows = await readRows("f.parquet", new Uint8Array(buffer), schema);
    expect(rows.map((r) => r.at)).toEqual(at);
    expect(rows[1]!.nested).toEqual({ when: at[1] });
    expect(rows[5]!.times).toEqual([at[5], at[5]! + 1]);
  });

  it("names itself the way parquet-mr's version parser accepts", () => {
    const createdBy = parquetMetadata(file()).created_by!;
    expect(createdBy).toBe(PARQUET_CREATED_BY);
    const m = PARQUET_MR_VERSION.exec(createdBy);
    expect(m?.[1]).toBe("lakestream");
    expect(m?.[2]).toMatch(SEMVER);
    expect(m?.[3]).toBeTruthy();
  });

  it("carries Iceberg field ids on every column, nested ones included, when given", () => {
    const ids = new Map([
      ["flag", 1],
      ["at", 2],
      ["nested", 3],
      ["times", 4],
      ["nested.when", 5],
      ["times.element", 6],
    ]);
    const byName = (name: string) => parquetMetadata(file(ids)).schema.find((e) => e.name === name);
    expect(byName("flag")?.field_id).toBe(1);
    expect(byName("when")?.field_id).toBe(5);
    expect(byName("element")?.field_id).toBe(6);
    expect(byName("times")?.field_id).toBe(4);
    expect(parquetMetadata(file()).schema.every((e) => e.field_id === undefined)).toBe(true);
  });
});
