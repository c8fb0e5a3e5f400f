import { StorageError } from "./object-store.ts";

/**
 * Errors that may pass on their own: descriptor exhaustion, a busy or interrupted call, a
 * full disk or quota, an I/O hiccup. They fail the batch so it is retried, instead of sending
 * good records to quarantine for a fault of the machine.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "EMFILE",
  "ENFILE",
  "EAGAIN",
  "EBUSY",
  "EINTR",
  "ETIMEDOUT",
  "ENOSPC",
  "EDQUOT",
  "EIO",
]);

/** Wraps a file system error as a StorageError that says whether retrying can help. */
export function fsError(key: string, operation: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const transient = code !== undefined && TRANSIENT_CODES.has(code);
  return new StorageError(key, `${operation} failed (${code ?? "unknown error"})`, transient, {
    cause: error,
  });
}

/** The errno code of a file system error, if it has one. */
export function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
