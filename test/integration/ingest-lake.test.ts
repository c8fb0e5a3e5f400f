import { describe, expect, it } from "vitest";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { mirrorToDisk, tempDir } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";

const BAD_EVERY = 13;
const COUNT = 3000;

/** What a correct lake holds for records [0, COUNT): good, non-bot records and the sum of their amounts. */
function expected() {
  let rows = 0;
  let cents = 0;
  for (let i = 0; i < COUNT; i++) {
    const s = sampleRecord(i, i % BAD_EVERY === BAD_EVERY - 1, { spacingMs: 5000 });
    if (s.bad || s.bot) continue;
    rows++;
    cents += s.amountCents;
  }
  return { rows, cents, bad: Math.floor(COUNT / BAD_EVERY) };
}

async function ingestAll(store: ObjectStore) {
  const ingest = createIngest({ pipeline: clickstream, store });
  const summaries = [];
  for (let from = 0; from < COUNT; from += 1000) {
    const event = sampleEvent(sampleRawRecords(from, 1000, { badEvery: BAD_EVERY, spacingMs: 5000 }));
    summaries.push(await ingest(event));
  }
  return { ingest, summaries };
}

async function checkWithDuckDb(lakeDir: string) {
  const glob = sqlString(`${lakeDir}/clickstream_events/**/*.parquet`);
  const from = `read_parquet(${glob}, hive_partitioning = true)`;
  const [totals] = await queryDuckDb(
    `SELECT count(*) AS n, sum(amount) AS total, count(DISTINCT _offset) AS offsets FROM ${from}`,
  );
  const want = expected();
  expect(Number(totals!.n)).toBe(want.rows);
  expect(Number(totals!.offsets)).toBe(want.rows);
  expect(Number(totals!.total)).toBeCloseTo(want.cents / 100, 2);
  const types = Object.fromEntries(
    (await queryDuckDb(`DESCRIBE SELECT * FROM ${from}`)).map((r) => [r.column_name, r.column_type]),
  );
  expect(types).toMatchObject({
    event_id: "VARCHAR",
    user_id: "BIGINT",
    ts: "TIMESTAMP WITH TIME ZONE",
    amount: "DECIMAL(12,2)",
    tags: "VARCHAR[]",
    geo: "STRUCT(country VARCHAR, city VARCHAR)",
    is_mobile: "BOOLEAN",
    _topic: "VARCHAR",
    _partition: "INTEGER",
    _offset: "BIGINT",
    _ts: "TIMESTAMP WITH TIME ZONE",
  });
  const [hours] = await queryDuckDb(
    `SELECT count(*) AS n FROM ${from} WHERE strftime(ts, '%Y-%m-%d') <> CAST(dt AS VARCHAR) OR hour(ts) <> CAST(hour AS INTEGER)`,
  );
  expect(Number(hours!.n)).toBe(0);
}

describe.each([
  ["filesystem", async () => ({ store: new FsObjectStore(await tempDir("lake")), s3: false })],
  [
    "real S3 server (S3Proxy)",
    async () => ({
      store: openStore({ bucket: await freshBucket("ingest"), endpoint: s3Endpoint() }),
      s3: true,
    }),
  ],
])("ingest into a lake on the %s", (_name, open) => {
  it("lands every good record where DuckDB reads it with the schema's types, and quarantines every bad one with its bytes", async () => {
    const { store } = await open();
    const { summaries } = await ingestAll(store);
    const lakeDir = await tempDir("mirror");
    await mirrorToDisk(store, lakeDir);
    await checkWithDuckDb(lakeDir);

    const want = expected();
    expect(summaries.reduce((n, s) => n + s.summary.quarantined, 0)).toBe(want.bad);
    const lines = [];
    for (const { key } of await store.list("_quarantine/clickstream_events/")) {
      const text = new TextDecoder().decode(await store.get(key));
      lines.push(
        ...text
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      );
    }
    expect(lines).toHaveLength(want.bad);
    for (const line of lines) {
      const original = sampleRecord(line.offset, true, { spacingMs: 5000 });
      expect(Buffer.from(line.value, "base64").equals(Buffer.from(original.value))).toBe(true);
      expect(line.error.name).toMatch(/Error$/);
    }
  });

  it("writes nothing new and returns the identical summary when the same batch comes again", async () => {
    const { store } = await open();
    const ingest = createIngest({ pipeline: clickstream, store });
    const event = sampleEvent(sampleRawRecords(0, 500, { badEvery: 7, spacingMs: 60_000 }));
    const first = await ingest(event);
    const before = await store.list("");
    const again = await ingest(structuredClone(event));
    expect(await store.list("")).toEqual(before);
    expect(again.summary).toEqual(first.summary);
    expect(again.replay).toBe(true);
    expect(first.replay).toBe(false);
    expect(first.summary.files.length).toBeGreaterThan(1);
  });
});
