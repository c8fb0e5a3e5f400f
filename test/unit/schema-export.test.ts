import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { compileBatchPlanner } from "../../shared/core/batch.ts";
import { avroType, compileAvroRowEncoder } from "../../shared/core/encode/avro-row.ts";
import { rowToJson } from "../../shared/core/encode/jsonl-gzip.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { LINEAGE_COLUMNS } from "../../shared/core/schema.ts";
import { avroSchema } from "../../shared/core/schema-export/avro-schema.ts";
import { icebergDdl, icebergShape } from "../../shared/core/schema-export/iceberg-ddl.ts";
import { jsonSchema } from "../../shared/core/schema-export/json-schema.ts";
import { sqlDdl } from "../../shared/core/schema-export/sql-ddl.ts";
import { tableShape } from "../../shared/core/schema-export/table-shape.ts";
import { fileSchema } from "../../shared/core/table-layout.ts";
import { sampleKafkaRecord, sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";

const golds = clickstream.aggregations!.tables.map((t) => t.table);
const shapes = [
  tableShape(clickstream),
  tableShape(clickstream, { writeBack: true }),
  ...golds.flatMap((table) => [
    tableShape(clickstream, { table }),
    tableShape(clickstream, { table, writeBack: true }),
  ]),
];
const ddl = {
  location: "s3://lake/x",
  fileFormat: "parquet",
  brokers: "b:9092",
  projectionStartDate: "2026-01-01",
} as const;

/** Real rows: sample records through the pipeline's own planner (transform, validation, lineage). */
function sampleRows(n: number) {
  const plan = compileBatchPlanner(clickstream)([
    {
      topic: "clickstream",
      partition: 0,
      records: Array.from({ length: n }, (_, i) =>
        sampleKafkaRecord(sampleRecord(i), { topic: "clickstream", partition: 0, offset: i }),
      ),
    },
  ]);
  return plan.rows;
}

describe("lakestream schema: the table shapes come from the code that writes them", () => {
  it("events: the file's columns (lineage last) and dt/hour partitions; gold: compileAggregation's columns", () => {
    const events = tableShape(clickstream);
    expect(Object.keys(events.columns)).toEqual(Object.keys(fileSchema(clickstream)));
    expect(Object.keys(events.columns).slice(-4)).toEqual(["_topic", "_partition", "_offset", "_ts"]);
    expect(events.partitionColumns.map((c) => [c.name, c.column.type])).toEqual([
      ["dt", "string"],
      ["hour", "int32"],
    ]);
    const gold = tableShape(clickstream, { table: "clickstream_by_type_15m" });
    expect(gold.path).toBe("published/clickstream_by_type_15m");
    expect(Object.keys(gold.columns)).toEqual([
      "window_start",
      "window_end",
      "type",
      "geo_country",
      "events",
      "users",
      "revenue",
      "avg_amount",
      "min_amount",
      "max_amount",
    ]);
    expect(tableShape(clickstream, { writeBack: true }).columns).toBe(clickstream.schema);
  });

  it("an unknown table is a ConfigError naming every table", () => {
    expect(() => tableShape(clickstream, { table: "nope" })).toThrow(ConfigError);
    expect(() => tableShape(clickstream, { table: "nope" })).toThrow(
      /clickstream_events, clickstream_by_type_15m/,
    );
  });
});

describe("Avro: parsed by avsc, UTC microsecond timestamps, decimals on fixed, nullable unions", () => {
  it.each(shapes.map((s) => [`${s.kind} ${s.name}`, s] as const))(
    "%s parses and names every column",
    (_, shape) => {
      const schema = avroSchema(shape);
      const type = avroType(schema);
      expect(type.typeName).toBe("record");
      expect((schema.fields as { name: string }[]).map((f) => f.name)).toEqual(Object.keys(shape.columns));
    },
  );

  it("types the clickstream columns as the Parquet files store them", () => {
    const fields = Object.fromEntries(
      (avroSchema(tableShape(clickstream)).fields as { name: string; type: unknown }[]).map((f) => [
        f.name,
        f.type,
      ]),
    );
    expect(fields.ts).toEqual({ type: "long", logicalType: "timestamp-micros" });
    expect(fields._ts).toEqual({ type: "long", logicalType: "timestamp-micros" });
    expect(fields.amount).toEqual([
      "null",
      { type: "fixed", name: "decimal_12_2", size: 6, logicalType: "decimal", precision: 12, scale: 2 },
    ]);
    expect(fields.tags).toEqual({ type: "array", items: "string" });
    expect(fields.user_id).toBe("long");
    expect(fields._partition).toBe("int");
  });

  it("encodes write-back rows that decode to the same values (bigint longs, micros, two's complement decimals)", () => {
    const shape = tableShape(clickstream, { writeBack: true });
    const schema = avroSchema(shape);
    const encode = compileAvroRowEncoder(shape.columns, schema);
    const type = avroType(schema);
    for (const { values } of sampleRows(60)) {
      const decoded = type.fromBuffer(Buffer.from(encode(values))) as Record<string, unknown>;
      expect(decoded.event_id).toBe(values.event_id);
      expect(decoded.user_id).toBe(values.user_id);
      expect(decoded.ts).toBe(BigInt(values.ts as number) * 1000n);
      const amount = values.amount as bigint | null;
      if (amount === null) expect(decoded.amount).toBeNull();
      else expect(BigInt.asIntN(48, BigInt(`0x${(decoded.amount as Buffer).toString("hex")}`))).toBe(amount);
      expect(decoded.tags).toEqual(values.tags);
    }
    const negative = encode({ ...sampleRows(1)[0]!.values, amount: -1250n });
    expect((type.fromBuffer(Buffer.from(negative)) as { amount: Buffer }).amount.toString("hex")).toBe(
      "fffffffffb1e",
    );
  });
});

describe("JSON Schema (draft 2020-12) validates real rows with ajv", () => {
  const validator = (schema: Record<string, unknown>) => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats.default(ajv);
    return ajv.compile(schema);
  };

  it("every raw row (JSON Lines form) and every write-back value of sample records is valid", () => {
    const rows = sampleRows(300);
    expect(rows.length).toBeGreaterThan(200);
    const raw = validator(jsonSchema(tableShape(clickstream)));
    const wb = validator(jsonSchema(tableShape(clickstream, { writeBack: true })));
    for (const { values, record } of rows) {
      const lineage = {
        _topic: record.topic,
        _partition: record.partition,
        _offset: BigInt(record.offset),
        _ts: record.timestamp,
      };
      expect(
        raw(rowToJson(fileSchema(clickstream), { ...values, ...lineage })),
        JSON.stringify(raw.errors),
      ).toBe(true);
      expect(wb(rowToJson(clickstream.schema, values)), JSON.stringify(wb.errors)).toBe(true);
    }
  });

  it("rejects what lakestream never writes: a third decimal place, a missing column, a bad timestamp", () => {
    const wb = validator(jsonSchema(tableShape(clickstream, { writeBack: true })));
    const good = rowToJson(clickstream.schema, sampleRows(1)[0]!.values);
    expect(wb(good)).toBe(true);
    expect(wb({ ...good, amount: "12.345" })).toBe(false);
    const { url: _, ...missing } = good;
    expect(wb(missing)).toBe(false);
    expect(wb({ ...good, ts: "yesterday" })).toBe(false);
    expect(wb({ ...good, extra: 1 })).toBe(false);
  });
});

