/**
 * Hive-compatible partition paths. Values are escaped exactly as Hive's
 * `FileUtils.escapePathName` does, so Hive, Spark, Athena and DuckDB read back the
 * original value, and no value can make a path climb out of its table prefix.
 */

/** What Hive writes for a null or empty partition value. */
export const HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/** Longest escaped segment we accept: file systems cap a path element at 255 bytes. */
export const MAX_SEGMENT_BYTES = 200;

// Hive escapes the control characters 0x01-0x1F, 0x7F and these printable ones.
const HIVE_SPECIAL = new Set(['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "{", "[", "]", "^"]);

function needsEscape(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f || HIVE_SPECIAL.has(ch);
}

/** Escapes one partition value (or column name) the way Hive does. */
export function escapeHivePathName(value: string): string {
  if (value.length === 0) return HIVE_DEFAULT_PARTITION;
  let out = "";
  for (const ch of value) {
    out +=
      ch.length === 1 && needsEscape(ch)
        ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`
        : ch;
  }
  return out;
}

/** Reverses `escapeHivePathName`, as Hive's `unescapePathName` does. */
export function unescapeHivePathName(segment: string): string {
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * Longest partition path (time and value segments) we accept: with the table, the file name
 * and the `published/` prefix, a key stays under S3's 1,024 bytes.
 */
export const MAX_PARTITION_PATH_BYTES = 600;

/** A partition value too long for a path; `column` names its column. */
export class SegmentTooLongError extends RangeError {
  override readonly name = "SegmentTooLongError";
  readonly column: string;
  constructor(column: string, message: string) {
    super(message);
    this.column = column;
  }
}

/**
 * One `name=value` path segment. Throws when the escaped segment is too long, so the
 * caller can quarantine the record instead of writing an unreadable path.
 */
export function hiveSegment(name: string, value: string | null): string {
  const segment = `${escapeHivePathName(name)}=${value === null ? HIVE_DEFAULT_PARTITION : escapeHivePathName(value)}`;
  const bytes = Buffer.byteLength(segment);
  if (bytes > MAX_SEGMENT_BYTES) {
    throw new SegmentTooLongError(
      name,
      `value is longer than ${MAX_SEGMENT_BYTES} bytes once escaped for the path (${bytes} bytes)`,
    );
  }
  return segment;
}
