/**
 * The one storage abstraction of lakestream. The filesystem store (embedded default, `./lake`)
 * and the S3 store implement it, and one contract test suite runs against both, so the
 * laptop and AWS behave alike.
 */

export interface PutOptions {
  /**
   * Write only if no object has this key (S3 `If-None-Match: *`, exclusive create on disk).
   * This is what makes replays write nothing new.
   */
  readonly ifAbsent?: boolean;
  readonly contentType?: string;
}

export interface PutResult {
  /** False when `ifAbsent` was set and the key already existed; nothing was written then. */
  readonly written: boolean;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Last write, epoch millis: maintenance leaves files younger than its safety age alone. */
  readonly lastModified: number;
}

export interface ObjectStore {
  /** A human-readable location, e.g. `file:///…/lake` or `s3://bucket`, for logs and summaries. */
  readonly url: string;
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every object whose key starts with `prefix`, in lexicographic key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Base of storage errors. `transient` tells the handler to retry the batch rather than quarantine. */
export class StorageError extends Error {
  override readonly name: string = "StorageError";
  readonly key: string;
  readonly transient: boolean;
  constructor(key: string, message: string, transient: boolean, options?: ErrorOptions) {
    super(`${key}: ${message}`, options);
    this.key = key;
    this.transient = transient;
  }
}

/** Keys are relative, '/'-separated, and may not climb out of the store. */
export function assertSafeKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith("/") ||
    key.split("/").some((s) => s === ".." || s === ".")
  ) {
    throw new StorageError(key, "unsafe object key", false);
  }
}
