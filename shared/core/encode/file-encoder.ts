import type { Pipeline } from "../pipeline/types.ts";
import type { TableSchema } from "../schema.ts";
import { fileSchema } from "../table-layout.ts";
import { encodeJsonlGzip } from "./jsonl-gzip.ts";
import { encodeParquet } from "./parquet.ts";

/**
 * How a pipeline's raw files are encoded, as plain data: it crosses to a worker thread by
 * structured clone (a pipeline cannot: it holds the user's functions), so a file encoded on
 * another thread comes out byte for byte as one encoded here.
 */
export interface FileEncoderSpec {
  readonly format: "parquet" | "jsonl-gzip";
  readonly compression: "zstd" | "snappy";
  readonly schema: TableSchema;
}

/** One file's content before encoding: its columns in storage form and its footer metadata. */
export interface FileContent {
  readonly columns: Record<string, unknown[]>;
  readonly metadata: Record<string, string>;
}

/** The encoder settings of a pipeline's raw landing files. */
export function fileEncoderSpec(pipeline: Pipeline): FileEncoderSpec {
  return {
    format: pipeline.sink.format,
    compression: pipeline.sink.compression,
    schema: fileSchema(pipeline),
  };
}

/** Encodes one raw file; the same function runs inline and in the encode worker. */
export function encodeFile(spec: FileEncoderSpec, content: FileContent): Uint8Array {
  return spec.format === "parquet"
    ? encodeParquet(spec.schema, content.columns, {
        compression: spec.compression,
        metadata: content.metadata,
      })
    : encodeJsonlGzip(spec.schema, content.columns);
}
