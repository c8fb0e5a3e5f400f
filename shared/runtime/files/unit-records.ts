import { gunzipSync, zstdDecompressSync } from "node:zlib";
import { csvRecords, splitCsv } from "../../core/files/csv-records.ts";
import { UndecodableFileError } from "../../core/files/errors.ts";
import {
  type FileRecord,
  lineRecords,
  type StreamOf,
  type TextPiece,
} from "../../core/files/file-records.ts";
import type { FileUnit } from "../../core/files/file-units.ts";
import { parquetFooter, parquetRecords } from "../../core/files/parquet-records.ts";
import { StorageError } from "../../storage/object-store.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import type { FilePlan } from "./file-plan.ts";
import { sourceBuffer } from "./source-buffer.ts";

/** A unit's records, or what was read when they cannot be decoded (kept in quarantine). */
export type UnitRead =
  | { readonly kind: "records"; readonly records: FileRecord[] }
  | { readonly kind: "gone" }
  | { readonly kind: "undecodable"; readonly error: UndecodableFileError };

/**
 * Reads one unit of a planned file and splits it into records. Only the unit's bytes are read
 * (a byte range, or a span of row groups' column chunks); compressed files and CSV are whole
 * units, decompressed here. A unit that cannot be decoded at all is `undecodable`, never a
 * thrown error, so the rest of the file and of the run go on.
 */
export async function readUnit(
  source: SourceFiles,
  plan: FilePlan,
  unit: FileUnit,
  stream: StreamOf,
): Promise<UnitRead> {
  const { object } = plan;
  try {
    if (unit.kind === "rows") {
      const { file, gone } = sourceBuffer(source, object);
      try {
        return {
          kind: "records",
          records: await parquetRecords(file, await parquetFooter(file), unit, stream),
        };
      } catch (e) {
        if (gone()) return { kind: "gone" };
        throw e;
      }
    }
    // A Parquet file plans as a whole unit only when it has no rows (empty, or no row groups).
    if (plan.fileFormat === "parquet") return { kind: "records", records: [] };
    const bytes =
      unit.kind === "bytes" ? await source.read(object, unit.start, unit.end) : await source.read(object);
    if (!bytes) return { kind: "gone" };
    const piece: TextPiece =
      unit.kind === "bytes"
        ? { bytes, firstLine: unit.firstLine, atFileStart: unit.start === 0 }
        : { bytes: decompress(bytes, plan), firstLine: 1, atFileStart: true };
    if (plan.fileFormat !== "csv") return { kind: "records", records: lineRecords(piece, stream) };
    const options = plan.csv!;
    const found = splitCsv(piece, options);
    if (!options.header) return { kind: "records", records: csvRecords(found, undefined, stream) };
    const [head, ...rest] = found;
    if (head?.error !== undefined) {
      throw new UndecodableFileError(
        object.uri,
        `the CSV header on line ${head.line} is malformed: ${head.error}`,
      );
    }
    return { kind: "records", records: csvRecords(rest, head?.fields, stream) };
  } catch (e) {
    // Storage failing is no fault of the file: the unit fails and is tried again.
    if (e instanceof StorageError) throw e;
    const error =
      e instanceof UndecodableFileError
        ? e
        : new UndecodableFileError(
            object.uri,
            `cannot decode: ${e instanceof Error ? e.message : String(e)}`,
            {
              cause: e,
            },
          );
    return { kind: "undecodable", error };
  }
}

function decompress(bytes: Uint8Array, plan: FilePlan): Uint8Array {
  switch (plan.compression) {
    case "gzip":
      return gunzipSync(bytes);
    case "zstd":
      return zstdDecompressSync(bytes);
    default:
      return bytes;
  }
}
