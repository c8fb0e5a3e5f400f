import { StorageError } from "./object-store.ts";

/** Error names S3 and the SDK use when the caller should slow down or the call timed out. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);

/** Node socket and DNS errors: the request may never have reached S3. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: unknown;
}

/**
 * True when retrying the same request later can succeed: throttling, 5xx, timeouts, network
 * failures. The SDK has already retried these by the time we see them; saying "transient"
 * makes the handler fail the batch (so Lambda retries it) rather than quarantine records.
 */
export function isTransientS3Error(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as SdkErrorShape;
  if (e.name === "AbortError") return false;
  const status = e.$metadata?.httpStatusCode;
  return (
    e.$retryable !== undefined ||
    (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) ||
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    isTransientS3Error(e.cause, depth + 1)
  );
}

function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const e = error as SdkErrorShape;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return e.code;
  const nested = (error as { errors?: unknown[] }).errors?.[0];
  return (
    networkCode(e.cause, depth + 1) ?? (nested === undefined ? undefined : networkCode(nested, depth + 1))
  );
}

/** HTTP status of an SDK service error, if it has one. */
export function httpStatus(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** Wraps an SDK error for one key; the SDK error stays reachable as `cause`. */
export function s3Error(key: string, operation: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const e = error as SdkErrorShape | undefined;
  // Socket errors reach us as a bare "Error" whose code says what happened (ECONNREFUSED, …).
  const code = networkCode(error);
  const what = e?.name === undefined || e.name === "Error" ? (code ?? e?.name ?? "unknown error") : e.name;
  const status = e?.$metadata?.httpStatusCode;
  return new StorageError(
    key,
    `${operation} failed (${what}${status === undefined ? "" : `, HTTP ${status}`})`,
    isTransientS3Error(error),
    { cause: error },
  );
}
