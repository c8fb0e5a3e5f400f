import pLimit from "p-limit";
import { encodeJsonlGzip } from "../../core/encode/jsonl-gzip.ts";
import { encodeParquet } from "../../core/encode/parquet.ts";
import type { TableSchema } from "../../core/schema.ts";
import type { OffsetSpan } from "../../core/stages/dedupe.ts";
import {
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  type Manifest,
  type ManifestFile,
  manifestKey,
  publishedFileKey,
  publishedTablePrefix,
  sameContent,
  splitEvenly,
} from "../../core/stages/manifest.ts";
import { fileExtension } from "../../core/table-layout.ts";
import { contentTypeOf } from "../write-files.ts";
import { readJson, type StageDeps, writeJson } from "./stage-deps.ts";

export interface PublishRequest {
  readonly kind: Manifest["kind"];
  readonly table: string;
  readonly partition: string;
  readonly schema: TableSchema;
  /** Rows in storage form, already in their published order. */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly files: number;
  readonly inputDigest: string;
  readonly inputs: Manifest["inputs"];
  readonly offsets: readonly OffsetSpan[];
  readonly runId: string;
  readonly createdAt: string;
  readonly windows?: Manifest["windows"];
  readonly late?: Manifest["late"];
}

export interface PublishOutcome {
  readonly manifest: Manifest;
  /** The manifest already described this content: nothing was written or deleted. */
  readonly unchanged: boolean;
  readonly bytes: number;
}

/**
 * Publishes one partition version: data files (content-addressed, `ifAbsent`) first, then the
 * manifest in one put, then removal of files no manifest lists any more (older versions, or
 * orphans of a run killed midway), so glob readers see exactly the manifest's files at rest.
 */
export async function publishPartition(deps: StageDeps, req: PublishRequest): Promise<PublishOutcome> {
  const { store, pipeline } = deps;
  const ext = fileExtension(pipeline);
  const limit = pLimit(deps.concurrency ?? 8);
  const chunks = req.rows.length === 0 ? [] : splitEvenly(req.rows, req.files);
  const files: ManifestFile[] = await Promise.all(
    chunks.map((chunk, i) =>
      limit(async () => {
        const body = encode(deps, req, chunk);
        const key = publishedFileKey(req.table, req.partition, i, body, ext);
        // Same key means same bytes (content hash): an existing file is this very file.
        await store.put(key, body, { ifAbsent: true, contentType: contentTypeOf(key) });
        return { key, rows: chunk.length, bytes: body.byteLength };
      }),
    ),
  );
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    kind: req.kind,
    pipeline: pipeline.name,
    table: req.table,
    partition: req.partition,
    inputDigest: req.inputDigest,
    inputs: req.inputs,
    rows: req.rows.length,
    files,
    offsets: req.offsets,
    schema: req.schema,
    runId: req.runId,
    createdAt: req.createdAt,
    ...(req.windows ? { windows: req.windows } : {}),
    ...(req.late ? { late: req.late } : {}),
  };
  const key = manifestKey(req.table, req.partition);
  const unchanged = sameContent(await readJson<Manifest>(store, key), manifest);
  if (!unchanged) await writeJson(store, key, manifest);
  await removeUnlisted(deps, req.table, req.partition, new Set(files.map((f) => f.key)));
  return { manifest, unchanged, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

/** Deletes files of the partition folder (not of sub-folders) that the manifest does not list. */
async function removeUnlisted(deps: StageDeps, table: string, partition: string, keep: ReadonlySet<string>) {
  const folder = `${publishedTablePrefix(table)}${partition}/`;
  const stale = (await deps.store.list(folder)).filter(
    ({ key }) =>
      !key.slice(folder.length).includes("/") && !key.endsWith(`/${MANIFEST_NAME}`) && !keep.has(key),
  );
  const limit = pLimit(deps.concurrency ?? 8);
  await Promise.all(stale.map(({ key }) => limit(() => deps.store.delete(key))));
}

function encode(
  deps: StageDeps,
  req: PublishRequest,
  rows: readonly Readonly<Record<string, unknown>>[],
): Uint8Array {
  const names = Object.keys(req.schema);
  const columns: Record<string, unknown[]> = {};
  for (const name of names) columns[name] = rows.map((r) => r[name] ?? null);
  if (deps.pipeline.sink.format !== "parquet") return encodeJsonlGzip(req.schema, columns);
  return encodeParquet(req.schema, columns, {
    compression: deps.pipeline.sink.compression,
    // Rows alone decide the bytes (no run id, no input digest): the same rows from another
    // input (an archive, a re-cut batch) publish the very same file.
    metadata: { "lakestream.table": req.table },
  });
}
