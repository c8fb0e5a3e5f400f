import { fileURLToPath } from "node:url";
import type { PublishedView } from "./published-view.ts";

/** The Spark runtime the recipes load: Iceberg 1.10 for Spark 4.0 (Scala 2.13), from Maven Central. */
export const ICEBERG_SPARK_PACKAGE = "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.1";

export interface QueryRecipes {
  readonly duckdb: string;
  readonly pyiceberg?: string;
  readonly spark?: string;
}

/** A local lake's folder from its URL (`file:///…`); S3 lakes keep their URL. */
export function lakePath(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}

/** One shell word: double quotes when nothing in it is special there (most paths), else single. */
function quote(s: string): string {
  if (!/["$`\\!]/.test(s)) return `"${s}"`;
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * Commands a user can paste to read a published table, as printed: DuckDB's CLI, pyiceberg and
 * Spark SQL for an Iceberg table of the storage catalog (read by path: DuckDB's iceberg_scan,
 * pyiceberg's StaticTable, Spark's path-based Hadoop catalog over the lake's warehouse folder),
 * or DuckDB over the Hive layout's folders.
 */
export function queryRecipes(lakeUrl: string, namespace: string, view: PublishedView): QueryRecipes {
  const lake = lakePath(lakeUrl);
  if (view.format === "hive") {
    return {
      duckdb: `duckdb -c ${quote(`SELECT count(*) FROM read_parquet('${lake}/published/${view.table}/**/*.parquet', hive_partitioning = true)`)}`,
    };
  }
  const folder = `${lake}/warehouse/${namespace}/${view.table}`;
  const sql = `SELECT count(*) FROM lake.${namespace}.${view.table}`;
  return {
    duckdb: `duckdb -c ${quote(`INSTALL iceberg; LOAD iceberg; SELECT count(*) FROM iceberg_scan('${folder}')`)}`,
    ...(view.metadataLocation
      ? {
          pyiceberg: `python3 -c ${quote(`from pyiceberg.table import StaticTable; t = StaticTable.from_metadata("${view.metadataLocation}"); print(t.scan().to_arrow().num_rows)`)}`,
        }
      : {}),
    spark:
      `spark-sql --packages ${ICEBERG_SPARK_PACKAGE} ` +
      "--conf spark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog " +
      "--conf spark.sql.catalog.lake.type=hadoop " +
      `--conf spark.sql.catalog.lake.warehouse=${lakeUrl.startsWith("file:") ? `file://${lake}` : lakeUrl}/warehouse ` +
      `-e ${quote(sql)}`,
  };
}
