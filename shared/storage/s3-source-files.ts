import {
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isHiddenPath, type SourceObject } from "../core/files/file-source.ts";
import { httpStatus, s3Error } from "./s3-errors.ts";
import { encodeUriPath, type SourceFiles } from "./source-files.ts";

export interface S3SourceFilesOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix of the source (a folder, `/`-terminated or not); "" for the whole bucket. */
  readonly prefix?: string;
}

/**
 * An S3 prefix as a file source (`s3://bucket/prefix`). A version is the object's ETag: reads
 * send `If-Match` with it (or the version id, when known), so a range never mixes the bytes of
 * two versions, and an object replaced or deleted since it was announced reads as gone.
 */
export class S3SourceFiles implements SourceFiles {
  readonly root: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3SourceFilesOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    const p = (options.prefix ?? "").replace(/^\/+/, "");
    this.#prefix = p === "" || p.endsWith("/") ? p : `${p}/`;
    this.root = `s3://${this.#bucket}/${encodeUriPath(this.#prefix)}`;
  }

  async list(): Promise<SourceObject[]> {
    const out: SourceObject[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.#client },
        { Bucket: this.#bucket, Prefix: this.#prefix },
      );
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || o.Key.endsWith("/")) continue;
          const path = o.Key.slice(this.#prefix.length);
          if (isHiddenPath(path)) continue;
          out.push(this.#object(o.Key, o.ETag, o.Size, o.LastModified));
        }
      }
    } catch (error) {
      throw s3Error(this.#prefix, "list", error);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async describe(path: string): Promise<SourceObject | undefined> {
    const key = this.#prefix + path;
    try {
      const h = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return this.#object(key, h.ETag, h.ContentLength, h.LastModified, h.VersionId);
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw s3Error(key, "head", error);
    }
  }

  async read(object: SourceObject, start = 0, end?: number): Promise<Uint8Array | undefined> {
    const stop = Math.min(end ?? object.size, object.size);
    if (stop <= start) return new Uint8Array(0);
    const whole = start === 0 && stop === object.size;
    try {
      const out = await this.#client.send(
        new GetObjectCommand({
          ...this.#versionOf(object),
          ...(whole ? {} : { Range: `bytes=${start}-${stop - 1}` }),
        }),
      );
      return out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
    } catch (error) {
      if (gone(error)) return undefined;
      throw s3Error(this.#keyOf(object), "get", error);
    }
  }

  async *chunks(object: SourceObject): AsyncIterable<Uint8Array> {
    let body: AsyncIterable<Uint8Array> | undefined;
    try {
      body = (await this.#client.send(new GetObjectCommand(this.#versionOf(object)))).Body as
        | AsyncIterable<Uint8Array>
        | undefined;
    } catch (error) {
      if (gone(error)) return;
      throw s3Error(this.#keyOf(object), "get", error);
    }
    if (body) yield* body;
  }

  #keyOf(object: SourceObject): string {
    return this.#prefix + object.path;
  }

  #versionOf(object: SourceObject): GetObjectCommandInput {
    return {
      Bucket: this.#bucket,
      Key: this.#keyOf(object),
      ...(object.versionId ? { VersionId: object.versionId } : { IfMatch: `"${object.version}"` }),
    };
  }

  /** The object version an event announced (key relative to the bucket, not the prefix). */
  announced(key: string, etag: string, size: number, time: number, versionId?: string): SourceObject {
    return this.#object(key, etag, size, new Date(time), versionId);
  }

  #object(key: string, etag?: string, size?: number, modified?: Date, versionId?: string): SourceObject {
    return {
      uri: `s3://${this.#bucket}/${encodeUriPath(key)}`,
      version: (etag ?? "").replace(/"/g, ""),
      size: size ?? 0,
      lastModified: modified?.getTime() ?? 0,
      path: key.slice(this.#prefix.length),
      ...(versionId && versionId !== "null" ? { versionId } : {}),
    };
  }
}

/** Deleted (404), or replaced by another version (412 on If-Match). */
function gone(error: unknown): boolean {
  const status = httpStatus(error);
  const name = (error as Error).name;
  return status === 404 || status === 412 || name === "NoSuchKey" || name === "NoSuchVersion";
}
