import type { RawRecord } from "../kafka-decode.ts";
import { FILE_PARTITION, type FileFormat } from "./file-source.ts";

/**
 * A record of a file as the ingest core takes it: a RawRecord whose coordinates are the object
 * version (`topic`), partition 0 and the line or row (`offset`); `value` holds the record's
 * original bytes (what quarantine keeps). CSV and Parquet records are decoded while the file is
 * split, so they carry the result here; JSON lines and text lines are decoded by the record
 * processor like Kafka values.
 */
export interface FileRecord extends RawRecord {
  readonly format: FileFormat;
  readonly decoded?: { readonly value: unknown } | { readonly error: string };
  /** Hive partition values of the file's folders, added to object values that lack them. */
  readonly pathValues?: Readonly<Record<string, unknown>>;
}

/** Where the records of a piece of a file come from. */
export interface StreamOf {
  readonly topic: string;
  readonly format: FileFormat;
  readonly pathValues?: Readonly<Record<string, unknown>>;
  /** The object's last-modified time: every record's `timestamp` (`_ts`). */
  readonly timestamp: number;
}

/** A piece of a file's decoded (decompressed) bytes that starts at the beginning of a line. */
export interface TextPiece {
  readonly bytes: Uint8Array;
  /** Line number of the piece's first byte (lines count from 1). */
  readonly firstLine: number;
  /** The piece starts the file: a UTF-8 byte order mark there is not data. */
  readonly atFileStart: boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Bytes to skip at the start of a piece: a UTF-8 BOM at the start of the file. */
export function bomLength(piece: TextPiece): number {
  const b = piece.bytes;
  return piece.atFileStart && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

/**
 * Calls `line` for every line of the piece, without its LF or CRLF, with its number. A last line
 * without a line end is a line; a line end at the very end makes no empty line after it, as
 * Hadoop's LineRecordReader reads text.
 */
export function forEachLine(piece: TextPiece, line: (bytes: Uint8Array, lineNumber: number) => void): void {
  const b = piece.bytes;
  let start = bomLength(piece);
  let n = piece.firstLine;
  while (start < b.length) {
    let end = b.indexOf(NEWLINE, start);
    const next = end < 0 ? b.length : end + 1;
    if (end < 0) end = b.length;
    line(b.subarray(start, end > start && b[end - 1] === CR ? end - 1 : end), n++);
    start = next;
  }
}

/**
 * The records of a JSON-lines or text piece. Blank JSON lines are not records (Spark skips them
 * too); in text every line is one, empty ones included, as `textFile` reads them.
 */
export function lineRecords(piece: TextPiece, stream: StreamOf): FileRecord[] {
  const out: FileRecord[] = [];
  forEachLine(piece, (bytes, n) => {
    if (stream.format === "jsonl" && isBlank(bytes)) return;
    out.push(fileRecord(stream, n, bytes));
  });
  return out;
}

/** A file record at `offset` with the given original bytes and, for CSV and Parquet, its decoded value. */
export function fileRecord(
  stream: StreamOf,
  offset: number,
  bytes: Uint8Array,
  decoded?: FileRecord["decoded"],
): FileRecord {
  return {
    topic: stream.topic,
    partition: FILE_PARTITION,
    offset,
    timestamp: stream.timestamp,
    timestampType: "LOG_APPEND_TIME",
    key: null,
    value: bytes,
    headers: [],
    format: stream.format,
    ...(decoded ? { decoded } : {}),
    ...(stream.pathValues ? { pathValues: stream.pathValues } : {}),
  };
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}

/** How much of a file one ingest batch takes: the ingest core's batch, like a Lambda Kafka batch. */
export interface BatchLimits {
  readonly maxBytes: number;
  readonly maxRecords: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 8 * 1024 * 1024, maxRecords: 20_000 };

/**
 * Cuts records into consecutive batches, between records only. The cut depends on the records
 * alone, so a retried piece is cut the same way and its batches find their commit records.
 */
export function cutBatches(records: readonly FileRecord[], limits: BatchLimits): FileRecord[][] {
  const out: FileRecord[][] = [];
  let current: FileRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = (r.value?.length ?? 0) + 64;
    if (current.length > 0 && (bytes + size > limits.maxBytes || current.length >= limits.maxRecords)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
