import { createHash } from "node:crypto";
import type { TableSchema } from "../schema.ts";
import type { OffsetSpan } from "./dedupe.ts";

/**
 * Published tables and their manifests. Published tables live under `published/<table>/`
 * in the same Hive layout as raw (`published/<table>/dt=…/hour=…/part-….parquet`), so raw
 * and published never mix and each is one glob for Spark, Athena or DuckDB.
 *
 * A partition's `_SUCCESS` manifest lists exactly the files of its current version. Data files
 * are named by their content hash and written before the manifest, which is replaced in one
 * put; a reader that follows the manifest therefore never sees a partial or duplicate state,
 * and a rerun on the same input produces the same keys and bytes, so it changes nothing.
 */

export const PUBLISHED_PREFIX = "published/";
export const MANIFEST_NAME = "_SUCCESS";
export const MANIFEST_FORMAT = "lakestream-manifest/1";

export function publishedTablePrefix(table: string): string {
  return `${PUBLISHED_PREFIX}${table}/`;
}

export function manifestKey(table: string, partitionPath: string): string {
  return `${publishedTablePrefix(table)}${partitionPath}/${MANIFEST_NAME}`;
}

/** `part-<index>-<hash of the bytes>.<ext>`: same bytes, same key; new bytes never overwrite old ones. */
export function publishedFileKey(
  table: string,
  partitionPath: string,
  index: number,
  body: Uint8Array,
  extension: string,
): string {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 20);
  return `${publishedTablePrefix(table)}${partitionPath}/part-${String(index).padStart(5, "0")}-${hash}.${extension}`;
}

/** A stable digest of a stage's input (raw file keys): the plan compares it to decide what is stale. */
export function inputDigest(keys: Iterable<string>): string {
  const sorted = [...new Set(keys)].sort();
  return createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 32);
}

export interface ManifestFile {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/** The `_SUCCESS` document of one published partition. */
export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly kind: "compacted" | "aggregate";
  readonly pipeline: string;
  readonly table: string;
  readonly partition: string;
  /** Digest of the raw files this version was computed from. */
  readonly inputDigest: string;
  readonly inputs: { readonly files: number; readonly rows: number; readonly bytes: number };
  readonly rows: number;
  readonly files: readonly ManifestFile[];
  /** Source offsets covered, per topic-partition. */
  readonly offsets: readonly OffsetSpan[];
  readonly schema: TableSchema;
  /** The run that wrote this version and its logical time (the run's "now", not the wall clock). */
  readonly runId: string;
  readonly createdAt: string;
  readonly windows?: { readonly sizeMinutes: number; readonly slideMinutes: number; readonly count: number };
  readonly late?: { readonly records: number; readonly key: string | null };
}

/** Same published content (files and counts), whatever run or time wrote it. */
export function sameContent(a: Manifest | undefined, b: Manifest): boolean {
  if (!a || a.inputDigest !== b.inputDigest || a.rows !== b.rows || a.files.length !== b.files.length)
    return false;
  return a.files.every((f, i) => f.key === b.files[i]!.key) && a.late?.key === b.late?.key;
}

/**
 * How many files a partition is cut into: ceil(estimated bytes / target), at least one. The
 * estimate is the raw bytes scaled by the share of rows kept after dedupe, so duplicates do not
 * inflate the count.
 */
export function outputFileCount(estimatedBytes: number, targetBytes: number): number {
  return Math.max(1, Math.ceil(estimatedBytes / targetBytes));
}

/** Cuts `items` into `parts` consecutive runs whose lengths differ by at most one. */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const n = Math.max(1, Math.min(parts, items.length));
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    out.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  }
  return out;
}
