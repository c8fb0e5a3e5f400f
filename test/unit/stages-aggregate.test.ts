import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { AggregationConfig } from "../../shared/core/pipeline/types.ts";
import { compileAggregation } from "../../shared/core/stages/aggregate.ts";
import type { LineageRow } from "../../shared/core/stages/dedupe.ts";
import { ROW_WATERMARK } from "../../shared/core/stages/watermarks.ts";

const M = 60_000;
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const HOUR = { start: T0, end: T0 + 60 * M };

const base = {
  name: "orders",
  source: { topics: ["orders"], valueFormat: "json" as const },
  schema: {
    at: { type: "timestamp" as const },
    shop: { type: "string" as const },
    qty: { type: "int64" as const, nullable: true },
    price: { type: "decimal" as const, precision: 10, scale: 2, nullable: true },
    geo: { type: "struct" as const, fields: { country: { type: "string" as const } } },
  },
  transform: () => null,
  partitioning: { eventTime: { field: "at" }, granularity: "hour" as const },
  sink: { table: "orders", format: "parquet" as const },
};

function pipelineWith(tables: AggregationConfig[], allowedLatenessMinutes = 10) {
  return definePipeline({ ...base, aggregations: { allowedLatenessMinutes, tables } });
}

let offset = 0;
/** A row at event minute `minute`; `watermarkMinute` is its batch's watermark (none: never late). */
function order(
  minute: number,
  shop: string,
  qty: number | null,
  price: bigint | null,
  watermarkMinute?: number,
  arrivedAt = T0 + minute * M,
) {
  return {
    at: T0 + minute * M,
    shop,
    qty: qty === null ? null : BigInt(qty),
    price,
    geo: { country: shop === "a" ? "DE" : "FR" },
    _topic: "orders",
    _partition: 0,
    _offset: BigInt(offset++),
    _ts: arrivedAt,
    ...(watermarkMinute === undefined ? {} : { [ROW_WATERMARK]: T0 + watermarkMinute * M }),
  } as LineageRow;
}

describe("compileAggregation", () => {
  const measures = {
    n: { fn: "count" as const },
    qty_n: { fn: "count" as const, column: "qty" },
    qty: { fn: "sum" as const, column: "qty" },
    revenue: { fn: "sum" as const, column: "price" },
    avg_price: { fn: "avg" as const, column: "price" },
    low: { fn: "min" as const, column: "price" },
    high: { fn: "max" as const, column: "price" },
    shops: { fn: "countDistinct" as const, column: "shop" },
  };

  it("computes every measure per tumbling window and group with SQL null semantics", () => {
    const p = pipelineWith([
      { table: "by_country", window: { sizeMinutes: 30 }, groupBy: ["geo.country"], measures },
    ]);
    const agg = compileAggregation(p, p.aggregations!.tables[0]!);
    const rows = [
      order(1, "a", 2, 1050n),
      order(5, "a", null, null),
      order(20, "a", 3, 250n),
      order(40, "b", 1, 99n),
    ];
    const { rows: out, late, windows } = agg.compute(rows, HOUR);
    expect(windows).toBe(2);
    expect(late).toEqual([]);
    expect(out).toEqual([
      {
        window_start: T0,
        window_end: T0 + 30 * M,
        geo_country: "DE",
        n: 3n,
        qty_n: 2n,
        qty: 5n,
        revenue: 1300n,
        avg_price: 6.5,
        low: 250n,
        high: 1050n,
        shops: 1n,
      },
      {
        window_start: T0 + 30 * M,
        window_end: T0 + 60 * M,
        geo_country: "FR",
        n: 1n,
        qty_n: 1n,
        qty: 1n,
        revenue: 99n,
        avg_price: 0.99,
        low: 99n,
        high: 99n,
        shops: 1n,
      },
    ]);
    expect(agg.schema.revenue).toEqual({ type: "decimal", precision: 38, scale: 2, nullable: true });
    expect(agg.schema.geo_country).toEqual({ type: "string" });
  });

  it("counts a record in each hopping window it falls in, only for windows the partition owns", () => {
    const p = pipelineWith([
      {
        table: "hop",
        window: { sizeMinutes: 60, slideMinutes: 30 },
        groupBy: [],
        measures: { n: { fn: "count" } },
      },
    ]);
    const agg = compileAggregation(p, p.aggregations!.tables[0]!);
    // -10 min belongs to the previous hour's data but to the window [-30, 30) this hour owns.
    const out = agg.compute(
      [order(-10, "a", 1, 1n), order(10, "a", 1, 1n), order(70, "a", 1, 1n)],
      HOUR,
    ).rows;
    expect(out.map((r) => [(r.window_start as number) - T0, r.n])).toEqual([
      [-30 * M, 2n],
      [0, 1n],
    ]);
  });

  it("counts a row until its batch's watermark reaches the window end, whatever its Kafka timestamp", () => {
    const p = pipelineWith([
      { table: "t", window: { sizeMinutes: 15 }, groupBy: [], measures: { n: { fn: "count" } } },
    ]);
    const agg = compileAggregation(p, p.aggregations!.tables[0]!);
    const WEEK = 7 * 24 * 60 * M;
    // Written back by another engine a week later, stamped with the wall clock: on time.
    const refed = order(1, "a", 1, 1n, undefined, T0 + WEEK);
    const firstBatch = order(2, "a", 1, 1n);
    const justBefore = order(3, "a", 1, 1n, 14, T0 + WEEK);
    const tooLate = order(4, "a", 1, 1n, 15, T0 + 5 * M);
    const result = agg.compute([refed, firstBatch, justBefore, tooLate], HOUR);
    expect(result.rows[0]!.n).toBe(3n);
    expect(result.late).toEqual([
      {
        row: tooLate,
        window: { start: T0, end: T0 + 15 * M },
        eventTime: T0 + 4 * M,
        watermark: T0 + 15 * M,
        arrivedAt: T0 + 5 * M,
      },
    ]);
    expect(result.counted).toEqual([refed, firstBatch, justBefore]);
  });

  it("sets a row aside only for the hopping windows its watermark has passed", () => {
    const p = pipelineWith([
      {
        table: "hop",
        window: { sizeMinutes: 60, slideMinutes: 30 },
        groupBy: [],
        measures: { n: { fn: "count" } },
      },
    ]);
    const agg = compileAggregation(p, p.aggregations!.tables[0]!);
    // Event at 40 min: windows [0, 60) and [30, 90); the watermark (70) has passed only the first.
    const owner = { start: T0, end: T0 + 120 * M };
    const result = agg.compute([order(40, "a", 1, 1n, 70)], owner);
    expect(result.rows.map((r) => (r.window_start as number) - T0)).toEqual([30 * M]);
    expect(result.late.map((l) => l.window.start - T0)).toEqual([0]);
  });
});

