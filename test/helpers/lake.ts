import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Context } from "aws-lambda";
import type { ObjectStore } from "../../shared/storage/object-store.ts";

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `lakestream-${prefix}-`));
}

/** Copies every object of a store to a local folder, so DuckDB can read an S3 lake as local files. */
export async function mirrorToDisk(store: ObjectStore, dir: string): Promise<void> {
  for (const { key } of await store.list("")) {
    const body = await store.get(key);
    if (!body) continue;
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), body);
  }
}

/** The context Lambda passes; the handler only reads names and the request id. */
export function lambdaContext(name = "lakestream-ingest"): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: "1024",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 900_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
