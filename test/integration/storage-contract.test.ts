import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";
import { assertS3Ready, freshBucket, testS3Client } from "../helpers/services.ts";
import { describeObjectStoreContract } from "./storage-contract.ts";

describeObjectStoreContract("FsObjectStore on a temp dir", async () => {
  return new FsObjectStore(await mkdtemp(join(tmpdir(), "lakestream-fs-store-")));
});

describeObjectStoreContract("S3ObjectStore on the real S3Proxy server", async ({ multipartThreshold }) => {
  return new S3ObjectStore({
    client: testS3Client(),
    bucket: await freshBucket("contract"),
    prefix: "lake",
    multipartThreshold,
  });
});

describe("S3ObjectStore specifics on the real S3Proxy server", () => {
  beforeAll(assertS3Ready);

  it("uploads a body above the threshold in parts (multipart ETag) and keeps keys under its prefix", async () => {
    const client = testS3Client();
    const bucket = await freshBucket("multipart");
    const store = new S3ObjectStore({ client, bucket, prefix: "/lake/", multipartThreshold: 1024 * 1024 });
    expect(store.url).toBe(`s3://${bucket}/lake`);
    await store.put("big.bin", new Uint8Array(5 * 1024 * 1024 + 1).fill(7), { ifAbsent: true });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "lake/big.bin" }));
    // S3 (and S3Proxy) give multipart objects an ETag ending in -<number of parts>.
    expect(head.ETag).toMatch(/-2"?$/);
    expect(await store.list("")).toMatchObject([{ key: "big.bin", size: 5 * 1024 * 1024 + 1 }]);
  });

  it("lists every key across pages (continuation tokens), in key order", async () => {
    const store = new S3ObjectStore({
      client: testS3Client(),
      bucket: await freshBucket("pages"),
      pageSize: 2,
    });
    const keys = ["a/1", "a/2", "a/3", "a/4", "a/5"];
    for (const key of [...keys].reverse()) await store.put(key, new Uint8Array([1]));
    expect((await store.list("a/")).map((o) => o.key)).toEqual(keys);
  });

  it("names the bucket and HTTP status in a permanent error for a missing bucket", async () => {
    const store = new S3ObjectStore({ client: testS3Client(), bucket: "no-such-bucket-lakestream" });
    await expect(store.put("k", new Uint8Array(1))).rejects.toMatchObject({
      name: "StorageError",
      transient: false,
      message: expect.stringMatching(/NoSuchBucket.*404/),
    });
  });
});
