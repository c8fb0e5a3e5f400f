import { createHash } from "node:crypto";

/**
 * Deterministic object keys. The same batch always yields the same keys, which is what
 * lets `ifAbsent` puts make replays write nothing new.
 */

/** Offsets are zero-padded to 20 digits so keys sort in offset order, as Kafka Connect's S3 sink does. */
export function padOffset(offset: number): string {
  return String(offset).padStart(20, "0");
}

/** `<table>/<partition path>/<topic>+<partition>+<firstOffset>.<ext>` */
export function dataFileKey(
  table: string,
  partitionPath: string,
  topic: string,
  partition: number,
  firstOffset: number,
  extension: string,
): string {
  return `${table}/${partitionPath}/${topic}+${partition}+${padOffset(firstOffset)}.${extension}`;
}

/**
 * The key used when the primary key already holds different bytes (a batch that was cut
 * differently on a retry). Adding the last offset keeps both files: raw files may overlap,
 * compaction dedupes, and nothing is lost.
 */
export function conflictFileKey(primaryKey: string, lastOffset: number): string {
  const dot = primaryKey.lastIndexOf(".");
  return `${primaryKey.slice(0, dot)}+${padOffset(lastOffset)}${primaryKey.slice(dot)}`;
}

/** Quarantine lines of one topic-partition of one batch. */
export function quarantineKey(
  prefix: string,
  table: string,
  topic: string,
  partition: number,
  firstOffset: number,
): string {
  return `${prefix}/${table}/${topic}+${partition}+${padOffset(firstOffset)}.jsonl`;
}

/** Where batch commit records live; the plan stage lists this prefix. */
export function commitPrefix(table: string): string {
  return `_lakestream/commits/${table}/`;
}

/** A batch's identity: its topic-partition offset ranges, sorted. */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
}

/** Commit key: readable for one topic-partition, which is what Lambda sends per partition in practice. */
export function commitKey(table: string, ranges: readonly OffsetRange[]): string {
  // A file name may hold 255 bytes on most file systems: longer identities (several
  // partitions, long topic names) are named by their hash; the record inside keeps the ranges.
  const id = ranges
    .map((r) => `${r.topic}+${r.partition}+${padOffset(r.first)}-${padOffset(r.last)}`)
    .join(",");
  const name = Buffer.byteLength(id) <= 200 ? id : `batch-${createHash("sha256").update(id).digest("hex")}`;
  return `${commitPrefix(table)}${name}.json`;
}
