import type { S3Client } from "@aws-sdk/client-s3";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { compareKeys } from "./key-order.ts";
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from "./object-store.ts";
import { assertSafeKey, StorageError } from "./object-store.ts";
import { httpStatus, s3Error } from "./s3-errors.ts";

const MIB = 1024 * 1024;
/** S3's smallest part (except the last one); S3Proxy enforces it too. */
const MIN_PART_SIZE = 5 * MIB;
/** A 409 means another conditional write to the key was in flight; try again this often. */
const CONFLICT_ATTEMPTS = 3;

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Folder inside the bucket that holds the lake; keys are relative to it. */
  readonly prefix?: string;
  /** Bodies larger than this go up in parts (default 16 MiB); one PutObject caps at 5 GiB. */
  readonly multipartThreshold?: number;
  /** Size of each part (default 8 MiB; at least 5 MiB, as S3 requires, and at most the threshold). */
  readonly partSize?: number;
  /** Keys per ListObjectsV2 page (default and S3's maximum 1000); lower only to test paging. */
  readonly pageSize?: number;
}

/**
 * The AWS store. Conditional writes (`If-None-Match: *`) make replayed batches write nothing
 * new even when two invocations race; retries are left to the SDK client (see
 * `createS3Client`), and what still fails surfaces as a StorageError saying whether it is
 * transient, so the handler knows whether to fail the batch.
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #pageSize: number;

  constructor(options: S3ObjectStoreOptions) {
    const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    if (prefix !== "") assertSafeKey(prefix);
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = prefix === "" ? "" : `${prefix}/`;
    this.#threshold = options.multipartThreshold ?? 16 * MIB;
    // Upload goes multipart only for bodies larger than one part, so a part may not exceed the
    // threshold; S3 refuses parts under 5 MiB whatever the threshold says.
    this.#partSize = Math.max(MIN_PART_SIZE, Math.min(options.partSize ?? 8 * MIB, this.#threshold));
    this.#pageSize = options.pageSize ?? 1000;
    this.url = `s3://${this.#bucket}${prefix === "" ? "" : `/${prefix}`}`;
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    assertSafeKey(key);
    const input: PutObjectCommandInput = {
      Bucket: this.#bucket,
      Key: this.#prefix + key,
      Body: body,
      ContentLength: body.byteLength,
      ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
      ...(options.ifAbsent ? { IfNoneMatch: "*" } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#send(input, body.byteLength);
        return { written: true };
      } catch (error) {
        const status = httpStatus(error);
        if (options.ifAbsent && status === 412) return { written: false };
        // 409 ConditionalRequestConflict: a concurrent write to this key had not settled. Asking
        // again yields 412 if it won; assuming it won could lose data if it failed instead.
        if (options.ifAbsent && status === 409 && attempt < CONFLICT_ATTEMPTS) continue;
        if (status === 409) {
          throw new StorageError(key, "conditional write kept conflicting (HTTP 409)", true, {
            cause: error,
          });
        }
        throw s3Error(key, "put", error);
      }
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
      if (out.Body === undefined) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (error) {
      if ((error as Error).name === "NoSuchKey" || httpStatus(error) === 404) return undefined;
      throw s3Error(key, "get", error);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix !== "") assertSafeKey(prefix);
    const found: ObjectInfo[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.#client, pageSize: this.#pageSize },
        { Bucket: this.#bucket, Prefix: this.#prefix + prefix },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          found.push({
            key: object.Key.slice(this.#prefix.length),
            size: object.Size ?? 0,
            lastModified: object.LastModified?.getTime() ?? 0,
          });
        }
      }
    } catch (error) {
      throw s3Error(prefix, "list", error);
    }
    // S3 already lists in UTF-8 byte order; S3-compatible servers may not, so make sure.
    return found.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      // S3 answers 204 for a missing key too, which is the idempotence the interface promises.
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
    } catch (error) {
      if (httpStatus(error) === 404) return;
      throw s3Error(key, "delete", error);
    }
  }

  async #send(input: PutObjectCommandInput, size: number): Promise<void> {
    if (size <= this.#threshold) {
      await this.#client.send(new PutObjectCommand(input));
      return;
    }
    // lib-storage's Upload spreads these params into CompleteMultipartUpload, so IfNoneMatch is
    // checked where S3 evaluates it for multipart objects; it aborts the upload on failure.
    const upload = new Upload({
      client: this.#client,
      params: input,
      partSize: this.#partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }
}
