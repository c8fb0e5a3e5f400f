import { join } from "node:path";
import { expect } from "vitest";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import type { Reference } from "./kit.ts";

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

type Row = Record<string, unknown>;

/** An engine's answer to `flinkQueries.events` equals DuckDB's and the input's (each event once, cents exact). */
export function expectEventsMatch(engine: Row, duck: Row, ref: Reference) {
  expect(engine.n).toBe(Number(duck.n));
  expect(engine.ids).toBe(ref.ids.size);
  expect(Number(engine.revenue).toFixed(2)).toBe(Number(duck.revenue).toFixed(2));
  expect(Math.round(Number(engine.revenue) * 100)).toBe(ref.cents);
  const same = ["mobile", "tags", "cities", "max_offset", "hours"];
  expect(same.map((c) => Number(engine[c]))).toEqual(same.map((c) => Number(duck[c])));
  expect(Date.parse(String(engine.first_ts))).toBe(Number(duck.first_ts));
}

/** An engine's answers to the gold queries equal DuckDB's; every event is counted in a 15-minute window. */
export function expectGoldMatch(
  engine: { byType: Row; active: Row },
  duck: { byType: Row; active: Row },
  ref: Reference,
) {
  const { byType: g15, active: g1h } = engine;
  const { byType: d15, active: d1h } = duck;
  expect([g15.n, g15.events, g15.users].map(Number)).toEqual([d15.n, d15.events, d15.users].map(Number));
  expect(Number(g15.revenue).toFixed(2)).toBe(Number(d15.revenue).toFixed(2));
  expect(Date.parse(String(g15.first_window))).toBe(Number(d15.first_window));
  expect(Number(g15.events)).toBe(ref.ids.size);
  expect([g1h.n, g1h.events, g1h.users, g1h.mobile].map(Number)).toEqual(
    [d1h.n, d1h.events, d1h.users, d1h.mobile].map(Number),
  );
  expect(Date.parse(String(g1h.first_seen))).toBe(Number(d1h.first_seen));
}
