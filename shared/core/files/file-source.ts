/**
 * The file source's vocabulary: formats, objects and how an object version becomes a source
 * stream of the ingest core. A file is read the way Hadoop and Spark read text and Parquet
 * datasets (lines, CSV records, Parquet rows), each record is one source record, and its
 * lineage reuses the Kafka lineage columns (docs/files.md explains the mapping):
 *
 * - `_topic`     the object's URI and version, `<uri>#<version>` (an S3 ETag or version id; for a
 *                local file the MD5 of its bytes, which is what S3 uses as a single-part ETag);
 * - `_partition` 0;
 * - `_offset`    the line number (from 1) of a JSON-lines, CSV or text record, or the row position
 *                (from 0, Iceberg's `_pos`) of a Parquet row;
 * - `_ts`        the object's last-modified time.
 *
 * One object version is one source stream, so the ingest core's exactly-once rules hold as they
 * are: compaction dedupes on (topic, partition, offset) = (object version, line or row), and
 * watermarks follow line order within a file, the only order of file records that is the same
 * in every replay.
 */

/** How the records of a file are written. */
export type FileFormat = "jsonl" | "csv" | "text" | "parquet";

export const FILE_FORMATS: readonly FileFormat[] = ["jsonl", "csv", "text", "parquet"];

/** CSV dialect (RFC 4180 by default: comma, double quote, quotes escaped by doubling). */
export interface CsvOptions {
  /** The first record names the columns (default true); without it columns are `_c0`, `_c1`, … as Spark names them. */
  readonly header: boolean;
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
}

export const DEFAULT_CSV: CsvOptions = { header: true, delimiter: ",", quote: '"', escape: '"' };

/** A pipeline's file source: where its files arrive and how they are written. */
export interface FileSourceConfig {
  /** Key prefix of the objects in the source bucket (AWS) whose creation triggers the ingest. */
  readonly prefix: string;
  /** Omitted: told by each file's extension (`.jsonl`, `.json`, `.csv`, `.txt`, `.parquet`, …). */
  readonly format?: FileFormat;
  readonly csv?: Partial<CsvOptions>;
}

/** One version of one object (a local file or an S3 object) as the source lists or announces it. */
export interface SourceObject {
  /** `file:///…` or `s3://bucket/key`, percent-encoded as Spark's `input_file_name()` shows it. */
  readonly uri: string;
  /** S3 ETag (quotes removed) or version id; for a local file the MD5 of its bytes. */
  readonly version: string;
  readonly size: number;
  /** Epoch milliseconds, whole. */
  readonly lastModified: number;
  /** Path below the listed root, `/`-separated: where Hive partition folders are read from. */
  readonly path: string;
  /** The S3 version id, when the bucket keeps versions: reads then get exactly this version. */
  readonly versionId?: string;
}

/** The partition every file record has: an object version is a single ordered stream. */
export const FILE_PARTITION = 0;

/** The `_topic` of an object version's records. */
export function fileTopic(object: Pick<SourceObject, "uri" | "version">): string {
  return `${object.uri}#${object.version}`;
}

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  json: "jsonl",
  csv: "csv",
  tsv: "csv",
  txt: "text",
  text: "text",
  log: "text",
  parquet: "parquet",
  parq: "parquet",
};

const COMPRESSED = /\.(gz|gzip|zst|zstd)$/i;

/** The format a file name says (compression suffixes skipped), or undefined. */
export function formatOfName(name: string): FileFormat | undefined {
  const base = name.replace(COMPRESSED, "");
  const dot = base.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[base.slice(dot + 1).toLowerCase()];
}

/** A `.tsv` file is CSV with tabs unless the configuration says otherwise. */
export function csvOptionsFor(name: string, given: Partial<CsvOptions> | undefined): CsvOptions {
  const tsv = /\.tsv$/i.test(name.replace(COMPRESSED, ""));
  return { ...DEFAULT_CSV, ...(tsv ? { delimiter: "\t" } : {}), ...given };
}

/** Compression, told by the bytes (magic numbers), never by the name alone. */
export type Compression = "none" | "gzip" | "zstd";

export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * Hadoop's hidden-file rule, which Spark, Hive and Flink follow: names starting with `_` or `.`
 * (`_SUCCESS`, `_committed_…`, `.part-….crc`, a writer's temp folders) are not data.
 */
export function isHiddenPath(path: string): boolean {
  return path.split("/").some((s) => s.startsWith("_") || s.startsWith("."));
}
