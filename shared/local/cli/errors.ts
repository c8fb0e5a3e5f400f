import { LakestreamError } from "../../core/errors.ts";

/** A wrong command line: printed as one line, exit code 2. */
export class UsageError extends LakestreamError {
  override readonly name = "UsageError";
}

/** Prints an error the way a user wants it: one line naming what is wrong, no stack for known errors. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`lakestream: ${e.message}\n`);
    return 2;
  }
  if (e instanceof LakestreamError) {
    process.stderr.write(`lakestream: ${e.name}: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(
    `lakestream: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return 1;
}
