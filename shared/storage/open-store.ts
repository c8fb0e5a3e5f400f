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
 * An S3 endpoint must be a plain http(s) URL. The value is never echoed: a user who pasted
 * `http://key:secret@host` must not find the secret in logs or terminal scrollback.
 */
export function checkS3Endpoint(endpoint: string, field = "s3Endpoint"): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new ConfigError(field, "expected an http(s) URL such as http://127.0.0.1:9000");
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(
      field,
      "must not hold credentials; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)",
    );
  }
}

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
  if (location.endpoint !== undefined) checkS3Endpoint(location.endpoint);
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
