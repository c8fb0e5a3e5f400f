import { join } from "node:path";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";

/**
 * The same aggregates in Flink SQL and in DuckDB SQL, per kind of lakestream table: every column
 * kind is touched (decimal sums, boolean counts, list lengths, struct fields, timestamps,
 * lineage and partition columns), so a type Flink reads wrongly shows up as a mismatch.
 */
export const flinkQueries = {
  events: (table: string) =>
    `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids, SUM(amount) AS revenue,
      SUM(CASE WHEN is_mobile THEN 1 ELSE 0 END) AS mobile, SUM(CARDINALITY(tags)) AS tags,
      COUNT(geo.city) AS cities, MIN(ts) AS first_ts, MAX(_offset) AS max_offset, COUNT(DISTINCT \`hour\`) AS hours
      FROM ${table}`,
  byType15m: `SELECT COUNT(*) AS n, SUM(events) AS events, SUM(users) AS users, SUM(revenue) AS revenue,
      MIN(window_start) AS first_window FROM clickstream_by_type_15m`,
  activeUsers1h: `SELECT COUNT(*) AS n, SUM(events) AS events, SUM(users) AS users, MIN(first_seen) AS first_seen,
      SUM(CASE WHEN is_mobile THEN events ELSE 0 END) AS mobile FROM clickstream_active_users_1h`,
  // A bounded read of the Kafka table as printed: the hint stops at the offsets of query start.
  writeBack: `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids, SUM(amount) AS revenue,
      SUM(CASE WHEN kafka_timestamp = ts THEN 1 ELSE 0 END) AS event_time_stamped,
      COUNT(headers['lakestream.source.offset']) AS with_lineage
      FROM clickstream_events_write_back /*+ OPTIONS('scan.bounded.mode'='latest-offset') */`,
};

const files = (dir: string) =>
  `read_parquet(${sqlString(join(dir, "**/*.parquet"))}, hive_partitioning = true)`;

/** DuckDB's answer to `flinkQueries.events` over a Hive-layout folder. */
export async function duckEvents(dir: string) {
  const [row] =
    await queryDuckDb(`SELECT count(*) AS n, count(DISTINCT event_id) AS ids, sum(amount)::VARCHAR AS revenue,
    sum(is_mobile::INT) AS mobile, sum(len(tags)) AS tags, count(geo.city) AS cities, epoch_ms(min(ts)) AS first_ts,
    max(_offset) AS max_offset, count(DISTINCT hour) AS hours FROM ${files(dir)}`);
  return row!;
}

/** DuckDB's answers to the gold queries. */
export async function duckGold(lake: string) {
  const [byType] = await queryDuckDb(`SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
    sum(revenue)::VARCHAR AS revenue, epoch_ms(min(window_start)) AS first_window
    FROM ${files(join(lake, "published/clickstream_by_type_15m"))}`);
  const [active] = await queryDuckDb(`SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
    epoch_ms(min(first_seen)) AS first_seen, sum(CASE WHEN is_mobile THEN events ELSE 0 END) AS mobile
    FROM ${files(join(lake, "published/clickstream_active_users_1h"))}`);
  return { byType: byType!, active: active! };
}
