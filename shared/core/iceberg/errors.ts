import { LakestreamError } from "../errors.ts";

/** Base of errors about Iceberg tables, metadata and catalogs. */
export class IcebergError extends LakestreamError {
  override readonly name: string = "IcebergError";
}

/**
 * The pipeline's schema cannot evolve the table's schema without rewriting or misreading data
 * (a narrowed type, a new required column, another decimal scale). `column` names the path.
 */
export class SchemaEvolutionError extends IcebergError {
  override readonly name = "SchemaEvolutionError";
  readonly table: string;
  readonly column: string;
  constructor(table: string, column: string, message: string) {
    super(`table ${table}, column ${column}: ${message}`);
    this.table = table;
    this.column = column;
  }
}

/** Table metadata, a manifest or a manifest list does not have the shape the spec gives. */
export class IcebergMetadataError extends IcebergError {
  override readonly name = "IcebergMetadataError";
  readonly location: string;
  constructor(location: string, message: string, options?: ErrorOptions) {
    super(`${location}: ${message}`, options);
    this.location = location;
  }
}
