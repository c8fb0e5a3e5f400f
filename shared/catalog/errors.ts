import { LakestreamError } from "../core/errors.ts";

/** Base of catalog errors; `transient` ones may succeed when retried as they are. */
export class CatalogError extends LakestreamError {
  override readonly name: string = "CatalogError";
  readonly transient: boolean;
  constructor(message: string, transient: boolean, options?: ErrorOptions) {
    super(message, options);
    this.transient = transient;
  }
}

/**
 * The table moved on since it was loaded (HTTP 409 from a REST catalog, or the next metadata
 * version already exists in the storage catalog): reload, rebase the change, try again.
 */
export class CommitConflictError extends CatalogError {
  override readonly name = "CommitConflictError";
  constructor(table: string, reason: string, options?: ErrorOptions) {
    super(`${table}: commit conflict: ${reason}`, true, options);
  }
}

/**
 * The catalog failed after the commit was sent (5xx, connection lost): it may or may not have
 * applied it. The caller must reload and look for its snapshot before trying again.
 */
export class CommitStateUnknownError extends CatalogError {
  override readonly name = "CommitStateUnknownError";
  constructor(table: string, reason: string, options?: ErrorOptions) {
    super(`${table}: commit state unknown: ${reason}`, true, options);
  }
}

export class NoSuchTableError extends CatalogError {
  override readonly name = "NoSuchTableError";
  constructor(table: string) {
    super(`${table}: no such table`, false);
  }
}

export class TableAlreadyExistsError extends CatalogError {
  override readonly name = "TableAlreadyExistsError";
  constructor(table: string) {
    super(`${table}: table already exists`, false);
  }
}

/** The catalog answered with an error that is not one of the above (4xx: request or rights). */
export class CatalogRequestError extends CatalogError {
  override readonly name = "CatalogRequestError";
  readonly status: number;
  constructor(what: string, status: number, detail: string, transient: boolean) {
    super(`${what}: HTTP ${status}: ${detail}`, transient);
    this.status = status;
  }
}
