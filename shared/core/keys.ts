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
  const safe = KAFKA_TOPIC_CHARS.test(topic);
  if (safe && Buffer.byteLength(topic) <= TOPIC_IN_NAME_BYTES) return topic;
  const hash = createHash("sha256").update(topic).digest("hex").slice(0, 16);
  if (safe) return `${topic.slice(0, 100)}~${hash}`;
  return `${readableStem(topic)}~${hash}`;
}

/** What Kafka allows in a topic name: such a name is safe in a key as it is. */
const KAFKA_TOPIC_CHARS = /^[A-Za-z0-9._-]+$/;

/**
 * A source stream that is not a Kafka topic (a file's `<uri>#<version>`) is named in keys by
 * its file name, cut to the characters keys allow, and the hash of the whole stream id: the
 * name says which file it was, the hash keeps versions and same-named files apart.
 */
function readableStem(topic: string): string {
  const path = topic.replace(/#[^#/]*$/, "");
  const base = path.slice(path.lastIndexOf("/") + 1);
  let name = "";
  try {
    name = decodeURIComponent(base);
  } catch {
    name = base;
  }
  const stem = name
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(0, 80);
  return stem === "" ? "file" : stem;
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

/** A Kafka topic as it is; another source's stream id (a file URI) by its key-safe name. */
function streamInKey(topic: string): string {
  return KAFKA_TOPIC_CHARS.test(topic) ? topic : topicInName(topic);
}

/** Commit key: readable for one topic-partition, which is what Lambda sends per partition in practice. */
export function commitKey(table: string, ranges: readonly OffsetRange[]): string {
  // A file name may hold 255 bytes on most file systems: longer identities (several
  // partitions, long topic names) are named by their hash; the record inside keeps the ranges.
  const id = ranges
    .map((r) => `${streamInKey(r.topic)}+${r.partition}+${padOffset(r.first)}-${padOffset(r.last)}`)
    .join(",");
  const name = Buffer.byteLength(id) <= 200 ? id : `batch-${createHash("sha256").update(id).digest("hex")}`;
  return `${commitPrefix(table)}${name}.json`;
}
