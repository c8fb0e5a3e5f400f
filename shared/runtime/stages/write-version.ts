import pLimit from "p-limit";
import { encodeDataFile } from "../../core/iceberg/data-file.ts";
import { dataFileName, ownerTag } from "../../core/iceberg/lakestream-tables.ts";
import { partitionPath, sourcePath, transformValue } from "../../core/iceberg/partition.ts";
import { fieldAtPath } from "../../core/iceberg/schema.ts";
import type { DataFile, PartitionValue } from "../../core/iceberg/types.ts";
import type { TableSchema } from "../../core/schema.ts";
import { splitEvenly } from "../../core/stages/manifest.ts";
import type { IcebergTableRef, PlanDocument } from "../../core/stages/plan.ts";
import {
  type StagedVersion,
  serializeStagedVersion,
  stagedVersionKey,
} from "../../core/stages/staged-version.ts";
import { filesOf } from "./iceberg-tables.ts";
import type { StageDeps } from "./stage-deps.ts";

export interface VersionRequest extends Omit<StagedVersion, "format" | "tag" | "files" | "rows" | "bytes"> {
  /** The columns written (the table's, in lakestream's terms). */
  readonly schema: TableSchema;
  /** Rows in storage form, already in their published order. */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** How many files a single-partition version is cut into (size / target). */
  readonly fileCount: number;
}

const encoder = new TextEncoder();

/**
 * Writes a version of one owner of an Iceberg table: its rows grouped by the table's partition
 * tuple, each group cut into files named by owner, input digest and content (so a rerun on the
 * same input writes the very same keys, `ifAbsent`), then the staged document publish commits
 * from. Nothing here is visible to readers: only publish's snapshot makes it so.
 */
export async function writeVersion(
  deps: StageDeps,
  plan: PlanDocument,
  req: VersionRequest,
): Promise<StagedVersion> {
  const ref = pinnedTable(plan, req.table);
  const tag = ownerTag(req.table, req.owner);
  const groups = groupByPartition(ref, req.rows);
  const chunks = versionChunks(groups, req.fileCount);
  const names = Object.keys(req.schema);
  const limit = pLimit(deps.concurrency ?? 8);
  const files: DataFile[] = await Promise.all(
    chunks.map((chunk, index) =>
      limit(async () => {
        const columns: Record<string, unknown[]> = {};
        for (const name of names) columns[name] = chunk.rows.map((r) => r[name] ?? null);
        // The file's bytes decide its name, so encode against a placeholder and name it after.
        const encoded = encodeDataFile({
          location: "",
          schema: req.schema,
          columns,
          rowCount: chunk.rows.length,
          table: ref.schema,
          partition: chunk.partition,
          compression: deps.pipeline.sink.compression,
          metadata: { "lakestream.table": req.table },
        });
        return putDataFile(
          deps,
          ref,
          chunk.path,
          dataFileName(tag, req.digest, index, encoded.bytes),
          encoded,
        );
      }),
    ),
  );
  return stageVersion(deps, plan, req, tag, req.rows.length, files);
}

/** The Iceberg table the run's plan pinned, which every version of the run is written against. */
export function pinnedTable(plan: PlanDocument, table: string): IcebergTableRef {
  const ref = plan.iceberg?.[table];
  if (!ref) throw new Error(`the plan of run ${plan.runId} pins no Iceberg table ${table}`);
  return ref;
}

/**
 * Puts one encoded data file under the table's partition folder, by the name its content chose:
 * `ifAbsent`, so a rerun on the same input finds the very same file there and writes nothing.
 */
export async function putDataFile(
  deps: StageDeps,
  ref: IcebergTableRef,
  path: string,
  name: string,
  encoded: { readonly bytes: Uint8Array; readonly dataFile: DataFile },
): Promise<DataFile> {
  const location = `${ref.location}/data/${path}/${name}`;
  await filesOf(deps).write(location, encoded.bytes, {
    ifAbsent: true,
    contentType: "application/vnd.apache.parquet",
  });
  return { ...encoded.dataFile, filePath: location };
}

/** The staged document publish commits from: the version's files and what they hold. */
export async function stageVersion(
  deps: StageDeps,
  plan: PlanDocument,
  req: Omit<VersionRequest, "rows">,
  tag: string,
  rows: number,
  files: DataFile[],
): Promise<StagedVersion> {
  const { schema: _s, fileCount: _f, ...meta } = req;
  const staged: StagedVersion = {
    format: "lakestream-staged/1",
    ...meta,
    tag,
    rows,
    bytes: files.reduce((n, f) => n + f.fileSizeInBytes, 0),
    files,
  };
  await deps.store.put(
    stagedVersionKey(deps.pipeline.name, plan.runId, req.table, tag),
    encoder.encode(serializeStagedVersion(staged)),
    { contentType: "application/json" },
  );
  return staged;
}

/**
 * The files of a version: its groups in path order, a single group cut into `fileCount` even
 * parts. A file's index in this list is part of its name.
 */
export function versionChunks<R>(
  groups: ReadonlyMap<string, PartitionGroup<R>>,
  fileCount: number,
): { path: string; partition: Record<string, PartitionValue>; rows: R[] }[] {
  return [...groups.values()]
    .map((g) => [g.path, g] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([path, g]) =>
      splitEvenly(g.rows, groups.size === 1 ? fileCount : 1).map((rows) => ({
        path,
        partition: g.partition,
        rows,
      })),
    );
}

export interface PartitionGroup<R> {
  /** The folder under `data/` (ISO times, escaping), made once per group, not once per row. */
  readonly path: string;
  readonly partition: Record<string, PartitionValue>;
  readonly rows: R[];
}

/**
 * Rows grouped by the table's partition tuple, in first-seen order; each row is read only for
 * the spec's source columns, so a caller may group light rows and write their whole rows later.
 */
export function groupByPartition<R extends Readonly<Record<string, unknown>>>(
  ref: NonNullable<PlanDocument["iceberg"]>[string],
  rows: readonly R[],
): Map<string, PartitionGroup<R>> {
  const fields = ref.spec.fields.map((f) => {
    const path = sourcePath(ref.schema, f);
    const type = fieldAtPath(ref.schema, path)!.type as string;
    const steps = path.split(".");
    const read = (row: Readonly<Record<string, unknown>>) =>
      steps.reduce<unknown>(
        (v, k) => (v === null || v === undefined ? v : (v as Record<string, unknown>)[k]),
        row,
      );
    return { name: f.name, transform: f.transform, read, type };
  });
  const groups = new Map<string, PartitionGroup<R>>();
  const values: PartitionValue[] = new Array(fields.length);
  for (const row of rows) {
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      values[i] = transformValue(f.transform, f.read(row), f.type);
    }
    const key = values.map(valueKey).join("\u0000");
    let g = groups.get(key);
    if (!g) {
      const partition: Record<string, PartitionValue> = {};
      fields.forEach((f, i) => {
        partition[f.name] = values[i]!;
      });
      g = { path: partitionPath(ref.spec, partition), partition, rows: [] };
      groups.set(key, g);
    }
    g.rows.push(row);
  }
  return groups;
}

/** A partition value as text that no value of another type or content shares. */
function valueKey(v: PartitionValue): string {
  return typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? `${v}n` : String(v);
}
