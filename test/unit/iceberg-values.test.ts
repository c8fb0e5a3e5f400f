import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonExact, stringifyJsonExact } from "../../shared/core/iceberg/json.ts";
import { compareCodePoints, fileMetrics } from "../../shared/core/iceberg/metrics.ts";
import { humanPartitionValue, transformValue } from "../../shared/core/iceberg/partition.ts";
import { newIcebergSchema } from "../../shared/core/iceberg/schema.ts";
import { deserializeValue, serializeValue } from "../../shared/core/iceberg/single-value.ts";

describe("64-bit ids through JSON", () => {
  it("keeps ids Java engines write (above 2^53) digit for digit, and plain numbers as they are", () => {
    const text = '{"snapshot-id":4691313626155280261,"n":12,"x":1.5,"min":-9223372036854775808}';
    const parsed = parseJsonExact(text) as Record<string, unknown>;
    expect(parsed["snapshot-id"]).toBe(4691313626155280261n);
    expect(parsed.n).toBe(12);
    expect(parsed.x).toBe(1.5);
    expect(stringifyJsonExact(parsed)).toBe(text);
  });

  it("round-trips any 64-bit integer", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (id) => {
        const back = parseJsonExact(stringifyJsonExact({ id })) as { id: bigint | number };
        expect(BigInt(back.id)).toBe(id);
      }),
    );
  });
});

describe("single-value serialization (spec Appendix D)", () => {
  it("writes little-endian ints and longs, microsecond timestamps and big-endian decimals", () => {
    expect([...serializeValue("int", 1)]).toEqual([1, 0, 0, 0]);
    expect([...serializeValue("long", 256n)]).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(deserializeValue("timestamptz", serializeValue("timestamptz", 1_700_000_000_123))).toBe(
      1_700_000_000_123,
    );
    expect([...serializeValue("decimal(12,2)", 1234n)]).toEqual([0x04, 0xd2]);
    expect([...serializeValue("decimal(12,2)", -1n)]).toEqual([0xff]);
    expect([...serializeValue("decimal(12,2)", 128n)]).toEqual([0x00, 0x80]);
    expect(new TextDecoder().decode(serializeValue("string", "Zürich"))).toBe("Zürich");
  });

  it("round-trips decimals of any size", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), (n) => {
        expect(deserializeValue("decimal(38,0)", serializeValue("decimal(38,0)", n))).toBe(n);
      }),
    );
  });
});

describe("partition transforms", () => {
  const t = Date.UTC(2026, 10, 23, 7, 59, 59, 999);
  it("floors instants to hours, days and months since the epoch, before 1970 too", () => {
    expect(transformValue("hour", t, "timestamptz")).toBe(Math.floor(t / 3_600_000));
    expect(transformValue("day", t, "timestamptz")).toBe(Math.floor(t / 86_400_000));
    expect(transformValue("month", t, "timestamptz")).toBe((2026 - 1970) * 12 + 10);
    expect(transformValue("hour", -1, "timestamptz")).toBe(-1);
    expect(transformValue("identity", null, "string")).toBeNull();
  });

  it("names partitions as the reference implementation does", () => {
    expect(humanPartitionValue("hour", transformValue("hour", t, "timestamptz"))).toBe("2026-11-23-07");
    expect(humanPartitionValue("day", transformValue("day", t, "timestamptz"))).toBe("2026-11-23");
    expect(humanPartitionValue("month", transformValue("month", t, "timestamptz"))).toBe("2026-11");
  });
});

describe("file metrics engines prune with", () => {
  const schema = {
    name: { type: "string", nullable: true },
    score: { type: "double" },
    tags: { type: "list", items: { type: "string" } },
    geo: { type: "struct", fields: { country: { type: "string" } } },
  } as const;
  const table = newIcebergSchema(schema);

  it("counts values, nulls and NaNs per field id and bounds primitives outside lists", () => {
    const m = fileMetrics(
      schema,
      {
        name: ["b", null, "a"],
        score: [1.5, Number.NaN, -2],
        tags: [["x"], [], ["y", "z"]],
        geo: [{ country: "DE" }, { country: "AT" }, { country: "FR" }],
      },
      table,
    );
    expect(m.valueCounts.get(1)).toBe(3);
    expect(m.nullValueCounts.get(1)).toBe(1);
    expect(m.nanValueCounts.get(2)).toBe(1);
    expect(deserializeValue("string", m.lowerBounds.get(1)!)).toBe("a");
    expect(deserializeValue("double", m.upperBounds.get(2)!)).toBe(1.5);
    // The list's element (id 5) has counts, no bounds; the struct's field (id 6) has bounds.
    expect(m.valueCounts.get(5)).toBe(3);
    expect(m.lowerBounds.has(5)).toBe(false);
    expect(deserializeValue("string", m.lowerBounds.get(6)!)).toBe("AT");
  });

  it("truncates string bounds to 16 code points, the upper one raised so it still bounds", () => {
    const long = "abcdefghijklmnopqrstuvwxyz";
    const m = fileMetrics(
      { s: { type: "string" } },
      { s: [long] },
      newIcebergSchema({ s: { type: "string" } }),
    );
    expect(deserializeValue("string", m.lowerBounds.get(1)!)).toBe("abcdefghijklmnop");
    expect(deserializeValue("string", m.upperBounds.get(1)!)).toBe("abcdefghijklmnoq");
  });

  it("orders strings by code point (UTF-8 byte order), not by UTF-16 unit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a), Buffer.from(b));
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(bytes));
      }),
    );
  });
});
