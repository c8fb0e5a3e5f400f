import type { SourceObject } from "../core/files/file-source.ts";

/**
 * Where the file source reads from: a folder on this machine or an S3 prefix. Read-only, and
 * separate from the lake's ObjectStore: the source is someone else's data (a Spark job's output
 * folder, a landing bucket), which lakestream never writes.
 */
export interface SourceFiles {
  /** `file:///…/` or `s3://bucket/prefix/`, for logs and summaries. */
  readonly root: string;
  /** Every object version under the root now, hidden paths (`_SUCCESS`, `.crc`, …) left out, in path order. */
  list(): Promise<SourceObject[]>;
  /** The object as it is now, or undefined when it is gone. */
  describe(path: string): Promise<SourceObject | undefined>;
  /**
   * Bytes `[start, end)` of exactly this version (whole when no range), or undefined when the
   * version is gone (deleted, or replaced by another version): its own event handles that one.
   */
  read(object: SourceObject, start?: number, end?: number): Promise<Uint8Array | undefined>;
  /** The version's bytes in order, in chunks, for planning a file larger than memory. */
  chunks(object: SourceObject): AsyncIterable<Uint8Array>;
}

/** The version is no longer there (deleted or replaced while being read). */
export class SourceObjectGoneError extends Error {
  override readonly name = "SourceObjectGoneError";
  readonly uri: string;
  constructor(uri: string, message: string, options?: ErrorOptions) {
    super(`${uri}: ${message}`, options);
    this.uri = uri;
  }
}

// RFC 3986 path characters; everything else (space, %, #, ?, non-ASCII) is percent-encoded.
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/**
 * A key or relative path percent-encoded for a URI, as Hadoop's `Path.toUri()` and Spark's
 * `input_file_name()` show it: Hive folders (`dt=2026-11-23`) stay readable, and `#` can only
 * be the separator of the version in a file record's `_topic`.
 */
export function encodeUriPath(path: string): string {
  let out = "";
  for (const ch of path) {
    if (PATH_CHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
