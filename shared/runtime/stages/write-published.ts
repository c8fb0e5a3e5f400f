import pLimit from "p-limit";
import { encodeJsonlGzip } from "../../core/encode/jsonl-gzip.ts";
import { encodeParquet } from "../../core/encode/parquet.ts";
import type { TableSchema } from "../../core/schema.ts";
import type { OffsetSpan } from "../../core/stages/dedupe.ts";
import {
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestFile,
  manifestKey,
  publishedFileKey,
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
 * manifest in one put. The files no manifest lists any more (older versions, orphans of a run
 * killed midway) are removed by the maintain stage at the end of the run (hive-cleanup.ts), so
 * a run ends with glob readers seeing exactly the manifests' files, and only maintain deletes.
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
  return { manifest, unchanged, bytes: files.reduce((n, f) => n + f.bytes, 0) };
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
