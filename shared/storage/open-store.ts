import { ConfigError } from "../core/errors.ts";
import { createS3Client } from "../runtime/s3-client.ts";
import { FsObjectStore } from "./fs-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { S3ObjectStore } from "./s3-store.ts";

/** A lake folder on the local disk (`--lake <dir>`); the embedded default is `./lake`. */
export interface FsStoreLocation {
  readonly lake?: string;
}

/** A bucket (`--bucket <b>`), optionally on an S3-compatible server (`--s3-endpoint <url>`). */
export interface S3StoreLocation {
  readonly bucket: string;
  readonly endpoint?: string;
  /** Folder inside the bucket that holds the lake. */
  readonly prefix?: string;
  readonly region?: string;
}

export type StoreLocation = FsStoreLocation | S3StoreLocation;

/**
 * Opens the store the CLI flags or the handler's environment point at, so neither needs to
 * know which implementation it gets. A bad location fails here, at start, with the setting
 * named (ConfigError), not on the first write.
 */
export function openStore(location: StoreLocation = {}): ObjectStore {
  if (!("bucket" in location)) return new FsObjectStore(location.lake ?? "./lake");
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(location.bucket)) {
    throw new ConfigError("bucket", `not a valid S3 bucket name: ${JSON.stringify(location.bucket)}`);
  }
  if (location.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(location.endpoint)) {
    throw new ConfigError("s3Endpoint", `expected an http(s) URL, got ${JSON.stringify(location.endpoint)}`);
  }
  const client = createS3Client({
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
    ...(location.region === undefined ? {} : { region: location.region }),
  });
  return new S3ObjectStore({
    client,
    bucket: location.bucket,
    ...(location.prefix === undefined ? {} : { prefix: location.prefix }),
  });
}
