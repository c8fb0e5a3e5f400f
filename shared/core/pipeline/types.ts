import type { FileSourceConfig } from "../files/file-source.ts";
import type { InferRow, TableSchema } from "../schema.ts";

/** How the Kafka value (or key) bytes are deserialized before the transform sees them. */
export type ValueFormat = "json" | "string" | "bytes";

type Deserialized<F extends ValueFormat> = F extends "json"
  ? unknown
  : F extends "string"
    ? string
    : Uint8Array;

/** One Kafka record as the transform sees it: deserialized, with its coordinates. */
export interface SourceRecord<V = unknown, K = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch, as Kafka stored it. */
  readonly timestamp: number;
  readonly timestampType: "CREATE_TIME" | "LOG_APPEND_TIME" | "NO_TIMESTAMP_TYPE";
  readonly key: K | null;
  readonly value: V;
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Uint8Array }>;
}

/** map / flatMap / filter in one: return a row, several rows, or null to drop the record. */
export type Transform<V, K, Row> = (record: SourceRecord<V, K>) => Row | Row[] | null | undefined;

export interface SourceConfig<VF extends ValueFormat = ValueFormat, KF extends ValueFormat = ValueFormat> {
  /** Kafka topics; may be empty when `files` is given. */
  readonly topics: readonly string[];
  readonly valueFormat: VF;
  /** Defaults to "string". */
  readonly keyFormat?: KF;
  /**
   * Files as a source, beside or instead of Kafka (docs/files.md): in AWS, objects created under
   * `prefix` in the source bucket; locally, `lakestream run --files`. Their records go through the
   * same transform, validation, quarantine and partitioning.
   */
  readonly files?: FileSourceConfig;
}

export interface PartitioningConfig {
  /** Event time: the Kafka record timestamp, or a timestamp column of the output row. Never the wall clock. */
  readonly eventTime: "kafka-timestamp" | { readonly field: string };
  readonly granularity: "hour" | "day";
  /** Extra value columns partitioned on, after the time columns (Hive layout `col=value`). */
  readonly columns?: readonly string[];
}

export interface SinkConfig {
  /** Table name: lower-case letters, digits and underscores, as Glue and Hive want them. */
  readonly table: string;
  readonly format: "parquet" | "jsonl-gzip";
  /** Parquet codec; defaults to zstd. */
  readonly compression?: "zstd" | "snappy";
  /** Target size of one output file in MiB; defaults to 128. */
  readonly targetFileSizeMiB?: number;
  /**
   * How published and gold tables are kept. "iceberg" (the default): Apache Iceberg v2 tables
   * committed atomically through a catalog, read by Spark, Flink, Trino, Athena, DuckDB and
   * pyiceberg as they are. "hive": Hive-layout folders with a `_SUCCESS` manifest, for readers
   * without Iceberg support. Iceberg tables need `format: "parquet"`.
   */
  readonly tableFormat?: "iceberg" | "hive";
}

/**
 * Upkeep of the Iceberg tables, run after each publish (the Maintain state): merge small
 * manifests, expire old snapshots, then delete files no snapshot references any more.
 */
export interface MaintenanceConfig {
  /** Snapshots older than this are expired (time travel ends there); defaults to 120 (5 days). */
  readonly snapshotRetentionHours?: number;
  /** The newest snapshots kept whatever their age; defaults to 1. */
  readonly minSnapshotsToKeep?: number;
  /**
   * Unreferenced files younger than this are left alone: a run still writing may own them.
   * Defaults to 72 (3 days, Iceberg's own default for orphan removal).
   */
  readonly orphanFileAgeHours?: number;
  /** Manifests are merged into one once a table's snapshot has more than this many; defaults to 16. */
  readonly manifestMergeThreshold?: number;
}

export interface QuarantineConfig {
  /** Object key prefix for quarantine files; defaults to "_quarantine". */
  readonly prefix: string;
}

/**
 * Optional write-back of transformed rows to a Kafka topic, so other engines (Flink, Spark,
 * plain consumers) can share the results; the contract is in docs/write-back.md. `key` names
 * the row column whose value becomes the Kafka key (omitted: the source record's key is kept).
 */
export interface WriteBackConfig {
  readonly topic: string;
  readonly key?: string;
  /** Message value: JSON (default) or Avro binary with the schema `lakestream schema --write-back --format avro` prints. */
  readonly format?: "json" | "avro";
  /** Partitions of the topic when lakestream creates it; default: the source topic's count. */
  readonly partitions?: number;
}

