import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";

describe("openStore", () => {
  it("opens ./lake on disk by default, or the folder given", () => {
    const byDefault = openStore();
    expect(byDefault).toBeInstanceOf(FsObjectStore);
    expect(byDefault.url).toBe(pathToFileURL(resolve("lake")).href);
    expect(openStore({ lake: "/tmp/my-lake" }).url).toBe("file:///tmp/my-lake");
  });

  it("opens a bucket, on a local endpoint when one is given", () => {
    const store = openStore({ bucket: "my-lake", endpoint: "http://127.0.0.1:9000", prefix: "raw/" });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.url).toBe("s3://my-lake/raw");
  });

  it("names the setting when the bucket or endpoint is wrong", () => {
    expect(() => openStore({ bucket: "Not_A_Bucket" })).toThrow(ConfigError);
    expect(() => openStore({ bucket: "" })).toThrow(expect.objectContaining({ field: "bucket" }));
    expect(() => openStore({ bucket: "ok-bucket", endpoint: "127.0.0.1:9000" })).toThrow(
      expect.objectContaining({ field: "s3Endpoint" }),
    );
  });
});
