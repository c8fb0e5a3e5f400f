import { gzipSync, zstdCompressSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { watchFiles } from "../../shared/local/files/watch-files.ts";
import { createFileIngest } from "../../shared/runtime/files/file-ingest.ts";
import { DEFAULT_UNIT_BYTES } from "../../shared/runtime/files/file-plan.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import type { SourceFiles } from "../../shared/storage/source-files.ts";
import { testS3Client } from "../helpers/services.ts";

/**
 * One pipeline for every file format: a JSON line, a CSV record and a Parquet row are objects
 * with these columns; a text line is `id|at|name`. Amounts are exact decimals.
 */
export const events = definePipeline({
  name: "file_events",
  source: { topics: [], valueFormat: "json", files: { prefix: "in/" } },
  schema: {
    id: { type: "int64" },
    at: { type: "timestamp" },
    name: { type: "string", nullable: true },
    amount: { type: "decimal", precision: 12, scale: 2, nullable: true },
    tags: { type: "list", items: { type: "string" }, nullable: true },
    geo: { type: "struct", fields: { country: { type: "string" } }, nullable: true },
  },
  transform: ({ value }) => {
    if (typeof value === "string") {
      const [id, at, name] = value.split("|");
      return { id: BigInt(id!), at: at!, name: name ?? null };
    }
    return value as never;
  },
  partitioning: { eventTime: { field: "at" }, granularity: "hour" },
  sink: { table: "file_events", format: "parquet" },
});

/** Row `id` of the test data: an hour of event time on 2026-11-23, a name, cents = id. */
export function row(id: number) {
  const at = new Date(Date.UTC(2026, 10, 23, 6, 0, 0) + (id % 3600) * 1000).toISOString();
  return { id, at, name: `n${id}`, amount: (id / 100).toFixed(2) };
}

export type Compression = "none" | "gzip" | "zstd";

export interface TextFileOptions {
  readonly crlf?: boolean;
  readonly bom?: boolean;
  readonly compression?: Compression;
}

/** The bytes of a JSON-lines, CSV or text file holding rows `ids`. */
export function textFile(
  format: "jsonl" | "csv" | "text",
  ids: readonly number[],
  o: TextFileOptions = {},
): Uint8Array {
  const lines = ids.map((id) => {
    const r = row(id);
    if (format === "jsonl") return JSON.stringify(r);
    if (format === "text") return `${r.id}|${r.at}|${r.name}`;
    // A quoted field with the delimiter, a quote and a line break in it, as CSV allows.
    return `${r.id},${r.at},"${r.name}, ""quoted""\nsecond line",${r.amount}`;
  });
  if (format === "csv") lines.unshift("id,at,name,amount");
  const eol = o.crlf ? "\r\n" : "\n";
  const text = `${o.bom ? "\ufeff" : ""}${lines.join(eol)}${eol}`;
  return compress(new TextEncoder().encode(text), o.compression ?? "none");
}

export function compress(bytes: Uint8Array, c: Compression): Uint8Array {
  return c === "gzip" ? gzipSync(bytes) : c === "zstd" ? zstdCompressSync(bytes) : bytes;
}

/** Puts an object in the S3 server (in parts when large, as S3 clients do) and returns its ETag, quotes removed. */
export async function putObject(bucket: string, key: string, body: Uint8Array): Promise<string> {
  if (body.byteLength > 16 * 1024 * 1024) {
    const upload = new Upload({
      client: testS3Client(),
      params: { Bucket: bucket, Key: key, Body: body },
      partSize: 16 * 1024 * 1024,
    });
    const out = await upload.done();
    return (out.ETag ?? "").replace(/"/g, "");
  }
  const out = await testS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return (out.ETag ?? "").replace(/"/g, "");
}

/** Reads everything under `source` once into `store`, as `run --files` does. */
export async function ingestOnce(source: SourceFiles, store: ObjectStore, unitBytes = DEFAULT_UNIT_BYTES) {
  const ingest = createFileIngest({ pipeline: events, store, source, settings: { unitBytes } });
  return watchFiles({ source, ingest });
}

/** An SQS-shaped `Object Created` event from EventBridge, as Lambda hands it over. */
export function objectCreated(bucket: string, key: string, size: number, etag: string, messageId = key) {
  return {
    messageId,
    body: JSON.stringify({
      version: "0",
      id: crypto.randomUUID(),
      "detail-type": "Object Created",
      source: "aws.s3",
      account: "123456789012",
      time: "2026-11-23T08:00:00Z",
      region: "us-east-1",
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        version: "0",
        bucket: { name: bucket },
        object: { key, size, etag, sequencer: "0064D3901D00059242" },
        "request-id": "R",
        requester: "123456789012",
        reason: "PutObject",
      },
    }),
  };
}
