import { S3Client } from "@aws-sdk/client-s3";

/** How to reach S3: nothing for AWS itself, an endpoint for a local S3-compatible server. */
export interface S3ClientOptions {
  /** E.g. `http://127.0.0.1:9000` for the local S3Proxy; omitted on AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Defaults to true when `endpoint` is set: local servers do not resolve bucket sub-domains. */
  readonly forcePathStyle?: boolean;
  /** Total tries per request including the first; the SDK backs off between them. */
  readonly maxAttempts?: number;
  /**
   * `adaptive` also slows the client down when S3 throttles (503 SlowDown), which suits a
   * Lambda that writes many objects per batch; `standard` only retries.
   */
  readonly retryMode?: "standard" | "adaptive";
  /** Static keys, for a local server; omitted, the SDK's default provider chain applies. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The one place S3 clients are built, so handlers, the CLI and tests agree on retries and
 * addressing. Credentials come from the default provider chain (Lambda role, or the
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` that `test/services/with-services.sh` exports).
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  return new S3Client({
    region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: options.retryMode ?? "adaptive",
  });
}
