import { beforeAll, describe, expect, it } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { createFileQueueHandler } from "../../shared/runtime/files/file-queue-handler.ts";
import { createS3Client } from "../../shared/runtime/s3-client.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { S3SourceFiles } from "../../shared/storage/s3-source-files.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { lambdaContext, mirrorToDisk, tempDir } from "../helpers/lake.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";
import { objectCreated, putObject } from "./file-source-kit.ts";

const MIB = 1024 * 1024;
const LINE_BYTES = 400;

/** Lines are padded to 400 bytes; the transform keeps the id and time, so the work is the reading. */
const big = definePipeline({
  name: "big_file",
  source: { topics: [], valueFormat: "json", files: { prefix: "in/" } },
  schema: { id: { type: "int64" }, at: { type: "timestamp" } },
  transform: ({ value }) => {
    const v = value as { id: number; at: string };
    return { id: v.id, at: v.at };
  },
  partitioning: { eventTime: { field: "at" }, granularity: "hour" },
  sink: { table: "big_file", format: "parquet" },
});

/** A JSON-lines file of about `bytes`, line `n` holding id `n`, every line the same length. */
function bigFile(bytes: number): { body: Buffer; lines: number } {
  const lines = Math.floor(bytes / LINE_BYTES);
  const body = Buffer.alloc(lines * LINE_BYTES, 0x20);
  for (let n = 1; n <= lines; n++) {
    const at = new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + (n % 86_400) * 1000).toISOString();
    const json = `{"id":${n},"at":"${at}","pad":"`;
    const off = (n - 1) * LINE_BYTES;
    body.write(json, off, "latin1");
    body.write('"}', off + LINE_BYTES - 3, "latin1");
    body[off + LINE_BYTES - 1] = 0x0a;
    body.fill(0x78, off + json.length, off + LINE_BYTES - 3);
  }
  return { body, lines };
}

/**
 * A 200 MB object is cut into byte ranges on line boundaries, each sent as its own unit message
 * and ingested in its own invocation; every line lands exactly once, none is lost or doubled at
 * a cut, and line numbers carry across ranges. AWS is faked as in file-queue.test.ts.
 */
describe("file source: a 200 MB object cut into ranges (EventBridge and SQS faked, S3 real)", () => {
  let store: ObjectStore;
  let lines = 0;
  let units: string[] = [];
  const first: { result: string }[] = [];
  let second: { result: string }[] = [];

  beforeAll(async () => {
    const bucket = await freshBucket("files-big-src");
    store = openStore({ bucket: await freshBucket("files-big-lake"), endpoint: s3Endpoint() });
    const file = bigFile(200 * MIB);
    lines = file.lines;
    const etag = await putObject(bucket, "in/dt=2026-11-23/big.json", file.body);
    const client = createS3Client({ endpoint: s3Endpoint() });
    const sent: string[] = [];
    const handler = createFileQueueHandler({
      pipeline: big,
      store,
      sourceOf: (b) => new S3SourceFiles({ client, bucket: b }),
      settings: { unitBytes: 24 * MIB },
      prefix: "in/",
      sendUnits: async (bodies) => {
        sent.push(...bodies);
      },
    });
    const invoke = async (records: { messageId: string; body: string }[]) => {
      const r = await handler({ Records: records }, lambdaContext("lakestream-ingest-files"));
      expect(r.batchItemFailures).toEqual([]);
      return handler.lastResult()!.outcomes;
    };
    await invoke([objectCreated(bucket, "in/dt=2026-11-23/big.json", file.body.byteLength, etag)]);
    units = [...sent];
    // Each unit in an invocation of its own, in reverse order, then all of them again.
    for (const [i, body] of [...units.entries()].reverse())
      first.push(...(await invoke([{ messageId: `u${i}`, body }])));
    second = await invoke(units.map((body, i) => ({ messageId: `again${i}`, body })));
  }, 900_000);

  it("cuts the object into units that end on line ends and carry their first line number", () => {
    const parsed = units.map(
      (b) => (JSON.parse(b) as { unit: { start: number; end: number; firstLine: number } }).unit,
    );
    expect(parsed.length).toBeGreaterThanOrEqual(8);
    parsed.sort((a, b) => a.start - b.start);
    expect(parsed[0]).toMatchObject({ start: 0, firstLine: 1 });
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]!.start).toBe(parsed[i - 1]!.end);
      // Every line has the same length, so a unit starting on a line end starts at a multiple.
      expect(parsed[i]!.start % LINE_BYTES).toBe(0);
      expect(parsed[i]!.firstLine).toBe(parsed[i]!.start / LINE_BYTES + 1);
    }
    expect(parsed.at(-1)!.end).toBe(lines * LINE_BYTES);
  });

  it("ingests each unit once, and a unit delivered again writes nothing", () => {
    expect(first.map((o) => o.result)).toEqual(units.map(() => "ingested"));
    expect(second.map((o) => o.result)).toEqual(units.map(() => "repeat"));
  });

  it("lands every line exactly once, its line number as offset: none lost or doubled at a cut", async () => {
    const commits = (await store.list("_lakestream/commits/big_file/")).map((o) => {
      const m = /\+0\+(\d{20})-(\d{20})\.json$/.exec(o.key)!;
      return [Number(m[1]), Number(m[2])] as const;
    });
    commits.sort((a, b) => a[0] - b[0]);
    expect(commits[0]![0]).toBe(1);
    for (let i = 1; i < commits.length; i++) expect(commits[i]![0]).toBe(commits[i - 1]![1] + 1);
    expect(commits.at(-1)![1]).toBe(lines);
    const dir = await tempDir("files-big");
    await mirrorToDisk(store, dir);
    const [r] = await queryDuckDb(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS total, count(*) FILTER (WHERE _offset <> id) AS moved
       FROM read_parquet(${sqlString(`${dir}/big_file/**/*.parquet`)})`,
    );
    expect(Number(r!.n)).toBe(lines);
    expect(Number(r!.ids)).toBe(lines);
    expect(BigInt(String(r!.total))).toBe((BigInt(lines) * BigInt(lines + 1)) / 2n);
    expect(Number(r!.moved)).toBe(0);
  });
});
