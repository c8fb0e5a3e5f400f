import { createHash } from "node:crypto";

/**
 * Deterministic object keys. The same batch always yields the same keys, which is what
 * lets `ifAbsent` puts make replays write nothing new.
 */

/** Offsets are zero-padded to 20 digits so keys sort in offset order, as Kafka Connect's S3 sink does. */
export function padOffset(offset: number): string {
  return String(offset).padStart(20, "0");
}

/** Topic names up to this many bytes appear whole in file names. */
const TOPIC_IN_NAME_BYTES = 120;

/**
 * The topic as it appears in a file name. Kafka allows 249 characters, and with partition,
 * offsets and extension that passes the 255-byte file-name limit of most file systems; a long
 * topic keeps its first 100 characters and gets a hash of the whole name, so names stay
 * distinct, deterministic and readable. The file's metadata and rows keep the full topic.
 */
export function topicInName(topic: string): string {
  if (Buffer.byteLength(topic) <= TOPIC_IN_NAME_BYTES) return topic;
  const hash = createHash("sha256").update(topic).digest("hex").slice(0, 16);
  return `${topic.slice(0, 100)}~${hash}`;
}

/** `<table>/<partition path>/<topic>+<partition>+<firstOffset>.<ext>` (a long topic shortened, see `topicInName`) */
export function dataFileKey(
  table: string,
  partitionPath: string,
  topic: string,
  partition: number,
  firstOffset: number,
  extension: string,
): string {
  return `${table}/${partitionPath}/${topicInName(topic)}+${partition}+${padOffset(firstOffset)}.${extension}`;
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
  return `${prefix}/${table}/${topicInName(topic)}+${partition}+${padOffset(firstOffset)}.jsonl`;
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
