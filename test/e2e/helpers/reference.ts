import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StreamRecord } from "../../../shared/local/main-job/sample-stream.ts";
import { queryDuckDb, sqlString } from "../../helpers/duckdb.ts";

/**
 * The expected state of the lake, computed by DuckDB straight from the generated input (not
 * from anything lakestream wrote), and compared with the published tables by DuckDB too.
 */

/** Writes the good records (the ones the pipeline must not quarantine) as JSON Lines for DuckDB. */
export async function writeInput(dir: string, stream: readonly StreamRecord[]): Promise<string> {
  const path = join(dir, "input.jsonl");
  const lines = stream
    .filter((r) => r.sample.bad === undefined)
    .map((r) => {
      const event = JSON.parse(new TextDecoder().decode(r.value!)) as Record<string, unknown>;
      return JSON.stringify({
        ...event,
        k_topic: r.topic,
        k_partition: r.partition,
        k_offset: r.offset,
        arrival: r.timestamp,
      });
    });
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

const SOURCE = (input: string) => `
  SELECT user_id, type, CAST(amount AS DECIMAL(12,2)) AS amount, geo.country AS country,
         epoch_ms(CAST(ts AS TIMESTAMPTZ)) AS t, arrival, k_topic, k_partition, k_offset,
         regexp_matches(user_agent, 'mobile|android|iphone', 'i') AS is_mobile
  FROM read_json(${sqlString(input)}, columns = {
    user_id: 'BIGINT', ts: 'VARCHAR', type: 'VARCHAR', amount: 'VARCHAR', user_agent: 'VARCHAR',
    geo: 'STRUCT(country VARCHAR, city VARCHAR)', k_topic: 'VARCHAR', k_partition: 'INTEGER',
    k_offset: 'BIGINT', arrival: 'BIGINT'})
  WHERE NOT regexp_matches(user_agent, 'bot|crawler|spider|headless', 'i')`;

const LATENESS_MS = 30 * 60_000;

/** Tumbling 15-minute windows by type and country, as clickstream_by_type_15m declares. */
function byType(input: string): string {
  return `
    WITH w AS (SELECT *, (t // 900000) * 900000 AS ws FROM (${SOURCE(input)}))
    SELECT ws, type, country, count(*) AS events, count(DISTINCT user_id) AS users,
           CAST(sum(amount) AS VARCHAR) AS revenue, round(avg(amount), 6) AS avg_amount,
           CAST(min(amount) AS VARCHAR) AS min_amount, CAST(max(amount) AS VARCHAR) AS max_amount
    FROM w WHERE arrival <= ws + 900000 + ${LATENESS_MS} GROUP BY ALL`;
}

/** Hopping 60-minute windows every 30 minutes by is_mobile, as clickstream_active_users_1h declares. */
function activeUsers(input: string): string {
  return `
    WITH w AS (
      SELECT s.*, ws FROM (${SOURCE(input)}) s,
        unnest([(t // 1800000) * 1800000, (t // 1800000) * 1800000 - 1800000]) AS u(ws))
    SELECT ws, is_mobile, count(*) AS events, count(DISTINCT user_id) AS users, min(t) AS first_seen,
           max(t) AS last_seen
    FROM w WHERE arrival <= ws + 3600000 + ${LATENESS_MS} GROUP BY ALL`;
}

const GOLD = {
  byType: (lake: string) => `
    SELECT epoch_ms(window_start) AS ws, type, geo_country AS country, events, users,
           CAST(revenue AS VARCHAR) AS revenue, round(avg_amount, 6) AS avg_amount,
           CAST(min_amount AS VARCHAR) AS min_amount, CAST(max_amount AS VARCHAR) AS max_amount
    FROM ${icebergTable(lake, "clickstream_by_type_15m")}`,
  activeUsers: (lake: string) => `
    SELECT epoch_ms(window_start) AS ws, is_mobile, events, users, epoch_ms(first_seen) AS first_seen,
           epoch_ms(last_seen) AS last_seen
    FROM ${icebergTable(lake, "clickstream_active_users_1h")}`,
};

export interface Comparison {
  readonly expected: number;
  readonly actual: number;
  /** Rows in one and not the other (EXCEPT ALL both ways). */
  readonly missing: number;
  readonly extra: number;
}

/** An Iceberg table of the lake as DuckDB's iceberg extension reads it, by path (storage catalog). */
export function icebergTable(lake: string, table: string): string {
  return `iceberg_scan(${sqlString(`${lake}/warehouse/lakestream/${table}`)})`;
}

async function compare(expected: string, actual: string): Promise<Comparison> {
  const [row] = await queryDuckDb(
    `
    WITH e AS (${expected}), a AS (${actual})
    SELECT (SELECT count(*) FROM e) AS expected, (SELECT count(*) FROM a) AS actual,
           (SELECT count(*) FROM (SELECT * FROM e EXCEPT ALL SELECT * FROM a)) AS missing,
           (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM e)) AS extra`,
    { iceberg: true },
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)])) as unknown as Comparison;
}

/** Gold tables against DuckDB's own aggregates of the input (minus bad, bot and too-late records). */
export async function compareGold(lake: string, input: string) {
  return {
    byType: await compare(byType(input), GOLD.byType(lake)),
    activeUsers: await compare(activeUsers(input), GOLD.activeUsers(lake)),
  };
}

/** The compacted table against the input: each source offset exactly once, and no other. */
export async function compareCompacted(lake: string, input: string) {
  const table = icebergTable(lake, "clickstream_events");
  const [dupes] = await queryDuckDb(
    `SELECT count(*) - count(DISTINCT (_topic, _partition, _offset)) AS n FROM ${table}`,
    { iceberg: true },
  );
  const offsets = await compare(
    `SELECT k_topic, k_partition, k_offset FROM (${SOURCE(input)})`,
    `SELECT _topic, _partition, _offset FROM ${table}`,
  );
  return { duplicates: Number(dupes!.n), offsets };
}

/** Too-late records of the 15-minute table: quarantined lines against the input's. */
export async function compareLate(lake: string, input: string) {
  return compare(
    `SELECT k_topic, k_partition, k_offset FROM (${SOURCE(input)})
     WHERE arrival > (t // 900000) * 900000 + 900000 + ${LATENESS_MS}`,
    `SELECT topic, "partition", "offset" FROM read_json(${sqlString(`${lake}/_quarantine/clickstream_by_type_15m/late/**/*.jsonl`)},
       columns = {topic: 'VARCHAR', "partition": 'INTEGER', "offset": 'BIGINT'})`,
  );
}
