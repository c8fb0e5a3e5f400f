import { join } from "node:path";
import { queryDuckDb, sqlString } from "./duckdb.ts";

/** A source record's coordinates as one string: `topic|partition|offset`. */
export function sourceCoordinate(topic: string, partition: number, offset: number | bigint | string): string {
  return `${topic}|${partition}|${offset}`;
}

/**
 * The source record of every row a published table holds, as a reader sees the table (one
 * entry per row, so a duplicate shows twice). Read by DuckDB from the lake on disk.
 *
 * This is the one place tests read "what is published": today the Hive-layout Parquet under
 * `published/<table>/`; when publishing moves to Iceberg commits, only this function changes
 * (read the table's current snapshot instead).
 */
export async function publishedSourceRecords(lake: string, table: string): Promise<string[]> {
  const rows = await queryDuckDb(
    `SELECT _topic AS t, _partition AS p, CAST(_offset AS VARCHAR) AS o
     FROM read_parquet(${sqlString(join(lake, "published", table, "**", "*.parquet"))}, hive_partitioning = false)`,
  );
  return rows.map((r) => sourceCoordinate(String(r.t), Number(r.p), String(r.o)));
}

export interface PublishedCheck {
  readonly rows: number;
  /** Expected source records not published. */
  readonly missing: number;
  /** Rows beyond one per expected source record: duplicates, or records that should not be there. */
  readonly duplicated: number;
  readonly unexpected: number;
}

/** Compares a published table with the source records it must hold, each exactly once. */
export async function checkPublishedExactlyOnce(
  lake: string,
  table: string,
  expected: Iterable<string>,
): Promise<PublishedCheck> {
  const want = new Set(expected);
  const rows = await publishedSourceRecords(lake, table);
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r, (seen.get(r) ?? 0) + 1);
  let duplicated = 0;
  for (const n of seen.values()) duplicated += n - 1;
  return {
    rows: rows.length,
    missing: [...want].filter((c) => !seen.has(c)).length,
    duplicated,
    unexpected: [...seen.keys()].filter((c) => !want.has(c)).length,
  };
}
