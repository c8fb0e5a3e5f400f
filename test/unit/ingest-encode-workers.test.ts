import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createEncodePool, type EncodePool } from "../../shared/runtime/encode-pool.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

const pools: EncodePool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});
const pool = (options: Parameters<typeof createEncodePool>[0]) => {
  const p = createEncodePool(options);
  pools.push(p);
  return p;
};

const records = [0, 1].flatMap((partition) =>
  sampleRawRecords(100, 900, { spacingMs: 60_000, badEvery: 29, partition }),
);

/** Every object of a lake folder by key, with its content's hash. */
async function lakeHashes(store: FsObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { key } of await store.list("")) {
    const body = await store.get(key);
    out.set(key, createHash("sha256").update(body!).digest("hex"));
  }
  return out;
}

describe("the ingest with its data files encoded on worker threads", () => {
  it("writes the same lake, byte for byte, with a worker pool as inline", async () => {
    const inline = new FsObjectStore(await tempDir("encode-inline"));
    const pooled = new FsObjectStore(await tempDir("encode-pooled"));
    await createIngest({ pipeline: clickstream, store: inline, encoder: pool({ workers: 0 }) })(
      sampleEvent(records),
    );
    const result = await createIngest({
      pipeline: clickstream,
      store: pooled,
      encoder: pool({ workers: 1 }),
    })(sampleEvent(records));
    expect(result.summary.files.length).toBeGreaterThan(10);
    const want = await lakeHashes(inline);
    expect(want.size).toBeGreaterThan(10);
    expect(await lakeHashes(pooled)).toEqual(want);
  });

  it("a worker dying mid-batch writes nothing and retries the whole batch; the retry lands all of it", async () => {
    const store = new FsObjectStore(await tempDir("encode-crash"));
    const dying = pool({
      workers: 1,
      workerUrl: new URL("./fixtures/exiting-encode-worker.mjs", import.meta.url),
    });
    const first = await createIngest({ pipeline: clickstream, store, encoder: dying })(sampleEvent(records));
    expect(first.failure).toMatch(/^EncodeWorkerError: encode worker \d+ died \(exit code 7\)/);
    expect(
      first.response.batchItemFailures
        .map((f) => f.itemIdentifier)
        .sort((a, b) => (a.partition < b.partition ? -1 : 1)),
    ).toEqual([
      { partition: "clickstream-0", offset: 100 },
      { partition: "clickstream-1", offset: 100 },
    ]);
    expect(await store.list("")).toEqual([]);

    const retry = await createIngest({ pipeline: clickstream, store, encoder: pool({ workers: 1 }) })(
      sampleEvent(records),
    );
    expect(retry.response.batchItemFailures).toEqual([]);
    expect(retry.summary.recordsIn).toBe(records.length);
    const reference = new FsObjectStore(await tempDir("encode-reference"));
    await createIngest({ pipeline: clickstream, store: reference, encoder: pool({ workers: 0 }) })(
      sampleEvent(records),
    );
    expect(await lakeHashes(store)).toEqual(await lakeHashes(reference));
  });
});
