import { describe, expect, it } from "vitest";
import {
  goldGlueTableInputs,
  publishedGlueTableInput,
  publishedTableName,
} from "../../infra/glue-published-tables.ts";
import { glueTableInput, hiveType } from "../../infra/glue-table-input.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { compileAggregation } from "../../shared/core/stages/aggregate.ts";
import { manifestKey, publishedFileKey } from "../../shared/core/stages/manifest.ts";
import { audit_log, orders } from "./fixtures/pipelines.ts";

const options = { bucketName: "my-lake", projectionStartDate: "2026-01-01" };

/** Fills Athena's `storage.location.template` the way partition projection does. */
function locationOf(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name]!);
}

describe("published (compacted) table", () => {
  it("lies under published/<table>/ with the raw table's columns and partitions, projected the same way", () => {
    const raw = glueTableInput(orders, options);
    const input = publishedGlueTableInput(orders, { ...options, partitionValues: { country: ["DE", "FR"] } });
    expect(input.name).toBe("orders_raw_published");
    expect(publishedTableName(orders)).toBe(input.name);
    expect(input.storageDescriptor.location).toBe("s3://my-lake/published/orders_raw/");
    expect(input.storageDescriptor.columns).toEqual(raw.storageDescriptor.columns);
    expect(input.partitionKeys).toEqual(raw.partitionKeys);
    expect(input.parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.dt.type": "date",
      "projection.dt.range": "2026-01-01,NOW",
      "projection.hour.type": "integer",
      "projection.hour.digits": "2",
      "projection.country.type": "enum",
      "projection.country.values": "DE,FR",
      "storage.location.template":
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
        "s3://my-lake/published/orders_raw/dt=${dt}/hour=${hour}/country=${country}/",
      "lakestream.kind": "published",
      "lakestream.pipeline": "orders",
    });
    expect(raw.parameters["lakestream.kind"]).toBe("raw");
    expect(input.description).toContain("exactly once");
  });

  it("projects to the folders the compact stage writes its files to", () => {
    const input = publishedGlueTableInput(orders, options);
    const partition = "dt=2026-11-23/hour=07/country=DE";
    const folder = locationOf(input.parameters["storage.location.template"]!, {
      dt: "2026-11-23",
      hour: "07",
      country: "DE",
    });
    const file = publishedFileKey("orders_raw", partition, 0, new Uint8Array([1]), "parquet");
    expect(`s3://my-lake/${file}`.startsWith(folder)).toBe(true);
    expect(`s3://my-lake/${manifestKey("orders_raw", partition)}`).toBe(`${folder}_SUCCESS`);
  });
});

describe("gold tables", () => {
  it("take their columns from the aggregate stage's compiled schema, partitioned by time only", () => {
    const [gold] = goldGlueTableInputs(orders, options);
    const agg = orders.aggregations!.tables[0]!;
    expect(gold!.name).toBe("orders_by_country_1h");
    expect(gold!.storageDescriptor.location).toBe("s3://my-lake/published/orders_by_country_1h/");
    expect(gold!.storageDescriptor.columns).toEqual(
      Object.entries(compileAggregation(orders, agg).schema).map(([name, c]) => ({
        name,
        type: hiveType(c),
      })),
    );
    expect(gold!.storageDescriptor.columns).toEqual([
      { name: "window_start", type: "timestamp" },
      { name: "window_end", type: "timestamp" },
      { name: "country", type: "string" },
      { name: "orders", type: "bigint" },
      { name: "revenue", type: "decimal(38,2)" },
      { name: "last_order", type: "timestamp" },
    ]);
    expect(gold!.partitionKeys.map((k) => `${k.name}:${k.type}`)).toEqual(["dt:string", "hour:int"]);
    expect(gold!.parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.dt.type": "date",
      "projection.hour.range": "0,23",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      "storage.location.template": "s3://my-lake/published/orders_by_country_1h/dt=${dt}/hour=${hour}/",
      "lakestream.kind": "gold",
      classification: "parquet",
    });
    expect(gold!.parameters["projection.country.type"]).toBeUndefined();
    const folder = locationOf(gold!.parameters["storage.location.template"]!, {
      dt: "2026-11-23",
      hour: "07",
    });
    expect(`s3://my-lake/${manifestKey("orders_by_country_1h", "dt=2026-11-23/hour=07")}`).toBe(
      `${folder}_SUCCESS`,
    );
  });

  it("follow a daily JSON Lines pipeline: dt only, the JSON SerDe, one table per declared aggregation", () => {
    const tables = goldGlueTableInputs(audit_log, options);
    expect(tables.map((t) => t.name)).toEqual(["audit_actions_1h", "audit_daily"]);
    for (const t of tables) {
      expect(t.partitionKeys.map((k) => k.name)).toEqual(["dt"]);
      expect(t.storageDescriptor.serdeInfo.serializationLibrary).toBe(
        "org.apache.hive.hcatalog.data.JsonSerDe",
      );
      expect(t.storageDescriptor.compressed).toBe(true);
    }
    expect(tables[0]!.storageDescriptor.columns.map((c) => c.name)).toEqual([
      "window_start",
      "window_end",
      "action",
      "events",
      "actors",
    ]);
    expect(tables[0]!.description).toContain("60-minute windows every 30 minutes by action");
    expect(goldGlueTableInputs({ ...orders, aggregations: undefined }, options)).toEqual([]);
  });

  it("refuses a gold table named like the compacted table, naming the field", () => {
    const clash = definePipeline({
      name: "clash",
      source: { topics: ["t"], valueFormat: "json" },
      schema: { at: { type: "timestamp" } },
      transform: ({ value }) => value as never,
      partitioning: { eventTime: { field: "at" }, granularity: "hour" },
      sink: { table: "events", format: "parquet" },
      aggregations: {
        tables: [
          {
            table: "events_published",
            window: { sizeMinutes: 60 },
            groupBy: [],
            measures: { n: { fn: "count" } },
          },
        ],
      },
    });
    const error = (() => {
      try {
        goldGlueTableInputs(clash, options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe("pipeline(clash).aggregations.tables.0.table");
  });
});
