import type { TableRequirement, TableUpdate } from "../core/iceberg/table-updates.ts";
import type { IcebergSchema, PartitionSpec, TableMetadata } from "../core/iceberg/types.ts";

/** A table in a catalog: one namespace level (a Glue database) and a name. */
export interface TableIdentifier {
  readonly namespace: string;
  readonly name: string;
}

/** A table's current metadata and the file it was read from. */
export interface LoadedTable {
  readonly metadata: TableMetadata;
  readonly metadataLocation: string;
}

export interface CreateTableRequest {
  /** Absolute location (s3://… or file://…) of the table's folder; omitted: the catalog's choice. */
  readonly location?: string;
  /** Field ids are proposals: a REST catalog may assign its own; use the returned metadata's. */
  readonly schema: IcebergSchema;
  readonly spec: PartitionSpec;
  readonly properties: Readonly<Record<string, string>>;
}

/**
 * Where Iceberg tables are registered and committed. Two implementations share one contract
 * (test/integration/catalog-contract.ts): the REST catalog protocol (Glue's Iceberg endpoint or
 * S3 Tables in AWS, Apache Iceberg's REST server in tests) and the storage catalog (metadata
 * files in the lake, for laptops). A commit either applies every update or none, and fails
 * with CommitConflictError when its requirements no longer hold, so two writers never both win.
 */
export interface TableCatalog {
  /** `rest` or `storage`: shown in logs and reports. */
  readonly kind: string;
  /**
   * The catalog decides where a table lives (S3 Tables): a create names no location, and the
   * table's files go where its metadata says, outside the lake.
   */
  readonly assignsLocations?: boolean;
  ensureNamespace(namespace: string): Promise<void>;
  /** The table, or undefined when it does not exist. */
  loadTable(id: TableIdentifier): Promise<LoadedTable | undefined>;
  /** Creates the table; TableAlreadyExistsError when another writer created it first. */
  createTable(id: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable>;
  /** Applies the updates if every requirement holds on the catalog's current version. */
  commitTable(
    id: TableIdentifier,
    base: LoadedTable,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable>;
}

export function tableName(id: TableIdentifier): string {
  return `${id.namespace}.${id.name}`;
}
