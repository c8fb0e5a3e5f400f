import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { pyicebergS3Properties, warehouseS3Access } from "./catalogs.ts";
import { queryDuckDb, sqlString } from "./duckdb.ts";
import { runPython } from "./python.ts";
import { testS3Client } from "./services.ts";

/** A source record's coordinates as one string: `topic|partition|offset`. */
export function sourceCoordinate(topic: string, partition: number, offset: number | bigint | string): string {
  return `${topic}|${partition}|${offset}`;
}

/** Where a lake is: a folder on disk, or a bucket on the test's S3 server. */
export type LakeLocation = { readonly lake: string } | { readonly bucket: string };

/**
 * The source record of every row a published Iceberg table holds, as a reader sees the table's
 * current snapshot (one entry per row, so a duplicate shows twice): DuckDB's iceberg_scan for a
 * lake on disk, pyiceberg for a lake on S3. This is the one place tests read "what is published".
 */
export async function publishedSourceRecords(where: LakeLocation, table: string): Promise<string[]> {
  const folder = `warehouse/lakestream/${table}`;
  if ("lake" in where) {
    const rows = await queryDuckDb(
      `SELECT _topic AS t, _partition AS p, CAST(_offset AS VARCHAR) AS o
       FROM iceberg_scan(${sqlString(join(where.lake, folder))})`,
      { iceberg: true },
    );
    return rows.map((r) => sourceCoordinate(String(r.t), Number(r.p), String(r.o)));
  }
  const hint = await testS3Client().send(
    new GetObjectCommand({ Bucket: where.bucket, Key: `${folder}/metadata/version-hint.text` }),
  );
  const version = (await hint.Body!.transformToString()).trim();
  return runPython<string[]>(
    { file: "published_source_records.py" },
    {
      input: {
        metadata: `s3://${where.bucket}/${folder}/metadata/v${version}.metadata.json`,
        properties: pyicebergS3Properties(warehouseS3Access()),
      },
    },
  );
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
  where: LakeLocation,
  table: string,
  expected: Iterable<string>,
): Promise<PublishedCheck> {
  const want = new Set(expected);
  const rows = await publishedSourceRecords(where, table);
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
