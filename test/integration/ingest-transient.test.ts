import { describe, expect, it } from "vitest";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, type PutOptions, StorageError } from "../../shared/storage/object-store.ts";
import { lambdaContext, tempDir } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

/**
 * A real filesystem store whose puts of chosen keys fail like S3 throttling (503 SlowDown).
 * This fakes AWS's error because no local S3 server can be made to throttle on demand.
 */
function throttlingStore(inner: ObjectStore, failing: (key: string) => boolean): ObjectStore {
  return {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    put: (key: string, body: Uint8Array, options?: PutOptions) =>
      failing(key)
        ? Promise.reject(new StorageError(key, "SlowDown (faked S3 throttling)", true))
        : inner.put(key, body, options),
  };
}

describe("transient storage failures (faked S3 throttling, which no local server produces)", () => {
  it("answer with Lambda's partial batch response from the first unwritten offset; the retry lands the rest", async () => {
    const disk = new FsObjectStore(await tempDir("transient"));
    // Two partitions; event time spreads partition 1 over several hours, so it writes several files.
    const records = [
      ...sampleRawRecords(0, 400, { partition: 0, spacingMs: 60_000 }),
      ...sampleRawRecords(0, 400, { partition: 1, spacingMs: 60_000 }),
    ];
    const failHour = "hour=08/clickstream+1+";
    const flaky = createIngest({
      pipeline: clickstream,
      store: throttlingStore(disk, (k) => k.includes(failHour)),
    });
    const first = await flaky(sampleEvent(records));

    const failures = first.response.batchItemFailures;
    expect(failures).toHaveLength(1);
    const failedAt = failures[0]!.itemIdentifier;
    expect(failedAt.partition).toBe("clickstream-1");
    // Records 06:00 + n minutes: hour 08 starts at record 120.
    expect(failedAt.offset).toBe(120);
    expect(first.summary.batch).toEqual([
      { topic: "clickstream", partition: 0, first: 0, last: 399 },
      { topic: "clickstream", partition: 1, first: 0, last: 119 },
    ]);

    // Lambda re-sends partition 1 from the failed offset; the store has recovered.
    const retry = await createIngest({ pipeline: clickstream, store: disk })(
      sampleEvent(records.filter((r) => r.partition === 1 && r.offset >= failedAt.offset)),
    );
    expect(retry.response.batchItemFailures).toEqual([]);
    const offsets = new Set<string>();
    for (const s of [first.summary, retry.summary]) {
      for (const f of s.files) expect(await disk.get(f.key)).toBeDefined();
    }
    for (const r of first.summary.batch.concat(retry.summary.batch)) {
      for (let o = r.first; o <= r.last; o++) offsets.add(`${r.partition}/${o}`);
    }
    // Every offset of both partitions is covered by a commit record.
    expect(offsets.size).toBe(800);
  });

  it("answer a transient failure of the first read (the commit-record lookup) with a partial batch response, not an error (issue 11, item 3)", async () => {
    const disk = new FsObjectStore(await tempDir("transient-get"));
    const records = [
      ...sampleRawRecords(10, 50, { partition: 0 }),
      ...sampleRawRecords(20, 50, { partition: 1 }),
    ];
    const slowGets: ObjectStore = {
      url: disk.url,
      get: (k) => Promise.reject(new StorageError(k, "get failed (SlowDown, HTTP 503)", true)),
      list: (p) => disk.list(p),
      delete: (k) => disk.delete(k),
      put: (k, b, o) => disk.put(k, b, o),
    };
    const first = await createIngest({ pipeline: clickstream, store: slowGets })(sampleEvent(records));
    expect(first.response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: "clickstream-0", offset: 10 } },
      { itemIdentifier: { partition: "clickstream-1", offset: 20 } },
    ]);
    expect(first.summary.batch).toEqual([]);
    expect(await disk.list("")).toEqual([]);
    const retry = await createIngest({ pipeline: clickstream, store: disk })(sampleEvent(records));
    expect(retry.response.batchItemFailures).toEqual([]);
    expect(retry.summary.recordsIn).toBe(100);
  });

  it("run through the middy handler, bad records never fail the batch and the response is empty", async () => {
    const handler = createIngestHandler({
      pipeline: clickstream,
      store: new FsObjectStore(await tempDir("handler")),
    });
    const response = await handler(sampleEvent(sampleRawRecords(0, 200, { badEvery: 3 })), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(handler.lastSummary()?.quarantined).toBe(66);
  });
});
