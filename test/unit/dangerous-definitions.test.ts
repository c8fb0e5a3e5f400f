import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { pipelineRegistry } from "../../shared/core/pipeline/registry.ts";

/** Regression tests of issue 11, item 5: dangerous definitions fail at load with the field named. */

const valid = {
  name: "orders",
  source: { topics: ["orders"], valueFormat: "json" as const },
  schema: { id: { type: "string" as const }, at: { type: "timestamp" as const } },
  transform: () => null,
  partitioning: { eventTime: { field: "at" }, granularity: "day" as const },
  sink: { table: "orders", format: "parquet" as const },
};

function failure(make: () => unknown): ConfigError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const withPrefix = (prefix: string) => ({ ...valid, quarantine: { prefix } });

describe("definitions that would write where they must not (issue 11, item 5)", () => {
  it.each([
    ["../../outside"],
    ["."],
    ["a/../../b"],
    ["_lakestream/commits"],
    ["_lakestream"],
    ["published"],
    ["orders"],
    ["orders/bad"],
    [".lakestream-tmp"],
    ["q/./x"],
    [`${"q".repeat(100)}/${"q".repeat(150)}`],
  ])("refuses quarantine.prefix %j", (prefix) => {
    expect(failure(() => definePipeline(withPrefix(prefix))).field).toBe(
      "pipeline(orders).quarantine.prefix",
    );
  });

  it("still accepts an ordinary quarantine prefix", () => {
    expect(definePipeline(withPrefix("bad-records/orders_v1")).quarantine.prefix).toBe(
      "bad-records/orders_v1",
    );
  });

  it("refuses a decimal whose scale exceeds its precision", () => {
    const schema = { ...valid.schema, total: { type: "decimal" as const, precision: 4, scale: 6 } };
    const e = failure(() => definePipeline({ ...valid, schema }));
    expect(e.field).toBe("pipeline(orders).schema.total");
    expect(e.message).toMatch(/scale .*precision/);
  });

  it.each([[".."], ["."]])("refuses the topic %j, which Kafka forbids", (topic) => {
    const e = failure(() => definePipeline({ ...valid, source: { ...valid.source, topics: [topic] } }));
    expect(e.field).toBe("pipeline(orders).source.topics.0");
  });

  it.each([["published"], ["_lakestream"], ["_orders"], ["o".repeat(129)]])(
    "refuses the sink table %j, which would land in the lake's own areas or be hidden from readers",
    (table) => {
      const e = failure(() => definePipeline({ ...valid, sink: { ...valid.sink, table } }));
      expect(e.field).toBe("pipeline(orders).sink.table");
    },
  );
});

describe("a registry of several pipelines (issue 11, item 5)", () => {
  const orders = definePipeline(valid);

  it("refuses two pipelines writing one table", () => {
    const other = definePipeline({ ...valid, name: "orders_again" });
    const e = failure(() => pipelineRegistry([orders, other]));
    expect(e.field).toBe("pipelines.orders_again.sink.table");
    expect(e.message).toMatch(/"orders" is already written by pipeline orders/);
  });

  it("refuses a gold table that another pipeline's sink writes", () => {
    const gold = definePipeline({
      ...valid,
      name: "shops",
      sink: { ...valid.sink, table: "shops" },
      aggregations: {
        tables: [
          { table: "orders", window: { sizeMinutes: 60 }, groupBy: ["id"], measures: { n: { fn: "count" } } },
        ],
      },
    });
    expect(failure(() => pipelineRegistry([orders, gold])).field).toBe(
      "pipelines.shops.aggregations.tables.0.table",
    );
  });

  it("refuses a second pipeline with an existing name instead of silently replacing it", () => {
    const twin = definePipeline({ ...valid, sink: { ...valid.sink, table: "orders_2" } });
    const e = failure(() => pipelineRegistry([orders, twin]));
    expect(e.field).toBe("pipelines.orders.name");
    expect(e.message).toMatch(/defined twice/);
  });

  it("keeps distinct pipelines by name", () => {
    const other = definePipeline({ ...valid, name: "refunds", sink: { ...valid.sink, table: "refunds" } });
    expect(Object.keys(pipelineRegistry([orders, other]))).toEqual(["orders", "refunds"]);
  });
});