/**
 * An event-time window. Windows are aligned to the epoch (UTC), as Spark's `window()` does, so
 * the same event always lands in the same windows whatever run computes them.
 */
export interface WindowConfig {
  /** Window length in minutes. */
  readonly sizeMinutes: number;
  /** Hopping windows start every `slideMinutes` (≤ size); omitted: tumbling (slide = size). */
  readonly slideMinutes?: number;
}

/** One measure of an aggregate table; `column` is a column name or a struct field path ("geo.country"). */
export type MeasureConfig =
  | { readonly fn: "count"; readonly column?: string }
  | { readonly fn: "sum" | "min" | "max" | "avg" | "countDistinct"; readonly column: string };

/** A gold table: a windowed group-by over the pipeline's rows, on event time. */
export interface AggregationConfig {
  /** Table name, like `sink.table`. */
  readonly table: string;
  readonly window: WindowConfig;
  /** Group keys: column names or struct field paths; the output column replaces "." with "_". */
  readonly groupBy: readonly string[];
  /** Output column name → measure. */
  readonly measures: Readonly<Record<string, MeasureConfig>>;
  /** Kafka topic the publish stage writes this table's rows to, for other engines (docs/write-back.md). */
  readonly writeBack?: { readonly topic: string; readonly partitions?: number };
}

/**
 * Windowed aggregations, computed once a window is closed. Lateness follows the stream's
 * event-time watermark, as Spark's `withWatermark` and Flink's bounded-out-of-orderness
 * watermarks define it, never the Kafka timestamp: a record misses a window when the window's
 * end ≤ the watermark of its batch, the largest event time of every earlier batch of its
 * topic-partition minus `allowedLatenessMinutes` (see shared/core/stages/watermarks.ts). A missed
 * record goes to quarantine with that reason. The same lateness delays when a partition is closed.
 */
export interface AggregationsConfig {
  /** Defaults to 0. */
  readonly allowedLatenessMinutes?: number;
  readonly tables: readonly AggregationConfig[];
}

/**
 * Dedupe by business key, for at-least-once upstreams (a Storm replay, a Flink job restarted
 * from a checkpoint, a producer retry): a row is dropped from the published table and the gold
 * tables when another delivery of the same key, earlier in source order (topic, partition,
 * offset), has an event time at most `withinMinutes` away. Like Spark's
 * `dropDuplicatesWithinWatermark` and Flink's keep-first-row deduplication, the first delivery
 * wins (see shared/core/stages/key-dedupe.ts).
 */
export interface DedupeConfig {
  /** Column names or struct field paths whose values together identify an event. */
  readonly key: readonly string[];
  /** How far apart in event time two deliveries of one key may be and still be duplicates. */
  readonly withinMinutes: number;
}

/** What a user writes in a pipeline file. */
export interface PipelineInput<S extends TableSchema, VF extends ValueFormat, KF extends ValueFormat> {
  readonly name: string;
  readonly description?: string;
  readonly source: SourceConfig<VF, KF>;
  readonly schema: S;
  readonly transform: Transform<Deserialized<VF>, Deserialized<KF>, InferRow<S>>;
  readonly partitioning: PartitioningConfig;
  readonly sink: SinkConfig;
  readonly quarantine?: QuarantineConfig;
  readonly writeBack?: WriteBackConfig;
  readonly aggregations?: AggregationsConfig;
  readonly maintenance?: MaintenanceConfig;
  readonly dedupe?: DedupeConfig;
}

/** A validated pipeline with every default filled in. */
export interface Pipeline {
  readonly name: string;
  readonly description: string;
  readonly source: Required<Omit<SourceConfig, "files">> & { readonly files?: FileSourceConfig };
  readonly schema: TableSchema;
  readonly transform: Transform<unknown, unknown, Record<string, unknown>>;
  readonly partitioning: Required<PartitioningConfig>;
  readonly sink: Required<SinkConfig>;
  readonly quarantine: QuarantineConfig;
  readonly writeBack?: WriteBackConfig;
  readonly aggregations?: Required<AggregationsConfig>;
  readonly maintenance: Required<MaintenanceConfig>;
  readonly dedupe?: DedupeConfig;
}
