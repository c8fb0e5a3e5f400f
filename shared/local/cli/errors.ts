import { ConfigError, LakestreamError } from "../../core/errors.ts";

/** A wrong command line: printed as one line, exit code 2. */
export class UsageError extends LakestreamError {
  override readonly name = "UsageError";
}

/**
 * A setting that came from a flag and is wrong is a usage error (exit 2), named as the library
 * names it. Takes sync or async work, so pipeline loading and flag parsing read alike.
 */
export async function asUsage<T>(make: () => T | Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
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
