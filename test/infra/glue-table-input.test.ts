import { describe, expect, it } from "vitest";
import { glueTableInput, hiveType, rawTableName } from "../../infra/glue-table-input.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { audit_log, orders } from "./fixtures/pipelines.ts";

const options = { bucketName: "my-lake", projectionStartDate: "2026-01-01" };

describe("hiveType", () => {
  it("maps every schema type to the Hive type engines agree on", () => {
    expect(hiveType({ type: "string" })).toBe("string");
    expect(hiveType({ type: "int32" })).toBe("int");
    expect(hiveType({ type: "int64" })).toBe("bigint");
    expect(hiveType({ type: "double" })).toBe("double");
    expect(hiveType({ type: "boolean" })).toBe("boolean");
    expect(hiveType({ type: "timestamp" })).toBe("timestamp");
    expect(hiveType({ type: "date" })).toBe("date");
    expect(hiveType({ type: "decimal", precision: 38, scale: 9 })).toBe("decimal(38,9)");
    expect(hiveType({ type: "list", items: { type: "list", items: { type: "int64" } } })).toBe(
      "array<array<bigint>>",
    );
    expect(
      hiveType({
        type: "struct",
        fields: {
          a: { type: "string" },
          b: { type: "list", items: { type: "struct", fields: { c: { type: "date" } } } },
        },
      }),
    ).toBe("struct<a:string,b:array<struct<c:date>>>");
  });
});

describe("glueTableInput", () => {
  it("stores the schema minus value-partition columns, plus the lineage columns, in Parquet", () => {
    const input = glueTableInput(orders, options);
    const names = input.storageDescriptor.columns.map((c) => c.name);
    expect(names).not.toContain("country");
    expect(names.slice(-4)).toEqual(["_topic", "_partition", "_offset", "_ts"]);
    expect(input.storageDescriptor.columns.slice(-4).map((c) => c.type)).toEqual([
      "string",
      "int",
      "bigint",
      "timestamp",
    ]);
    expect(input.storageDescriptor.location).toBe("s3://my-lake/orders_raw/");
    expect(input.storageDescriptor.serdeInfo.serializationLibrary).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    );
    expect(input.parameters.classification).toBe("parquet");
  });

  it("projects dt as a date up to NOW, hour as two-digit 0-23 and value columns as injected", () => {
    const input = glueTableInput(orders, options);
    expect(input.partitionKeys.map((k) => `${k.name}:${k.type}`)).toEqual([
      "dt:string",
      "hour:int",
      "country:string",
    ]);
    expect(input.parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.dt.type": "date",
      "projection.dt.format": "yyyy-MM-dd",
      "projection.dt.range": "2026-01-01,NOW",
      "projection.dt.interval": "1",
      "projection.dt.interval.unit": "DAYS",
      "projection.hour.type": "integer",
      "projection.hour.range": "0,23",
      "projection.hour.digits": "2",
      "projection.country.type": "injected",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      "storage.location.template": "s3://my-lake/orders_raw/dt=${dt}/hour=${hour}/country=${country}/",
    });
  });

  it("projects a value column as an enum when its values are configured", () => {
    const input = glueTableInput(orders, { ...options, partitionValues: { country: ["DE", "FR", "US"] } });
    expect(input.parameters["projection.country.type"]).toBe("enum");
    expect(input.parameters["projection.country.values"]).toBe("DE,FR,US");
  });

  it("drops the hour for daily granularity and uses the JSON SerDe for JSON Lines", () => {
    const input = glueTableInput(audit_log, options);
    expect(input.partitionKeys.map((k) => k.name)).toEqual(["dt"]);
    expect(input.parameters["projection.hour.type"]).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
    expect(input.parameters["storage.location.template"]).toBe("s3://my-lake/audit_events/dt=${dt}/");
    expect(input.parameters.classification).toBe("json");
    expect(input.storageDescriptor.serdeInfo.serializationLibrary).toBe(
      "org.apache.hive.hcatalog.data.JsonSerDe",
    );
    expect(input.storageDescriptor.inputFormat).toBe("org.apache.hadoop.mapred.TextInputFormat");
    expect(input.storageDescriptor.compressed).toBe(true);
    expect(input.storageDescriptor.serdeInfo.parameters["timestamp.formats"]).toBe(
      "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
    );
  });
});

describe("rawTableName", () => {
  it("keeps the sink's name for a Hive-layout pipeline and leaves it to the Iceberg table otherwise", () => {
    expect(rawTableName(audit_log)).toBe("audit_events");
    expect(glueTableInput(audit_log, options).name).toBe("audit_events");
    expect(rawTableName(orders)).toBe("orders_raw_raw");
    expect(glueTableInput(orders, options).name).toBe("orders_raw_raw");
    // The raw files stay where the ingest writes them, under the sink's name.
    expect(glueTableInput(orders, options).storageDescriptor.location).toBe("s3://my-lake/orders_raw/");
  });

  it("fails with the field named when a gold table of an Iceberg pipeline takes the raw table's name", () => {
    const clash = definePipeline({
      name: "clash",
      source: { topics: ["t"], valueFormat: "json" },
      schema: { at: { type: "timestamp" } },
      transform: ({ value }) => value as never,
      partitioning: { eventTime: { field: "at" }, granularity: "hour" },
      sink: { table: "events", format: "parquet" },
      aggregations: {
        tables: [
          { table: "events_raw", window: { sizeMinutes: 60 }, groupBy: [], measures: { n: { fn: "count" } } },
        ],
      },
    });
    let error: unknown;
    try {
      rawTableName(clash);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe("pipeline(clash).aggregations.tables.0.table");
  });
});
