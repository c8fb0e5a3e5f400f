import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";

const valid = {
  name: "orders",
  source: { topics: ["orders"], valueFormat: "json" as const },
  schema: {
    id: { type: "string" as const },
    at: { type: "timestamp" as const },
    shop: { type: "string" as const },
  },
  transform: () => null,
  partitioning: { eventTime: { field: "at" }, granularity: "day" as const, columns: ["shop"] },
  sink: { table: "orders", format: "parquet" as const },
};

function fieldOf(input: unknown): string {
  try {
    definePipeline(input as typeof valid);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  throw new Error("expected a ConfigError");
}

describe("definePipeline", () => {
  it("fills defaults: zstd, 128 MiB files, string keys, _quarantine prefix", () => {
    const p = definePipeline(valid);
    expect(p.sink.compression).toBe("zstd");
    expect(p.sink.targetFileSizeMiB).toBe(128);
    expect(p.source.keyFormat).toBe("string");
    expect(p.quarantine.prefix).toBe("_quarantine");
  });

  it.each([
    [{ ...valid, name: "Bad Name" }, "pipeline(Bad Name).name"],
    [{ ...valid, source: { ...valid.source, topics: [] } }, "pipeline(orders).source.topics"],
    [{ ...valid, source: { ...valid.source, valueFormat: "avro" } }, "pipeline(orders).source.valueFormat"],
    [{ ...valid, sink: { ...valid.sink, compression: "lz4" } }, "pipeline(orders).sink.compression"],
    [{ ...valid, sink: { ...valid.sink, table: "Orders-2" } }, "pipeline(orders).sink.table"],
    [{ ...valid, schema: { id: { type: "varchar" } } }, "pipeline(orders).schema.id.type"],
    [
      { ...valid, schema: { ...valid.schema, amount: { type: "decimal", precision: 50, scale: 2 } } },
      "pipeline(orders).schema.amount.precision",
    ],
    [
      { ...valid, partitioning: { ...valid.partitioning, eventTime: { field: "id" } } },
      "pipeline(orders).partitioning.eventTime.field",
    ],
    [
      { ...valid, partitioning: { ...valid.partitioning, columns: ["nope"] } },
      "pipeline(orders).partitioning.columns.0",
    ],
    [{ ...valid, transform: "x => x" }, "pipeline(orders).transform"],
    [{ ...valid, writeBack: { topic: "out", key: "missing" } }, "pipeline(orders).writeBack.key"],
    [{ ...valid, extra: true }, "pipeline(orders)"],
  ])("names the wrong field (%#)", (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });
});
