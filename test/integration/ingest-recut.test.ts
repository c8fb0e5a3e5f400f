import { describe, expect, it } from "vitest";
import type { QuarantineLine } from "../../shared/core/quarantine-line.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { type ObjectStore, StorageError } from "../../shared/storage/object-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

/**
 * Regression test of issue 11, item 9: a batch re-cut on retry wrote its bad records to
 * quarantine again (14 lines for 6 bad records). The faults are faked on a real disk store
 * (S3-style transient errors at chosen keys), which no local server produces on demand.
 */

const records = sampleRawRecords(0, 200, { badEvery: 10, spacingMs: 60_000 });
const badOffsets = records.filter((r) => r.offset % 10 === 9).map((r) => r.offset);

/** A store whose chosen puts fail `times` times; `afterWrite` fails them after the object landed (a lost reply). */
function flaky(inner: ObjectStore, fails: (key: string) => boolean, times: number, afterWrite = false) {
  let left = times;
  const store: ObjectStore = {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    put: async (k, b, o) => {
      if (!fails(k) || left <= 0) return inner.put(k, b, o);
      left--;
      if (afterWrite) await inner.put(k, b, o);
      throw new StorageError(k, "put failed (InternalError, HTTP 500)", true);
    },
  };
  return store;
}

async function quarantinedOffsets(store: ObjectStore): Promise<number[]> {
  const out: number[] = [];
  for (const { key } of await store.list("_quarantine/")) {
    const text = new TextDecoder().decode(await store.get(key));
    for (const line of text.trim().split("\n")) out.push((JSON.parse(line) as QuarantineLine).offset);
  }
  return out.sort((a, b) => a - b);
}

/** Feeds `from` onwards until the ingest answers without failures, the way the event source retries. */
async function untilDone(ingest: ReturnType<typeof createIngest>, from: number, to: number): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const batch = records.filter((r) => r.offset >= from && r.offset < to);
    const { response } = await ingest(sampleEvent(batch));
    const failure = response.batchItemFailures[0];
    if (!failure) return;
    from = failure.itemIdentifier.offset;
  }
  throw new Error("never finished");
}

describe("quarantine lines of a batch re-cut on retry (issue 11, item 9)", () => {
  it("are written once when a data file fails and the retry resumes at its first offset", async () => {
    const disk = new FsObjectStore(await tempDir("recut-data"), { durable: false });
    // Hour 08 starts at record 120: its file fails once, the earlier hours land.
    const store = flaky(disk, (k) => k.includes("hour=08/"), 1);
    await untilDone(createIngest({ pipeline: clickstream, store }), 0, 200);
    expect(await quarantinedOffsets(disk)).toEqual(badOffsets);
  });

  it("are written once when the commit fails and the retry is a longer batch from the same start", async () => {
    const disk = new FsObjectStore(await tempDir("recut-commit"), { durable: false });
    const store = flaky(disk, (k) => k.startsWith("_lakestream/commits/"), 1);
    const ingest = createIngest({ pipeline: clickstream, store });
    const first = await ingest(sampleEvent(records.slice(0, 100)));
    expect(first.response.batchItemFailures).toHaveLength(1);
    await untilDone(ingest, 0, 200);
    expect(await quarantinedOffsets(disk)).toEqual(badOffsets);
  });

  it("are written once when a quarantine write landed but its reply was lost", async () => {
    const disk = new FsObjectStore(await tempDir("recut-lost"), { durable: false });
    const store = flaky(disk, (k) => k.startsWith("_quarantine/"), 1, true);
    const ingest = createIngest({ pipeline: clickstream, store });
    const first = await ingest(sampleEvent(records.slice(0, 100)));
    expect(first.response.batchItemFailures).toEqual([]);
    await untilDone(ingest, 100, 200);
    expect(await quarantinedOffsets(disk)).toEqual(badOffsets);
  });
});
