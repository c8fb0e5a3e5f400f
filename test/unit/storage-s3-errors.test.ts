import type { S3Client } from "@aws-sdk/client-s3";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { StorageError } from "../../shared/storage/object-store.ts";
import { isTransientS3Error, s3Error } from "../../shared/storage/s3-errors.ts";
import { S3ObjectStore } from "../../shared/storage/s3-store.ts";

/** An SDK service error as the client raises it after its own retries are spent. */
function awsError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket: ${code}`), { code });
}

/** A stand-in S3 client that answers each send with the next scripted outcome. */
function fakeClient(outcomes: Array<Error | object>): { client: S3Client; calls: () => number } {
  let calls = 0;
  const client = {
    send: async () => {
      const outcome = outcomes[Math.min(calls++, outcomes.length - 1)];
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  } as unknown as S3Client;
  return { client, calls: () => calls };
}

describe("S3 error classification (fakes AWS's error objects: the local S3 server cannot throttle or fail on demand)", () => {
  it("treats throttling, 5xx, timeouts and socket failures as transient", () => {
    expect(isTransientS3Error(awsError("SlowDown", 503))).toBe(true);
    expect(isTransientS3Error(awsError("ThrottlingException", 400))).toBe(true);
    expect(isTransientS3Error(awsError("InternalError", 500))).toBe(true);
    expect(isTransientS3Error(awsError("Unknown", 502))).toBe(true);
    expect(isTransientS3Error(awsError("TooManyRequests", 429))).toBe(true);
    expect(isTransientS3Error(Object.assign(new Error("timed out"), { name: "TimeoutError" }))).toBe(true);
    expect(isTransientS3Error(networkError("ECONNRESET"))).toBe(true);
    expect(isTransientS3Error(new Error("wrapped", { cause: networkError("EAI_AGAIN") }))).toBe(true);
  });

  it("treats permission, missing-bucket and bad-request errors as permanent", () => {
    expect(isTransientS3Error(awsError("AccessDenied", 403))).toBe(false);
    expect(isTransientS3Error(awsError("NoSuchBucket", 404))).toBe(false);
    expect(isTransientS3Error(awsError("InvalidArgument", 400))).toBe(false);
    expect(isTransientS3Error(Object.assign(new Error("stop"), { name: "AbortError" }))).toBe(false);
    expect(isTransientS3Error("not an error")).toBe(false);
  });

  it("wraps an SDK error as a StorageError naming the key, error and status, keeping the cause", () => {
    const cause = awsError("SlowDown", 503);
    const error = s3Error("t/x.parquet", "put", cause);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ name: "StorageError", key: "t/x.parquet", transient: true, cause });
    expect(error.message).toBe("t/x.parquet: put failed (SlowDown, HTTP 503)");
  });
});

describe("S3ObjectStore with a fake S3 client (AWS-only answers the local server cannot give)", () => {
  it("surfaces a throttled put as a transient StorageError", async () => {
    const { client } = fakeClient([awsError("SlowDown", 503)]);
    const store = new S3ObjectStore({ client, bucket: "b" });
    await expect(store.put("k", new Uint8Array(1))).rejects.toMatchObject({
      name: "StorageError",
      transient: true,
    });
  });

  it("asks again after a 409 ConditionalRequestConflict and reports the 412 that follows as not written", async () => {
    const conflict = awsError("ConditionalRequestConflict", 409);
    const { client, calls } = fakeClient([conflict, awsError("PreconditionFailed", 412)]);
    const store = new S3ObjectStore({ client, bucket: "b" });
    expect(await store.put("k", new Uint8Array(1), { ifAbsent: true })).toEqual({ written: false });
    expect(calls()).toBe(2);
  });

  it("fails transiently when the 409 conflict persists, rather than assume the other writer won", async () => {
    const { client, calls } = fakeClient([awsError("ConditionalRequestConflict", 409)]);
    const store = new S3ObjectStore({ client, bucket: "b" });
    await expect(store.put("k", new Uint8Array(1), { ifAbsent: true })).rejects.toMatchObject({
      name: "StorageError",
      transient: true,
    });
    expect(calls()).toBe(3);
  });

  it("treats a 412 on a plain put as a permanent failure, not as 'already there'", async () => {
    const { client } = fakeClient([awsError("PreconditionFailed", 412)]);
    const store = new S3ObjectStore({ client, bucket: "b" });
    await expect(store.put("k", new Uint8Array(1))).rejects.toMatchObject({ transient: false });
  });
});
