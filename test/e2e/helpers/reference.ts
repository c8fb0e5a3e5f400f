import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StreamRecord } from "../../../shared/local/main-job/sample-stream.ts";
import { queryDuckDb, sqlString } from "../../helpers/duckdb.ts";

/**
 * The expected state of the lake, computed by DuckDB straight from the generated input (not
 * from anything lakestream wrote), and compared with the published tables by DuckDB too.
 */

/** A record as the reference sees it: its bytes, where Kafka put it, and its batch's range there. */
export interface ReferenceRecord {
  readonly value: Uint8Array;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The Kafka timestamp (informational: lateness never reads it). */
  readonly timestamp: number;
  /** The offset range its batch covered in its topic-partition, which the watermark is defined on. */
  readonly batch: { readonly first: number; readonly last: number };
}

/** Writes the good records (the ones the pipeline must not quarantine) as JSON Lines for DuckDB. */
export async function writeReferenceInput(
  dir: string,
  records: readonly ReferenceRecord[],
  name = "input.jsonl",
): Promise<string> {
  const path = join(dir, name);
  const lines = records.map((r) => {
    const event = JSON.parse(new TextDecoder().decode(r.value)) as Record<string, unknown>;
    return JSON.stringify({
      ...event,
      k_topic: r.topic,
      k_partition: r.partition,
      k_offset: r.offset,
      arrival: r.timestamp,
      b_first: r.batch.first,
      b_last: r.batch.last,
    });
  });
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

/** The sample stream's good records, each with the range of the batch `batches` put it in. */
export async function writeInput(
  dir: string,
  stream: readonly StreamRecord[],
  batches: readonly (readonly StreamRecord[])[],
): Promise<string> {
  const range = new Map<StreamRecord, { first: number; last: number }>();
  for (const batch of batches) {
    const byPartition = Map.groupBy(batch, (r) => `${r.topic}/${r.partition}`);
    for (const records of byPartition.values()) {
      const offsets = records.map((r) => r.offset);
      const span = { first: Math.min(...offsets), last: Math.max(...offsets) };
      for (const r of records) range.set(r, span);
    }
  }
  const good = stream.filter((r) => r.sample.bad === undefined);
  return writeReferenceInput(
    dir,
    good.map((r) => {
      const batch = range.get(r);
      if (!batch) throw new Error(`record ${r.partition}/${r.offset} is in no batch`);
      return { ...r, value: r.value!, batch };
    }),
  );
}

const ROWS = (input: string) => `
  SELECT event_id, user_id, type, CAST(amount AS DECIMAL(12,2)) AS amount, geo.country AS country,
         epoch_ms(CAST(ts AS TIMESTAMPTZ)) AS t, arrival, k_topic, k_partition, k_offset, b_first, b_last,
         regexp_matches(user_agent, 'mobile|android|iphone', 'i') AS is_mobile
  FROM read_json(${sqlString(input)}, columns = {
    event_id: 'VARCHAR', user_id: 'BIGINT', ts: 'VARCHAR', type: 'VARCHAR', amount: 'VARCHAR',
    user_agent: 'VARCHAR', geo: 'STRUCT(country VARCHAR, city VARCHAR)', k_topic: 'VARCHAR',
    k_partition: 'INTEGER', k_offset: 'BIGINT', arrival: 'BIGINT', b_first: 'BIGINT', b_last: 'BIGINT'})
  WHERE NOT regexp_matches(user_agent, 'bot|crawler|spider|headless', 'i')`;

const LATENESS_MS = 30 * 60_000;
/**
 * clickstream dedupes on event_id: the first delivery in source order stays. (Every delivery of
 * an event_id here carries the same ts, so the pipeline's 10-minute horizon always holds.)
 */
const FIRST_DELIVERY = "row_number() OVER (PARTITION BY event_id ORDER BY k_topic, k_partition, k_offset)";

/**
 * The rows (first delivery of each event_id) with their watermark, straight from the definition:
 * the largest event time of the rows (every delivery) of the same topic-partition in batches that
 * ended before this row's batch began, minus the allowed lateness (NULL: no earlier batch, never
 * late). The Kafka timestamp plays no part.
 */
const SOURCE = (input: string, watermarks = true) => `
  WITH a AS (${ROWS(input)}),
       r AS (SELECT * FROM a QUALIFY ${FIRST_DELIVERY} = 1)
  SELECT r.*, ${
    watermarks
      ? `(SELECT max(e.t) FROM a e
          WHERE e.k_topic = r.k_topic AND e.k_partition = r.k_partition AND e.b_last < r.b_first)
         - ${LATENESS_MS}`
      : "CAST(NULL AS BIGINT)"
  } AS wm
  FROM r`;

/** Tumbling 15-minute windows by type and country, as clickstream_by_type_15m declares. */
function byType(input: string, watermarks: boolean): string {
  return `
    WITH w AS (SELECT *, (t // 900000) * 900000 AS ws FROM (${SOURCE(input, watermarks)}))
    SELECT ws, type, country, count(*) AS events, count(DISTINCT user_id) AS users,
           CAST(sum(amount) AS VARCHAR) AS revenue, round(avg(amount), 6) AS avg_amount,
           CAST(min(amount) AS VARCHAR) AS min_amount, CAST(max(amount) AS VARCHAR) AS max_amount
    FROM w WHERE wm IS NULL OR ws + 900000 > wm GROUP BY ALL`;
}

/** Hopping 60-minute windows every 30 minutes by is_mobile, as clickstream_active_users_1h declares. */
function activeUsers(input: string, watermarks: boolean): string {
  return `
    WITH w AS (
      SELECT s.*, ws FROM (${SOURCE(input, watermarks)}) s,
        unnest([(t // 1800000) * 1800000, (t // 1800000) * 1800000 - 1800000]) AS u(ws))
    SELECT ws, is_mobile, count(*) AS events, count(DISTINCT user_id) AS users, min(t) AS first_seen,
           max(t) AS last_seen
    FROM w WHERE wm IS NULL OR ws + 3600000 > wm GROUP BY ALL`;
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

/**
 * Gold tables against DuckDB's own aggregates of the input (minus bad, bot and too-late records;
 * `watermarks: false` for gold computed from a dataset prefix, which has no commit records).
 */
export async function compareGold(lake: string, input: string, { watermarks = true } = {}) {
  return {
    byType: await compare(byType(input, watermarks), GOLD.byType(lake)),
    activeUsers: await compare(activeUsers(input, watermarks), GOLD.activeUsers(lake)),
  };
}

/**
 * The compacted table against the input: each source offset exactly once, each event_id once
 * (its first delivery), and no other.
 */
export async function compareCompacted(lake: string, input: string) {
  const table = icebergTable(lake, "clickstream_events");
  const [dupes] = await queryDuckDb(
    `SELECT count(*) - count(DISTINCT (_topic, _partition, _offset)) AS n,
            count(*) - count(DISTINCT event_id) AS keys FROM ${table}`,
    { iceberg: true },
  );
  const offsets = await compare(
    `SELECT k_topic, k_partition, k_offset FROM (${SOURCE(input)})`,
    `SELECT _topic, _partition, _offset FROM ${table}`,
  );
  return { duplicates: Number(dupes!.n), keyDuplicates: Number(dupes!.keys), offsets };
}

/** Too-late records of the 15-minute table: quarantined lines against the input's. */
export async function compareLate(lake: string, input: string) {
  return compare(
    `SELECT k_topic, k_partition, k_offset FROM (${SOURCE(input)})
     WHERE (t // 900000) * 900000 + 900000 <= wm`,
    `SELECT topic, "partition", "offset" FROM read_json(${sqlString(`${lake}/_quarantine/clickstream_by_type_15m/late/**/*.jsonl`)},
       columns = {topic: 'VARCHAR', "partition": 'INTEGER', "offset": 'BIGINT'})`,
  );
}

/** What every published table must total, computed by DuckDB from the input alone. */
export interface ReferenceTotals {
  readonly events: { readonly rows: number; readonly amount: string };
  readonly byType: { readonly rows: number; readonly events: number; readonly revenue: string };
  readonly activeUsers: { readonly rows: number; readonly events: number };
}

/**
 * Counts and sums of the events table and the gold tables over the input, for readers that
 * cannot join with a local file (Spark and pyiceberg on an S3 lake). Sums are text: exact decimals.
 */
export async function referenceTotals(input: string): Promise<ReferenceTotals> {
  const [row] = await queryDuckDb(`
    SELECT (SELECT count(*) FROM (${SOURCE(input)})) AS rows,
           (SELECT CAST(sum(amount) AS VARCHAR) FROM (${SOURCE(input)})) AS amount,
           (SELECT count(*) FROM (${byType(input, true)})) AS by_type_rows,
           (SELECT sum(events) FROM (${byType(input, true)})) AS by_type_events,
           (SELECT CAST(sum(CAST(revenue AS DECIMAL(38,2))) AS VARCHAR) FROM (${byType(input, true)})) AS revenue,
           (SELECT count(*) FROM (${activeUsers(input, true)})) AS active_rows,
           (SELECT sum(events) FROM (${activeUsers(input, true)})) AS active_events`);
  const n = (k: string) => Number(row![k]);
  return {
    events: { rows: n("rows"), amount: String(row!.amount) },
    byType: { rows: n("by_type_rows"), events: n("by_type_events"), revenue: String(row!.revenue) },
    activeUsers: { rows: n("active_rows"), events: n("active_events") },
  };
}
