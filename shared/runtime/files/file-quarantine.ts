import { fileQuarantineFolder } from "../../core/files/file-keys.ts";
import { FILE_PARTITION } from "../../core/files/file-source.ts";
import { type FileUnit, unitName } from "../../core/files/file-units.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import type { FilePlan } from "./file-plan.ts";

/** Why a file (or a unit of it) went to quarantine whole. */
export interface FileRejection {
  readonly name: string;
  readonly message: string;
  readonly column?: string;
}

/**
 * Puts a file that cannot be read into quarantine whole: one JSON line in the shape of a record's
 * quarantine line (coordinates, the error with the column when one is to blame, the file's URI,
 * version and unit) and a copy of the file's bytes beside it, so the data survives even when the
 * source is cleaned up. Written once (`ifAbsent`); returns the key of the line, or undefined when
 * the file is gone.
 */
export async function quarantineFile(
  store: ObjectStore,
  source: SourceFiles,
  pipeline: Pipeline,
  plan: FilePlan,
  unit: FileUnit | undefined,
  why: FileRejection,
): Promise<string | undefined> {
  const folder = fileQuarantineFolder(pipeline.quarantine.prefix, pipeline.sink.table, plan.topic);
  const { object } = plan;
  const name = decodeURIComponent(object.uri.slice(object.uri.lastIndexOf("/") + 1)).replace(
    /[^A-Za-z0-9._-]+/g,
    "_",
  );
  const copy = `${folder}bytes/${name.replace(/^[._]+/, "") || "file"}`;
  const bytes = await source.read(object);
  if (!bytes) return undefined;
  await store.put(copy, bytes, { ifAbsent: true, contentType: "application/octet-stream" });
  const first = unit?.kind === "bytes" ? unit.firstLine : unit?.kind === "rows" ? unit.rowStart : 0;
  const line = {
    topic: plan.topic,
    partition: FILE_PARTITION,
    offset: first,
    timestamp: object.lastModified,
    timestampType: "LOG_APPEND_TIME",
    key: null,
    value: null,
    headers: [],
    error: { name: why.name, message: why.message, ...(why.column ? { field: why.column } : {}) },
    file: {
      uri: object.uri,
      version: object.version,
      size: object.size,
      unit: unit ? unitName(unit) : "file",
      bytes: copy,
    },
  };
  const key = `${folder}${unit ? unitName(unit) : "file"}.jsonl`;
  await store.put(key, new TextEncoder().encode(`${JSON.stringify(line)}\n`), {
    ifAbsent: true,
    contentType: "application/x-ndjson",
  });
  return key;
}
