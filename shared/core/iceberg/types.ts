/**
 * Apache Iceberg v2 table metadata, as the spec serializes it (format/spec.md, Appendix C).
 * Snapshot ids are bigint everywhere: Java engines write ids above 2^53.
 */

export type IcebergPrimitive =
  | "boolean"
  | "int"
  | "long"
  | "float"
  | "double"
  | "date"
  | "time"
  | "timestamp"
  | "timestamptz"
  | "string"
  | "uuid"
  | "binary"
  | `decimal(${number},${number})`
  | `decimal(${number}, ${number})`
  | `fixed[${number}]`;

export interface IcebergField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
}

export interface IcebergStruct {
  readonly type: "struct";
  readonly fields: readonly IcebergField[];
}

export interface IcebergList {
  readonly type: "list";
  readonly "element-id": number;
  readonly "element-required": boolean;
  readonly element: IcebergType;
}

export interface IcebergMap {
  readonly type: "map";
  readonly "key-id": number;
  readonly key: IcebergType;
  readonly "value-id": number;
  readonly "value-required": boolean;
  readonly value: IcebergType;
}

export type IcebergType = IcebergPrimitive | IcebergStruct | IcebergList | IcebergMap;

export interface IcebergSchema extends IcebergStruct {
  readonly "schema-id": number;
  readonly "identifier-field-ids"?: readonly number[];
}

export interface PartitionField {
  readonly "source-id": number;
  readonly "field-id": number;
  readonly name: string;
  readonly transform: string;
}

export interface PartitionSpec {
  readonly "spec-id": number;
  readonly fields: readonly PartitionField[];
}

export interface SortOrder {
  readonly "order-id": number;
  readonly fields: readonly unknown[];
}

export interface Snapshot {
  readonly "snapshot-id": bigint;
  readonly "parent-snapshot-id"?: bigint;
  readonly "sequence-number": number;
  readonly "timestamp-ms": number;
  readonly "manifest-list": string;
  readonly summary: Readonly<Record<string, string>> & { readonly operation: SnapshotOperation };
  readonly "schema-id"?: number;
}

export type SnapshotOperation = "append" | "replace" | "overwrite" | "delete";

export interface SnapshotRef {
  readonly "snapshot-id": bigint;
  readonly type: "branch" | "tag";
  readonly "max-ref-age-ms"?: number;
  readonly "max-snapshot-age-ms"?: number;
  readonly "min-snapshots-to-keep"?: number;
}

export interface TableMetadata {
  readonly "format-version": 2;
  readonly "table-uuid": string;
  readonly location: string;
  readonly "last-sequence-number": number;
  readonly "last-updated-ms": number;
  readonly "last-column-id": number;
  readonly schemas: readonly IcebergSchema[];
  readonly "current-schema-id": number;
  readonly "partition-specs": readonly PartitionSpec[];
  readonly "default-spec-id": number;
  readonly "last-partition-id": number;
  readonly properties?: Readonly<Record<string, string>>;
  readonly "current-snapshot-id"?: bigint;
  readonly snapshots?: readonly Snapshot[];
  readonly "snapshot-log"?: readonly { readonly "timestamp-ms": number; readonly "snapshot-id": bigint }[];
  readonly "metadata-log"?: readonly { readonly "timestamp-ms": number; readonly "metadata-file": string }[];
  readonly "sort-orders": readonly SortOrder[];
  readonly "default-sort-order-id": number;
  readonly refs?: Readonly<Record<string, SnapshotRef>>;
  readonly statistics?: readonly unknown[];
  readonly "partition-statistics"?: readonly unknown[];
}

/** A data file as a manifest lists it (content 0: data). */
export interface DataFile {
  readonly content: 0;
  readonly filePath: string;
  readonly fileFormat: "PARQUET";
  /** Partition tuple by partition field name, in the spec's order; values in Iceberg's form. */
  readonly partition: Readonly<Record<string, PartitionValue>>;
  readonly recordCount: number;
  readonly fileSizeInBytes: number;
  readonly columnSizes?: ReadonlyMap<number, number>;
  readonly valueCounts: ReadonlyMap<number, number>;
  readonly nullValueCounts: ReadonlyMap<number, number>;
  readonly nanValueCounts?: ReadonlyMap<number, number>;
  readonly lowerBounds: ReadonlyMap<number, Uint8Array>;
  readonly upperBounds: ReadonlyMap<number, Uint8Array>;
  readonly splitOffsets?: readonly number[];
  readonly sortOrderId?: number;
}

/** int for hour/month/year and int-typed identities, long as bigint, string, boolean, or null. */
export type PartitionValue = number | bigint | string | boolean | null;

export const ManifestEntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export type ManifestEntryStatus = (typeof ManifestEntryStatus)[keyof typeof ManifestEntryStatus];

export interface ManifestEntry {
  readonly status: ManifestEntryStatus;
  /** Null on ADDED entries: inherited from the manifest list at read time. */
  readonly snapshotId: bigint | null;
  readonly sequenceNumber: number | null;
  readonly fileSequenceNumber: number | null;
  readonly dataFile: DataFile;
}

export interface FieldSummary {
  readonly containsNull: boolean;
  readonly containsNan?: boolean | null;
  readonly lowerBound?: Uint8Array | null;
  readonly upperBound?: Uint8Array | null;
}

/** One entry of a manifest list. */
export interface ManifestFile {
  readonly manifestPath: string;
  readonly manifestLength: number;
  readonly partitionSpecId: number;
  readonly content: 0 | 1;
  readonly sequenceNumber: number;
  readonly minSequenceNumber: number;
  readonly addedSnapshotId: bigint;
  readonly addedFilesCount: number;
  readonly existingFilesCount: number;
  readonly deletedFilesCount: number;
  readonly addedRowsCount: number;
  readonly existingRowsCount: number;
  readonly deletedRowsCount: number;
  readonly partitions?: readonly FieldSummary[];
}
