import {
  eventsTableColumns,
  eventsTablePartitioning,
  goldTablePartitioning,
} from "../iceberg/lakestream-tables.ts";
import type { Pipeline } from "../pipeline/types.ts";
import { columnDoc, shapeTitle } from "./column-docs.ts";
import { literal, quote, sqlType } from "./sql-types.ts";
import { type TableShape, tableShape } from "./table-shape.ts";

/** A published table as Iceberg holds it: every column in the table, partitions hidden. */
export interface IcebergShape extends TableShape {
  readonly kind: "events" | "gold";
  /** Partition transforms (`hour(ts)`): readers filter on the source column, never on a derived one. */
  readonly hiddenPartitioning: readonly string[];
}

/**
 * The events table (every pipeline column plus lineage) or a gold table of an Iceberg pipeline,
 * with the columns and partition spec the publish stage creates it with
 * (`eventsTableColumns`, `compileAggregation`), so the printed schema is the table's own.
 */
export function icebergShape(pipeline: Pipeline, table?: string): IcebergShape {
  const base = tableShape(pipeline, table === undefined ? {} : { table });
  if (base.kind === "events") {
    return {
      ...base,
      kind: "events",
      columns: eventsTableColumns(pipeline),
      partitionColumns: [],
      hiddenPartitioning: eventsTablePartitioning(pipeline).map(transform),
    };
  }
  const agg = pipeline.aggregations!.tables.find((t) => t.table === base.name)!;
  return {
    ...base,
    kind: "gold",
    partitionColumns: [],
    hiddenPartitioning: goldTablePartitioning(pipeline, agg).map(transform),
  };
}

const transform = (p: { column: string; transform: string }) =>
  p.transform === "identity" ? p.column : `${p.transform}(${p.column})`;

/** Which catalog holds the tables, as Flink's and Spark's Iceberg catalogs are configured. */
export type IcebergCatalogRef =
  | { readonly type: "hadoop"; readonly warehouse: string }
  | { readonly type: "rest"; readonly uri: string; readonly warehouse?: string };

export interface IcebergDdlOptions {
  /** The name the engine session gives the catalog (`lake` → `lake.<namespace>.<table>`). */
  readonly catalogName: string;
  readonly namespace: string;
  readonly catalog: IcebergCatalogRef;
}

/**
 * What a Flink or Spark SQL user runs to read a published Iceberg table: the catalog
 * (Flink `CREATE CATALOG`; Spark `SET spark.sql.catalog.*`, which also work as `--conf`),
 * then the table by its three-part name. Iceberg keeps the schema, so the columns are printed
 * as comments in the engine's types (what `DESCRIBE` shows), not declared.
 */
export function icebergDdl(shape: IcebergShape, format: "flink-sql" | "spark-sql", o: IcebergDdlOptions) {
  const flink = format === "flink-sql";
  const name = [o.catalogName, o.namespace, shape.name].map(quote).join(".");
  const header = [
    `-- ${shapeTitle(shape)}`,
    `-- Apache Iceberg v2 table ${name}, partitioned by ${shape.hiddenPartitioning.join(", ")} (hidden: filter on the column itself)`,
    flink
      ? "-- Class path: org.apache.iceberg:iceberg-flink-runtime-<flink minor> and Hadoop's client jars (hadoop-client-api, hadoop-client-runtime)"
      : "-- Class path: org.apache.iceberg:iceberg-spark-runtime-<spark minor>_<scala> (e.g. --packages); the SET lines work as --conf too",
  ];
  const props: [string, string][] =
    o.catalog.type === "hadoop"
      ? [
          ["type", "hadoop"],
          ["warehouse", o.catalog.warehouse],
        ]
      : [["type", "rest"], ["uri", o.catalog.uri], ...warehouse(o.catalog.warehouse)];
  const catalog = flink
    ? [
        `CREATE CATALOG IF NOT EXISTS ${quote(o.catalogName)} WITH (`,
        [["type", "iceberg"], ...props.map(([k, v]) => [k === "type" ? "catalog-type" : k, v])]
          .map(([k, v]) => `  ${literal(k!)} = ${literal(v!)}`)
          .join(",\n"),
        ");",
      ]
    : [
        `SET spark.sql.catalog.${o.catalogName}=org.apache.iceberg.spark.SparkCatalog;`,
        ...props.map(([k, v]) => `SET spark.sql.catalog.${o.catalogName}.${k}=${v};`),
      ];
  const columns = Object.entries(shape.columns).map(([col, c], i, all) => {
    const doc = columnDoc(shape, col);
    const type = `${sqlType(c, flink ? "flink" : "spark")}${c.nullable ? "" : " NOT NULL"}`;
    return `--   ${quote(col)} ${type}${doc ? ` COMMENT ${literal(doc)}` : ""}${i < all.length - 1 ? "," : ""}`;
  });
  return [
    ...header,
    ...catalog,
    `-- Columns (DESCRIBE ${name}):`,
    ...columns,
    `-- Read it: SELECT * FROM ${name};`,
  ].join("\n");
}

const warehouse = (w: string | undefined): [string, string][] => (w ? [["warehouse", w]] : []);
