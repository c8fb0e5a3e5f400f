import { join } from "node:path";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";

/**
 * The same aggregates in Flink SQL and in DuckDB SQL, per kind of lakestream table: every column
 * kind is touched (decimal sums, boolean counts, list lengths, struct fields, timestamps,
 * lineage columns, and the hours the rows span), so a type Flink reads wrongly shows up as a mismatch.
 */
export const flinkQueries = {
  /** `hours`: the raw table's `hour` partition column, or for an Iceberg table the hour of `ts`. */
  events: (table: string, hours = "`hour`") =>
    `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids, SUM(amount) AS revenue,
      SUM(CASE WHEN is_mobile THEN 1 ELSE 0 END) AS mobile, SUM(CARDINALITY(tags)) AS tags,
      COUNT(geo.city) AS cities, MIN(ts) AS first_ts, MAX(_offset) AS max_offset, COUNT(DISTINCT ${hours}) AS hours
      FROM ${table}`,
  byType15m: (table: string) => `SELECT COUNT(*) AS n, SUM(events) AS events, SUM(users) AS users,
      SUM(revenue) AS revenue, MIN(window_start) AS first_window FROM ${table}`,
  activeUsers1h: (table: string) => `SELECT COUNT(*) AS n, SUM(events) AS events, SUM(users) AS users,
      MIN(first_seen) AS first_seen, SUM(CASE WHEN is_mobile THEN events ELSE 0 END) AS mobile FROM ${table}`,
  // A bounded read of the Kafka table as printed: the hint stops at the offsets of query start.
  writeBack: `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids, SUM(amount) AS revenue,
      SUM(CASE WHEN kafka_timestamp = ts THEN 1 ELSE 0 END) AS event_time_stamped,
      COUNT(headers['lakestream.source.offset']) AS with_lineage
      FROM clickstream_events_write_back /*+ OPTIONS('scan.bounded.mode'='latest-offset') */`,
};

/** DuckDB's FROM clause over a Hive-layout folder. */
export const hiveFiles = (dir: string) =>
  `read_parquet(${sqlString(join(dir, "**/*.parquet"))}, hive_partitioning = true)`;

/**
 * Where DuckDB finds an Iceberg table: its folder (storage catalog: `<lake>/warehouse/lakestream/<table>`,
 * with `version-hint.text`) or its current metadata file (any catalog).
 */
export type IcebergSource = (table: string) => string;

/** The tables the storage catalog keeps in `<lake>/warehouse/lakestream/`. */
export const storageCatalog =
  (lake: string): IcebergSource =>
  (table) =>
    join(lake, "warehouse/lakestream", table);

const scan = (path: string) => `iceberg_scan(${sqlString(path)})`;

/** DuckDB's answer to `flinkQueries.events`: over raw files (`hour` from the path) or the Iceberg table. */
export async function duckEvents(from: { hive: string } | { iceberg: IcebergSource }) {
  const iceberg = "iceberg" in from;
  const [row] = await queryDuckDb(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, sum(amount)::VARCHAR AS revenue,
    sum(is_mobile::INT) AS mobile, sum(len(tags)) AS tags, count(geo.city) AS cities, epoch_ms(min(ts)) AS first_ts,
    max(_offset) AS max_offset, count(DISTINCT ${iceberg ? "hour(ts)" : "hour"}) AS hours
    FROM ${iceberg ? scan(from.iceberg("clickstream_events")) : hiveFiles(from.hive)}`,
    { iceberg },
  );
  return row!;
}

/** DuckDB's answers to the gold queries, over the gold Iceberg tables. */
export async function duckGold(tables: IcebergSource) {
  const [byType] = await queryDuckDb(
    `SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
    sum(revenue)::VARCHAR AS revenue, epoch_ms(min(window_start)) AS first_window
    FROM ${scan(tables("clickstream_by_type_15m"))}`,
    { iceberg: true },
  );
  const [active] = await queryDuckDb(
    `SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
    epoch_ms(min(first_seen)) AS first_seen, sum(CASE WHEN is_mobile THEN events ELSE 0 END) AS mobile
    FROM ${scan(tables("clickstream_active_users_1h"))}`,
    { iceberg: true },
  );
  return { byType: byType!, active: active! };
}