describe("aggregations in definePipeline", () => {
  const ok: AggregationConfig = {
    table: "t",
    window: { sizeMinutes: 15 },
    groupBy: ["shop"],
    measures: { n: { fn: "count" } },
  };
  const fieldOf = (tables: unknown[]) => {
    try {
      pipelineWith(tables as AggregationConfig[]);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).field;
    }
    throw new Error("expected a ConfigError");
  };

  it("fills the lateness default and accepts struct field paths", () => {
    const p = definePipeline({ ...base, aggregations: { tables: [{ ...ok, groupBy: ["geo.country"] }] } });
    expect(p.aggregations!.allowedLatenessMinutes).toBe(0);
  });

  it.each([
    [[{ ...ok, table: "orders" }], "pipeline(orders).aggregations.tables.0.table"],
    [[ok, ok], "pipeline(orders).aggregations.tables.1.table"],
    [[{ ...ok, groupBy: ["nope"] }], "pipeline(orders).aggregations.tables.0.groupBy.0"],
    [[{ ...ok, groupBy: ["geo"] }], "pipeline(orders).aggregations.tables.0.groupBy.0"],
    [
      [{ ...ok, measures: { s: { fn: "sum", column: "shop" } } }],
      "pipeline(orders).aggregations.tables.0.measures.s.column",
    ],
    [[{ ...ok, measures: { s: { fn: "avg" } } }], "pipeline(orders).aggregations.tables.0.measures.s.column"],
    [
      [{ ...ok, measures: { shop: { fn: "count" } } }],
      "pipeline(orders).aggregations.tables.0.measures.shop",
    ],
    [
      [{ ...ok, window: { sizeMinutes: 15, slideMinutes: 30 } }],
      "pipeline(orders).aggregations.tables.0.window.slideMinutes",
    ],
    [[{ ...ok, window: { sizeMinutes: 0 } }], "pipeline(orders).aggregations.tables.0.window.sizeMinutes"],
    [[{ ...ok, measures: {} }], "pipeline(orders).aggregations.tables.0.measures"],
  ])("names the wrong field (%#)", (tables, field) => {
    expect(fieldOf(tables)).toBe(field);
  });
});
