import { LakestreamError } from "../errors.ts";

/**
 * Errors of the later stages. Their `name` is what Step Functions matches in Retry and Catch
 * (the Lambda error type), so each kind of failure is a class of its own.
 */

/** A stage got a payload it cannot use; retrying the same payload cannot help. */
export class StageInputError extends LakestreamError {
  override readonly name = "StageInputError";
  readonly stage: string;
  readonly path: string;
  constructor(stage: string, path: string, message: string) {
    super(`${stage}: ${path}: ${message}`);
    this.stage = stage;
    this.path = path;
  }
}

/** The run's plan document is missing or names another pipeline: the run must start again from Plan. */
export class PlanMissingError extends LakestreamError {
  override readonly name = "PlanMissingError";
}

/** A raw or published file could not be read as what the manifest or commit says it is. */
export class CorruptFileError extends LakestreamError {
  override readonly name = "CorruptFileError";
  readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super(`${key}: ${message}`, options);
    this.key = key;
  }
}

/** The reason a late record carries into quarantine; never thrown, only recorded. */
export class LateRecordError extends LakestreamError {
  override readonly name = "LateRecordError";
}
