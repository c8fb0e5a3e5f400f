import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { createFileQueueHandler } from "../../shared/runtime/files/file-queue-handler.ts";
import type { QueueRecord } from "../../shared/runtime/files/queue-ingest.ts";
import { createS3Client } from "../../shared/runtime/s3-client.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { S3SourceFiles } from "../../shared/storage/s3-source-files.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { lambdaContext, mirrorToDisk, tempDir } from "../helpers/lake.ts";
import { freshBucket, s3Endpoint, testS3Client } from "../helpers/services.ts";
import { events, objectCreated, putObject, textFile } from "./file-source-kit.ts";

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/**
 * The Lambda handler of the file source against S3Proxy. What cannot run here is AWS itself:
 * EventBridge and the SQS event source are replaced by the events they deliver (the shape
 * Lambda hands over), and the queue by an array the handler's unit messages go to.
 */
describe("file source in AWS: the SQS handler (EventBridge and SQS faked, S3 real)", () => {
  let bucket: string;
  let store: ObjectStore;
  const sent: string[] = [];
  let handler: ReturnType<typeof createFileQueueHandler>;
  const invoke = async (records: QueueRecord[]) => {
    const response = await handler({ Records: records }, lambdaContext("lakestream-ingest-files"));
    return { response, outcomes: handler.lastResult()!.outcomes };
  };
  const rows = async () => {
    const dir = await tempDir("files-queue");
    await mirrorToDisk(store, dir);
    const [r] = await queryDuckDb(
      `SELECT count(*) AS n, count(DISTINCT (_topic, _offset)) AS distinct_lines, sum(id) AS total
       FROM read_parquet(${sqlString(`${dir}/file_events/**/*.parquet`)})`,
    );
    return { n: Number(r!.n), distinct: Number(r!.distinct_lines), total: Number(r!.total) };
  };

  beforeAll(async () => {
    bucket = await freshBucket("files-queue-src");
    store = openStore({ bucket: await freshBucket("files-queue-lake"), endpoint: s3Endpoint() });
    const client = createS3Client({ endpoint: s3Endpoint() });
    handler = createFileQueueHandler({
      pipeline: events,
      store,
      sourceOf: (b) => new S3SourceFiles({ client, bucket: b }),
      settings: { unitBytes: 4096 },
      prefix: "in/",
      sendUnits: async (bodies) => {
        sent.push(...bodies);
      },
    });
  });

  it("ingests an object once, however often its event comes, and ignores keys outside the prefix", async () => {
    const body = textFile("jsonl", ids(1, 20));
    const etag = await putObject(bucket, "in/a.jsonl", body);
    const event = objectCreated(bucket, "in/a.jsonl", body.byteLength, etag, "m1");
    const first = await invoke([event, objectCreated(bucket, "other/x.jsonl", 3, "e", "m2")]);
    expect(first.response.batchItemFailures).toEqual([]);
    expect(first.outcomes.map((o) => o.result)).toEqual(["ingested", "ignored"]);
    const again = await invoke([
      { ...event, messageId: "m3" },
      { ...event, messageId: "m4" },
    ]);
    expect(again.outcomes.map((o) => o.result)).toEqual(["repeat", "repeat"]);
    expect(await rows()).toEqual({ n: 20, distinct: 20, total: 210 });
  });

  it("ingests a new version of an object as new records, and an event whose version was replaced or deleted as gone", async () => {
    const v1 = textFile("jsonl", ids(100, 5));
    const e1 = await putObject(bucket, "in/b.jsonl", v1);
    const v2 = textFile("jsonl", ids(200, 7));
    const e2 = await putObject(bucket, "in/b.jsonl", v2);
    expect(e2).not.toBe(e1);
    // The first version's event arrives after the second was written: its bytes are gone.
    const stale = await invoke([objectCreated(bucket, "in/b.jsonl", v1.byteLength, e1, "v1")]);
    expect(stale.outcomes[0]!.result).toBe("gone");
    const fresh = await invoke([objectCreated(bucket, "in/b.jsonl", v2.byteLength, e2, "v2")]);
    expect(fresh.outcomes[0]).toMatchObject({ result: "ingested", records: 7, rowsWritten: 7 });
    // An event for an object deleted since: acknowledged, nothing written, nothing retried.
    const v3 = textFile("jsonl", ids(300, 3));
    const e3 = await putObject(bucket, "in/c.jsonl", v3);
    await testS3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: "in/c.jsonl" }));
    const deleted = await invoke([objectCreated(bucket, "in/c.jsonl", v3.byteLength, e3, "d")]);
    expect(deleted.response.batchItemFailures).toEqual([]);
    expect(deleted.outcomes[0]!.result).toBe("gone");
    expect(await rows()).toEqual({
      n: 27,
      distinct: 27,
      total: 210 + ids(200, 7).reduce((a, b) => a + b, 0),
    });
  });

  it("fans a large object out as unit messages, each unit ingested once even when delivered twice", async () => {
    const body = textFile("jsonl", ids(1000, 400));
    const etag = await putObject(bucket, "in/big.jsonl", body);
    sent.length = 0;
    const planned = await invoke([objectCreated(bucket, "in/big.jsonl", body.byteLength, etag, "big")]);
    expect(planned.outcomes[0]).toMatchObject({ result: "fanned-out" });
    const units = sent.length;
    expect(units).toBeGreaterThan(3);
    const messages = sent.map((b, i) => ({ messageId: `u${i}`, body: b }));
    // One unit is delivered twice (SQS is at least once) and the whole set once more.
    const run = await invoke([...messages, { ...messages[1]!, messageId: "dup" }]);
    expect(run.response.batchItemFailures).toEqual([]);
    expect(run.outcomes.filter((o) => o.result === "ingested")).toHaveLength(units);
    expect(run.outcomes.filter((o) => o.result === "repeat")).toHaveLength(1);
    const rerun = await invoke(messages);
    expect(rerun.outcomes.every((o) => o.result === "repeat")).toBe(true);
    const sum = ids(1000, 400).reduce((a, b) => a + b, 0);
    expect(await rows()).toEqual({
      n: 427,
      distinct: 427,
      total: 210 + ids(200, 7).reduce((a, b) => a + b, 0) + sum,
    });
  });

  it("fails only the message that cannot be handled (partial batch response)", async () => {
    const body = textFile("jsonl", ids(5000, 2));
    const etag = await putObject(bucket, "in/d.jsonl", body);
    const out = await invoke([
      { messageId: "bad", body: "{not json" },
      objectCreated(bucket, "in/d.jsonl", body.byteLength, etag, "good"),
    ]);
    expect(out.response.batchItemFailures).toEqual([{ itemIdentifier: "bad" }]);
    expect(out.outcomes.find((o) => o.messageId === "bad")!.error).toMatch(/EventShapeError/);
    expect(out.outcomes.find((o) => o.messageId === "good")!.result).toBe("ingested");
  });
});
