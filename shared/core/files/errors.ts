import { LakestreamError } from "../errors.ts";

/** Base of the file source's errors; `uri` names the file. */
export class FileSourceError extends LakestreamError {
  override readonly name: string = "FileSourceError";
  readonly uri: string;
  constructor(uri: string, message: string, options?: ErrorOptions) {
    super(`${uri}: ${message}`, options);
    this.uri = uri;
  }
}

/** The file's format is neither configured nor told by its name. */
export class UnknownFileFormatError extends FileSourceError {
  override readonly name: string = "UnknownFileFormatError";
}

/** The file (or a unit of it) cannot be decoded at all: a broken Parquet footer, a corrupt gzip stream. */
export class UndecodableFileError extends FileSourceError {
  override readonly name: string = "UndecodableFileError";
}

/** A Parquet column cannot become the pipeline column of the same name; `column` names it. */
export class SchemaMappingError extends FileSourceError {
  override readonly name: string = "SchemaMappingError";
  readonly column: string;
  constructor(uri: string, column: string, message: string) {
    super(uri, `column "${column}": ${message}`);
    this.column = column;
  }
}

/** A unit kept failing transiently (storage throttling, timeouts): retry the unit later. */
export class FileUnitRetryError extends FileSourceError {
  override readonly name: string = "FileUnitRetryError";
}