describe("SQL DDL over the Hive-layout files", () => {
  it("quotes every identifier, types decimals, UTC timestamps, lists and structs, partitions last", () => {
    const flink = sqlDdl(tableShape(clickstream), "flink-sql", ddl);
    expect(flink).toContain("`amount` DECIMAL(12,2)");
    expect(flink).toContain("`ts` TIMESTAMP_LTZ(6)");
    expect(flink).toContain("`tags` ARRAY<STRING>");
    expect(flink).toContain("`geo` ROW<`country` STRING, `city` STRING>");
    expect(flink).toContain("PARTITIONED BY (`dt`, `hour`)");
    expect(flink).toContain("'path' = 's3://lake/x/'");
    const hive = sqlDdl(tableShape(clickstream), "hive-ddl", ddl);
    expect(hive).toContain("`geo` struct<country:string,city:string>");
    expect(hive).toMatch(/PARTITIONED BY \(\n {2}`dt` string COMMENT '[^']+',\n {2}`hour` int/);
    expect(hive).toContain("MSCK REPAIR TABLE `clickstream_events`;");
    const athena = sqlDdl(tableShape(clickstream), "athena", ddl);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's own placeholders, not a template.
    expect(athena).toContain("'storage.location.template' = 's3://lake/x/dt=${dt}/hour=${hour}/'");
    const spark = sqlDdl(tableShape(clickstream, { table: "clickstream_by_type_15m" }), "spark-sql", ddl);
    expect(spark).toContain("`revenue` DECIMAL(38,2)");
    expect(spark).toContain("USING parquet");
  });

  it("value-partition columns come from the path, typed from the schema, and leave the file columns", () => {
    const p = definePipeline({
      name: "orders",
      source: { topics: ["orders"], valueFormat: "json" },
      schema: { id: { type: "string" }, at: { type: "timestamp" }, region: { type: "string" } },
      transform: ({ value }) => value as never,
      partitioning: { eventTime: { field: "at" }, granularity: "day", columns: ["region"] },
      sink: { table: "orders", format: "jsonl-gzip", tableFormat: "hive" },
    });
    const shape = tableShape(p);
    expect(shape.partitionColumns.map((c) => c.name)).toEqual(["dt", "region"]);
    expect(Object.keys(shape.columns)).not.toContain("region");
    const flink = sqlDdl(shape, "flink-sql", { ...ddl, fileFormat: "jsonl-gzip" });
    expect(flink).toContain("PARTITIONED BY (`dt`, `region`)");
    expect(flink).toContain("'format' = 'json'");
    expect(sqlDdl(shape, "athena", ddl)).toContain("'projection.region.type' = 'injected'");
  });

  it("a write-back topic: a Flink Kafka table with headers and timestamp; no Hive or Athena table", () => {
    const wb = tableShape(clickstream, { writeBack: true });
    const flink = sqlDdl(wb, "flink-sql", ddl);
    expect(flink).toContain("'connector' = 'kafka'");
    expect(flink).toContain("`headers` MAP<STRING, BYTES> METADATA VIRTUAL");
    expect(() => sqlDdl(wb, "hive-ddl", ddl)).toThrow(ConfigError);
    expect(() => sqlDdl(wb, "athena", ddl)).toThrow(/describes files/);
  });
});

describe("SQL over the published Iceberg tables: the catalog, then the table by name", () => {
  const hadoop = {
    catalogName: "lake",
    namespace: "lakestream",
    catalog: { type: "hadoop", warehouse: "file:///l/warehouse" },
  } as const;

  it("events: every pipeline column plus lineage (value-partition columns too), partitions hidden", () => {
    const shape = icebergShape(clickstream);
    expect(Object.keys(shape.columns)).toEqual([...Object.keys(clickstream.schema), ...LINEAGE_COLUMNS]);
    expect(shape.hiddenPartitioning).toEqual(["hour(ts)"]);
    expect(icebergShape(clickstream, "clickstream_by_type_15m").hiddenPartitioning).toEqual([
      "day(window_start)",
    ]);
  });

  it("Flink: CREATE CATALOG of type iceberg over the warehouse; Spark: the catalog settings as SET lines", () => {
    const flink = icebergDdl(icebergShape(clickstream), "flink-sql", hadoop);
    expect(flink).toContain(
      "CREATE CATALOG IF NOT EXISTS `lake` WITH (\n  'type' = 'iceberg',\n  'catalog-type' = 'hadoop',\n  'warehouse' = 'file:///l/warehouse'\n);",
    );
    expect(flink).toContain("--   `amount` DECIMAL(12,2),");
    expect(flink).toContain("--   `ts` TIMESTAMP_LTZ(6) NOT NULL COMMENT 'event time");
    expect(flink).toContain("-- Read it: SELECT * FROM `lake`.`lakestream`.`clickstream_events`;");
    const spark = icebergDdl(icebergShape(clickstream, "clickstream_by_type_15m"), "spark-sql", {
      ...hadoop,
      catalog: { type: "rest", uri: "http://127.0.0.1:8181" },
    });
    expect(spark).toContain("SET spark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog;");
    expect(spark).toContain(
      "SET spark.sql.catalog.lake.type=rest;\nSET spark.sql.catalog.lake.uri=http://127.0.0.1:8181;",
    );
    expect(spark).toContain("--   `revenue` DECIMAL(38,2),");
  });
});
