import { parquetSchema } from "hyparquet";
import { SchemaMappingError, UndecodableFileError, UnknownFileFormatError } from "../../core/files/errors.ts";
import {
  type Compression,
  type CsvOptions,
  compressionOf,
  csvOptionsFor,
  type FileFormat,
  formatOfName,
  type SourceObject,
} from "../../core/files/file-source.ts";
import { type FileUnit, LineRangePlanner } from "../../core/files/file-units.ts";
import { firstColumnMismatch } from "../../core/files/parquet-mapping.ts";
import { parquetFooter, rowGroupSpans } from "../../core/files/parquet-records.ts";
import type { TableSchema } from "../../core/schema.ts";
import { StorageError } from "../../storage/object-store.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import { sourceBuffer } from "./source-buffer.ts";

/** How a run reads files: what the pipeline's `source.files` and the command line say. */
export interface FileReadSettings {
  /** Every file is in this format; omitted: each file's name tells. */
  readonly format?: FileFormat;
  readonly csv?: Partial<CsvOptions>;
  /** About how many bytes one unit reads (a line range, or row groups). */
  readonly unitBytes: number;
}

export const DEFAULT_UNIT_BYTES = 32 * 1024 * 1024;

/** How one object version is read: written once per version, so every unit and rerun agrees. */
export interface FilePlan {
  readonly format: "lakestream-file-plan/1";
  readonly object: SourceObject;
  readonly topic: string;
  readonly fileFormat?: FileFormat;
  readonly compression: Compression;
  readonly csv?: CsvOptions;
  readonly units: readonly FileUnit[];
  /** Why the whole file goes to quarantine, when it cannot be read at all. */
  readonly rejected?: { readonly name: string; readonly message: string; readonly column?: string };
}

/**
 * Decides how to read an object version: its format (configured, else by name), compression
 * (by magic bytes), and its units. A file that cannot be read at all (unknown format, not
 * Parquet, a column that cannot be mapped) gets `rejected` instead of units. Undefined when the
 * version is gone.
 */
export async function planFile(
  source: SourceFiles,
  object: SourceObject,
  topic: string,
  schema: TableSchema,
  settings: FileReadSettings,
): Promise<FilePlan | undefined> {
  const base = { format: "lakestream-file-plan/1", object, topic } as const;
  const fileFormat = settings.format ?? formatOfName(object.path || object.uri);
  const reject = (e: Error & { column?: string }): FilePlan => ({
    ...base,
    compression: "none",
    units: [],
    rejected: { name: e.name, message: e.message, ...(e.column ? { column: e.column } : {}) },
    ...(fileFormat ? { fileFormat } : {}),
  });
  if (!fileFormat) {
    return reject(
      new UnknownFileFormatError(
        object.uri,
        "the format is not configured and the name does not tell it (--format)",
      ),
    );
  }
  if (object.size === 0) return { ...base, fileFormat, compression: "none", units: [{ kind: "whole" }] };
  if (fileFormat === "parquet") return planParquet(source, object, schema, settings, base, reject);
  const head = await source.read(object, 0, Math.min(4, object.size));
  if (!head) return undefined;
  const compression = compressionOf(head);
  const csv = fileFormat === "csv" ? { csv: csvOptionsFor(object.path, settings.csv) } : {};
  const plan = { ...base, fileFormat, compression, ...csv };
  if (compression !== "none" || fileFormat === "csv" || object.size <= settings.unitBytes) {
    return { ...plan, units: [{ kind: "whole" }] };
  }
  const planner = new LineRangePlanner(settings.unitBytes);
  let seen = 0;
  for await (const chunk of source.chunks(object)) {
    planner.push(chunk);
    seen += chunk.length;
  }
  if (seen !== object.size) return undefined;
  return { ...plan, units: planner.finish() };
}

async function planParquet(
  source: SourceFiles,
  object: SourceObject,
  schema: TableSchema,
  settings: FileReadSettings,
  base: Pick<FilePlan, "format" | "object" | "topic">,
  reject: (e: Error & { column?: string }) => FilePlan,
): Promise<FilePlan | undefined> {
  const { file, gone } = sourceBuffer(source, object);
  try {
    const metadata = await parquetFooter(file);
    const mismatch = firstColumnMismatch(parquetSchema(metadata), schema);
    if (mismatch) {
      const message = `${mismatch.found} cannot be read as the pipeline's ${mismatch.expected}`;
      return reject(new SchemaMappingError(object.uri, mismatch.column, message));
    }
    const units = rowGroupSpans(metadata, settings.unitBytes).map((s) => ({ kind: "rows" as const, ...s }));
    // A file without rows still gets a unit, so its done marker says it was read.
    return {
      ...base,
      fileFormat: "parquet",
      compression: "none",
      units: units.length > 0 ? units : [{ kind: "whole" }],
    };
  } catch (e) {
    if (gone()) return undefined;
    if (e instanceof StorageError) throw e;
    return reject(
      new UndecodableFileError(object.uri, `cannot read the Parquet footer: ${(e as Error).message}`),
    );
  }
}
