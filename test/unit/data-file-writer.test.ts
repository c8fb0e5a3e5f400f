import { parquetMetadata } from "hyparquet";
import { describe, expect, it } from "vitest";
import { dataFileWriter, encodeDataFile } from "../../shared/core/iceberg/data-file.ts";
import { newIcebergSchema } from "../../shared/core/iceberg/schema.ts";
import type { TableSchema } from "../../shared/core/schema.ts";
import { readRows } from "../../shared/runtime/stages/read-rows.ts";

const schema: TableSchema = {
  id: { type: "int64" },
  name: { type: "string", nullable: true },
  score: { type: "double" },
  at: { type: "timestamp" },
  tags: { type: "list", items: { type: "string" } },
  geo: { type: "struct", fields: { country: { type: "string" } } },
};
const table = newIcebergSchema(schema);
const countries = ["DE", "AT", "FR", "BR"];
const rows = Array.from({ length: 50 }, (_, i) => ({
  id: BigInt(1000 - i * 7),
  name: i % 5 === 0 ? null : `name-${(i * 37) % 50}`,
  score: i === 13 ? Number.NaN : i * 1.5 - 20,
  at: Date.UTC(2026, 10, 23, 7) + i * 997,
  tags: i % 3 === 0 ? [] : [`t${i}`, `u${i}`],
  geo: { country: countries[i % countries.length]! },
}));
const input = {
  location: "s3://lake/t/data/f.parquet",
  schema,
  table,
  partition: { at_hour: 492_151 },
  compression: "zstd" as const,
  metadata: { "lakestream.table": "t" },
};

function written(groupRows?: number) {
  const writer = dataFileWriter(input, groupRows);
  for (const row of rows) writer.add(row);
  return writer.finish();
}

function whole() {
  const columns: Record<string, unknown[]> = {};
  for (const name of Object.keys(schema)) columns[name] = rows.map((r) => r[name as keyof typeof r]);
  return encodeDataFile({ ...input, columns, rowCount: rows.length });
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe("a data file written a row group at a time (compaction's streamed rewrite)", () => {
  it("is byte for byte the file written from all its rows at once when they fit one group", () => {
    const streamed = written(rows.length);
    const once = whole();
    expect(Buffer.from(streamed.bytes).equals(Buffer.from(once.bytes))).toBe(true);
    expect(streamed.dataFile).toEqual(once.dataFile);
  });

  it("cuts row groups of the fixed size and reads back every row in order", async () => {
    const streamed = written(16);
    const meta = parquetMetadata(buffer(streamed.bytes));
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([16, 16, 16, 2]);
    const back = await readRows("f.parquet", streamed.bytes, schema);
    expect(back.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(back[7]).toEqual({ ...rows[7], name: rows[7]!.name });
    expect(back.map((r) => r.tags)).toEqual(rows.map((r) => r.tags));
  });

  it("merges Iceberg metrics over its row groups to what the whole file's rows give", () => {
    const streamed = written(16).dataFile;
    const once = whole().dataFile;
    expect(streamed.recordCount).toBe(50);
    expect(streamed.valueCounts).toEqual(once.valueCounts);
    expect(streamed.nullValueCounts).toEqual(once.nullValueCounts);
    expect(streamed.nanValueCounts).toEqual(once.nanValueCounts);
    expect(streamed.lowerBounds).toEqual(once.lowerBounds);
    expect(streamed.upperBounds).toEqual(once.upperBounds);
    // Not every group holds the extremes: the bounds must come from different groups.
    expect(streamed.nanValueCounts?.get(3)).toBe(1);
    expect(streamed.nullValueCounts?.get(2)).toBe(10);
  });

  it("gives a file with no rows zero counts, as the whole-file encoder does", () => {
    const writer = dataFileWriter(input, 16);
    const empty = writer.finish();
    expect(empty.dataFile.recordCount).toBe(0);
    expect(empty.dataFile.valueCounts?.get(1)).toBe(0);
    expect(parquetMetadata(buffer(empty.bytes)).row_groups).toEqual([]);
  });
});
