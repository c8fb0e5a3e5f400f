import { ConfigError, LakestreamError } from "../../core/errors.ts";
import { StorageError } from "../../storage/object-store.ts";

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
  if (e instanceof LakestreamError || isServiceError(e)) {
    process.stderr.write(`lakestream: ${(e as Error).name}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(
    `lakestream: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return 1;
}

/**
 * Errors of the services a command talks to: storage (StorageError, the AWS SDK's service errors)
 * and Kafka (kafkajs). They say what is wrong with the setup, not with lakestream, so they get
 * one line; anything else is a bug and keeps its stack.
 */
function isServiceError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e instanceof StorageError || e.name.startsWith("KafkaJS") || "$metadata" in e;
}
