import { FILE_FORMATS, type FileFormat } from "../../core/files/file-source.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { DEFAULT_UNIT_BYTES, type FileReadSettings } from "../../runtime/files/file-plan.ts";
import { createS3Client } from "../../runtime/s3-client.ts";
import { FsSourceFiles } from "../../storage/fs-source-files.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { checkS3Endpoint, openStore } from "../../storage/open-store.ts";
import { S3SourceFiles } from "../../storage/s3-source-files.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import { asUsage, UsageError } from "../cli/errors.ts";
import { intOption, lakeLocation, type OptionSpecs } from "../cli/options.ts";

/** How files are read: shared by `run --files` and `backfill --from`. */
export const FILE_READ_OPTIONS = {
  format: {
    type: "string",
    value: "FMT",
    help: "file format: jsonl, csv, text or parquet (each optionally gzip or zstd compressed)",
    fallback: "the pipeline's source.files.format, else each file's extension",
  },
  "csv-delimiter": { type: "string", value: "C", help: "CSV field delimiter", fallback: ", (tab for .tsv)" },
  "csv-quote": { type: "string", value: "C", help: "CSV quote character", fallback: '"' },
  "csv-escape": {
    type: "string",
    value: "C",
    help: "CSV escape character",
    fallback: "the quote (doubled quotes)",
  },
  "csv-no-header": { type: "boolean", help: "CSV files have no header row (columns are _c0, _c1, …)" },
  "unit-mib": {
    type: "string",
    value: "N",
    help: "cut uncompressed line files and Parquet files larger than this into units of about N MiB",
    fallback: String(DEFAULT_UNIT_BYTES / 1024 / 1024),
  },
} as const satisfies OptionSpecs;

export interface FileReadValues {
  format?: string;
  "csv-delimiter"?: string;
  "csv-quote"?: string;
  "csv-escape"?: string;
  "csv-no-header"?: boolean;
  "unit-mib"?: string;
}

/** The read settings of a run: flags over the pipeline's `source.files`. */
export function fileReadSettings(values: FileReadValues, pipeline: Pipeline): FileReadSettings {
  const format = values.format ?? pipeline.source.files?.format;
  if (format !== undefined && !(FILE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FILE_FORMATS.join(", ")}, got "${format}"`);
  }
  const char = (flag: string, v: string | undefined) => {
    if (v !== undefined && [...v].length !== 1)
      throw new UsageError(`--${flag} must be one character, got "${v}"`);
    return v;
  };
  const given = pipeline.source.files?.csv ?? {};
  const csv = {
    ...given,
    ...(values["csv-no-header"] ? { header: false } : {}),
    ...pick("delimiter", char("csv-delimiter", values["csv-delimiter"])),
    ...pick("quote", char("csv-quote", values["csv-quote"])),
    ...pick("escape", char("csv-escape", values["csv-escape"])),
  };
  return {
    ...(format ? { format: format as FileFormat } : {}),
    csv,
    unitBytes: intOption("unit-mib", values["unit-mib"], DEFAULT_UNIT_BYTES / 1024 / 1024) * 1024 * 1024,
  };
}

function pick<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}

/**
 * A folder (or file) path, or `s3://bucket/prefix` (on `endpoint`, an S3-compatible server, when
 * given). The folder must exist: a typo fails at start, not after an idle wait.
 */
export async function openSourceFiles(spec: string, flag: string, endpoint?: string): Promise<SourceFiles> {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(spec);
  if (m) {
    if (endpoint !== undefined) checkS3Endpoint(endpoint, "--s3-endpoint");
    const client = createS3Client(endpoint === undefined ? {} : { endpoint });
    return new S3SourceFiles({ client, bucket: m[1]!, prefix: m[2]! });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new UsageError(`${flag} takes a folder or s3://bucket/prefix, got "${spec}"`);
  }
  const { stat } = await import("node:fs/promises");
  const found = await stat(spec).catch(() => undefined);
  if (!found) throw new UsageError(`${flag}: no such folder or file: ${spec}`);
  return new FsSourceFiles(spec);
}

/** The flags that place the lake, beside a file source's path. */
interface LakeValues {
  lake?: string;
  bucket?: string;
  "s3-endpoint"?: string;
}

/**
 * The lake a run writes and the files it reads (`spec`, given with `flag`). `--s3-endpoint`
 * serves an s3:// source even when the lake is a folder, so it places the lake only when the
 * lake is a bucket too.
 */
export async function openLakeAndSource(
  values: LakeValues,
  spec: string,
  flag: string,
): Promise<{ store: ObjectStore; source: SourceFiles }> {
  const fromS3 = /^s3a?:\/\//.test(spec);
  const lake = fromS3 && values.bucket === undefined ? { ...values, "s3-endpoint": undefined } : values;
  const store = await asUsage(() => openStore(lakeLocation(lake)));
  const source = await asUsage(() => openSourceFiles(spec, flag, values["s3-endpoint"]));
  return { store, source };
}
