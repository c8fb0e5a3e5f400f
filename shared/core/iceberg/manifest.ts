import { Buffer } from "node:buffer";
import { decodeAvroFile, encodeAvroFile } from "./avro-file.ts";
import { manifestEntrySchema } from "./avro-schemas.ts";
import { IcebergMetadataError } from "./errors.ts";
import { parseJsonExact, stringifyJsonExact, toLong } from "./json.ts";
import type {
  DataFile,
  IcebergSchema,
  ManifestEntry,
  ManifestEntryStatus,
  PartitionSpec,
  PartitionValue,
} from "./types.ts";

/**
 * Writes a v2 data manifest: the entries with their partition tuples and metrics, and the
 * header keys every reader looks for (schema, schema-id, partition-spec, partition-spec-id,
 * format-version, content).
 */
export async function encodeManifest(
  schema: IcebergSchema,
  spec: PartitionSpec,
  entries: readonly ManifestEntry[],
): Promise<Uint8Array> {
  return encodeAvroFile(manifestEntrySchema(schema, spec), entries.map(toAvroEntry), {
    schema: stringifyJsonExact(schema),
    "schema-id": String(schema["schema-id"]),
    "partition-spec": stringifyJsonExact(spec.fields),
    "partition-spec-id": String(spec["spec-id"]),
    "format-version": "2",
    content: "data",
  });
}

export interface DecodedManifest {
  readonly specId: number;
  readonly partitionFields: readonly string[];
  readonly entries: ManifestEntry[];
}

/** Reads a manifest written by lakestream or any other Iceberg writer (Spark, Flink, pyiceberg). */
export async function decodeManifest(location: string, bytes: Uint8Array): Promise<DecodedManifest> {
  const { metadata, records } = await decodeAvroFile(bytes).catch((e: unknown) => {
    throw new IcebergMetadataError(location, `not an Avro manifest: ${(e as Error).message}`, { cause: e });
  });
  if (metadata.content !== undefined && metadata.content !== "data") {
    throw new IcebergMetadataError(
      location,
      `a ${metadata.content} manifest: lakestream reads data manifests only`,
    );
  }
  const fields = parseJsonExact(metadata["partition-spec"] ?? "[]") as { name: string }[];
  return {
    specId: Number(metadata["partition-spec-id"] ?? 0),
    partitionFields: fields.map((f) => f.name),
    entries: records.map((r) => fromAvroEntry(r, fields)),
  };
}

const pairs = <V>(m: ReadonlyMap<number, V> | undefined, f: (v: V) => unknown) =>
  m === undefined ? null : [...m].sort(([a], [b]) => a - b).map(([key, value]) => ({ key, value: f(value) }));

function toAvroEntry(e: ManifestEntry): Record<string, unknown> {
  const d = e.dataFile;
  return {
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: d.content,
      file_path: d.filePath,
      file_format: d.fileFormat,
      partition: { ...d.partition },
      record_count: d.recordCount,
      file_size_in_bytes: d.fileSizeInBytes,
      column_sizes: pairs(d.columnSizes, (v) => v),
      value_counts: pairs(d.valueCounts, (v) => v),
      null_value_counts: pairs(d.nullValueCounts, (v) => v),
      nan_value_counts: pairs(d.nanValueCounts, (v) => v),
      lower_bounds: pairs(d.lowerBounds, (v) => Buffer.from(v)),
      upper_bounds: pairs(d.upperBounds, (v) => Buffer.from(v)),
      key_metadata: null,
      split_offsets: d.splitOffsets ? [...d.splitOffsets] : null,
      equality_ids: null,
      sort_order_id: d.sortOrderId ?? null,
      referenced_data_file: null,
    },
  };
}

type KeyValue<V> = { key: number; value: V }[] | null | undefined;

const toMap = <V, O>(a: KeyValue<V>, f: (v: V) => O) =>
  new Map<number, O>((a ?? []).map(({ key, value }) => [key, f(value)]));
const num = (v: unknown) => Number(v);
const nullableLong = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromAvroEntry(r: Record<string, unknown>, fields: readonly { name: string }[]): ManifestEntry {
  const d = r.data_file as Record<string, unknown>;
  const partitionRecord = (d.partition ?? {}) as Record<string, unknown>;
  const partition: Record<string, PartitionValue> = {};
  for (const f of fields) partition[f.name] = (partitionRecord[f.name] ?? null) as PartitionValue;
  const dataFile: DataFile = {
    content: 0,
    filePath: d.file_path as string,
    fileFormat: String(d.file_format).toUpperCase() as "PARQUET",
    partition,
    recordCount: Number(d.record_count),
    fileSizeInBytes: Number(d.file_size_in_bytes),
    columnSizes: toMap(d.column_sizes as KeyValue<unknown>, num),
    valueCounts: toMap(d.value_counts as KeyValue<unknown>, num),
    nullValueCounts: toMap(d.null_value_counts as KeyValue<unknown>, num),
    nanValueCounts: toMap(d.nan_value_counts as KeyValue<unknown>, num),
    lowerBounds: toMap(d.lower_bounds as KeyValue<Buffer>, (b) => new Uint8Array(b)),
    upperBounds: toMap(d.upper_bounds as KeyValue<Buffer>, (b) => new Uint8Array(b)),
    ...(Array.isArray(d.split_offsets) ? { splitOffsets: (d.split_offsets as unknown[]).map(num) } : {}),
    ...(d.sort_order_id === null || d.sort_order_id === undefined
      ? {}
      : { sortOrderId: Number(d.sort_order_id) }),
  };
  return {
    status: Number(r.status) as ManifestEntryStatus,
    snapshotId: r.snapshot_id === null || r.snapshot_id === undefined ? null : toLong(r.snapshot_id),
    sequenceNumber: nullableLong(r.sequence_number),
    fileSequenceNumber: nullableLong(r.file_sequence_number),
    dataFile,
  };
}
