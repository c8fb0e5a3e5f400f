import { dataFileWriter } from "../../core/iceberg/data-file.ts";
import { dataFileName, ownerTag } from "../../core/iceberg/lakestream-tables.ts";
import type { DataFile, PartitionValue } from "../../core/iceberg/types.ts";
import type { LineageRow } from "../../core/stages/dedupe.ts";
import type { PlanDocument, RawFileRef } from "../../core/stages/plan.ts";
import type { StagedVersion } from "../../core/stages/staged-version.ts";
import { readRawFile, rowSource } from "./raw-rows.ts";
import type { StageDeps } from "./stage-deps.ts";
import {
  groupByPartition,
  pinnedTable,
  putDataFile,
  stageVersion,
  type VersionRequest,
  versionChunks,
} from "./write-version.ts";

/** Raw files whose whole rows are held at once: the usual order reads each file once, in turn. */
const FILES_HELD = 4;

/** A version's files, each as the places (raw file, position) of its rows, in order. */
export interface StreamedVersion extends Omit<VersionRequest, "rows"> {
  readonly rows: number;
  readonly chunks: readonly {
    readonly path: string;
    readonly partition: Record<string, PartitionValue>;
    /** The raw files read; `file[i]` indexes them and `index[i]` is the row's position there. */
    readonly files: readonly RawFileRef[];
    readonly file: Uint32Array;
    readonly index: Uint32Array;
  }[];
}

/**
 * Cuts a version into files exactly as `writeVersion` does, from light rows (lineage and the
 * partition spec's source columns, each with its `rowSource`) in published order, and keeps
 * only where each row lives: the light rows can go before a single file is written.
 */
export function planStreamedVersion(
  plan: PlanDocument,
  req: VersionRequest & { readonly rows: readonly LineageRow[] },
): StreamedVersion {
  const ref = pinnedTable(plan, req.table);
  const chunks = versionChunks(groupByPartition(ref, req.rows), req.fileCount).map((chunk) => {
    const files: RawFileRef[] = [];
    const ordinals = new Map<string, number>();
    const file = new Uint32Array(chunk.rows.length);
    const index = new Uint32Array(chunk.rows.length);
    chunk.rows.forEach((row, i) => {
      const source = rowSource(row);
      let ordinal = ordinals.get(source.ref.key);
      if (ordinal === undefined) {
        ordinal = files.push(source.ref) - 1;
        ordinals.set(source.ref.key, ordinal);
      }
      file[i] = ordinal;
      index[i] = source.index;
    });
    return { path: chunk.path, partition: chunk.partition, files, file, index };
  });
  return { ...req, rows: req.rows.length, chunks };
}

/**
 * Writes a planned version (see `planStreamedVersion`): each file's rows are read again whole
 * from their raw files, a few files at a time, and encoded a row group at a time, so rewriting
 * a partition holds a few raw files and one row group, not the partition whole. Same files,
 * names and staged document as `writeVersion` would write from the whole rows.
 */
export async function writeStreamedVersion(
  deps: StageDeps,
  plan: PlanDocument,
  version: StreamedVersion,
): Promise<StagedVersion> {
  const ref = pinnedTable(plan, version.table);
  const tag = ownerTag(version.table, version.owner);
  const held = new Map<string, readonly LineageRow[]>();
  const wholeRows = async (file: RawFileRef) => {
    let rows = held.get(file.key);
    if (rows) return rows;
    rows = (await readRawFile(deps, file)).rows;
    if (held.size >= FILES_HELD) held.delete(held.keys().next().value!);
    held.set(file.key, rows);
    return rows;
  };
  const files: DataFile[] = [];
  for (const [n, chunk] of version.chunks.entries()) {
    const writer = dataFileWriter({
      location: "",
      schema: version.schema,
      table: ref.schema,
      partition: chunk.partition,
      compression: deps.pipeline.sink.compression,
      metadata: { "lakestream.table": version.table },
    });
    for (let i = 0; i < chunk.file.length; i++) {
      const source = chunk.files[chunk.file[i]!]!;
      const rows = held.get(source.key) ?? (await wholeRows(source));
      writer.add(rows[chunk.index[i]!]!);
    }
    const encoded = writer.finish();
    const name = dataFileName(tag, version.digest, n, encoded.bytes);
    files.push(await putDataFile(deps, ref, chunk.path, name, encoded));
  }
  const { chunks: _c, ...req } = version;
  return stageVersion(deps, plan, req, tag, version.rows, files);
}
