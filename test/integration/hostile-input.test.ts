import { readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { QuarantineLine } from "../../shared/core/quarantine-line.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { sampleEvent } from "../helpers/sample-events.ts";
import { hostileRecord } from "./hostile-records.ts";

/**
 * Hostile input, generated (issue 11, "done when"): at least 1,000 Lambda Kafka events of
 * records built to break things (bytes that are not UTF-8 or JSON, values that climb out of
 * paths, impossible dates and timestamps, epoch seconds, giant numbers, long topics and
 * partition values, flatMap arrays, tombstones) go through the real ingest into a real lake on
 * disk. Nothing may crash or fail a batch, no key may leave the table's prefixes, and every
 * record must be accounted for exactly once: written, filtered or quarantined.
 */

const EVENTS = 1_000;
const LONG_TOPIC = `hostile.${"t".repeat(241)}`;
const TOPICS = ["hostile", LONG_TOPIC] as const;

const pipeline = definePipeline({
  name: "hostile",
  source: { topics: [...TOPICS], valueFormat: "json", keyFormat: "string" },
  schema: {
    id: { type: "string" },
    at: { type: "timestamp" },
    region: { type: "string" },
    day: { type: "date", nullable: true },
    n: { type: "int64", nullable: true },
    ratio: { type: "double", nullable: true },
    amount: { type: "decimal", precision: 10, scale: 2, nullable: true },
    tags: { type: "list", items: { type: "string", nullable: true }, nullable: true },
    geo: {
      type: "struct",
      fields: { country: { type: "string" }, seen: { type: "timestamp", nullable: true } },
      nullable: true,
    },
  },
  // A naive transform, as users write them: the value is the row (or rows), null filters it out.
  transform: ({ value }) => {
    if (value !== null && typeof value === "object" && "explode" in value) throw new Error("boom");
    return value as never;
  },
  partitioning: { eventTime: { field: "at" }, granularity: "hour", columns: ["region", "day"] },
  sink: { table: "hostile", format: "parquet", targetFileSizeMiB: 1 },
});

/** Only these prefixes may receive objects: the raw table, its quarantine and its commits. */
const ALLOWED = ["hostile/", "_quarantine/hostile/", "_lakestream/commits/hostile/"];

let root: string;
let store: FsObjectStore;
const keys: string[] = [];
const inputs = new Set<string>();
let filtered = 0;
let nextOffset = 0;

const coord = (topic: string, partition: number, offset: number) => `${topic}|${partition}|${offset}`;

function recording(inner: ObjectStore): ObjectStore {
  return {
    url: inner.url,
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    put: (k, b, o) => {
      keys.push(k);
      return inner.put(k, b, o);
    },
  };
}

const batchArb = fc.record({
  topic: fc.constantFrom(...TOPICS),
  partitions: fc.uniqueArray(fc.oneof(fc.nat(3), fc.constant(2_147_483_647)), { minLength: 1, maxLength: 3 }),
  records: fc.array(hostileRecord, { minLength: 1, maxLength: 12 }),
});

beforeAll(async () => {
  root = await tempDir("hostile");
  store = new FsObjectStore(root, { durable: false });
});

describe(`${EVENTS} generated hostile events through the real ingest`, () => {
  it("crash nothing, fail no batch and write only under the table's prefixes", async () => {
    const ingest = createIngest({ pipeline, store: recording(store) });
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ topic, partitions, records }) => {
        const raw: RawRecord[] = [];
        for (const partition of partitions) {
          // Offsets far apart and near the top of the safe range; never reused across events.
          const base = Number.MAX_SAFE_INTEGER - 10_000_000 + nextOffset;
          nextOffset += records.length + 1;
          records.forEach((r, i) => {
            raw.push({ ...r, topic, partition, offset: base + i });
            inputs.add(coord(topic, partition, base + i));
          });
        }
        const result = await ingest(sampleEvent(raw));
        expect(result.response.batchItemFailures).toEqual([]);
        expect(result.summary.recordsIn).toBe(raw.length);
        filtered += result.summary.filtered;
      }),
      { numRuns: EVENTS, endOnFailure: true },
    );
    expect(keys.length).toBeGreaterThan(EVENTS);
    for (const key of keys) {
      expect(
        ALLOWED.some((p) => key.startsWith(p)),
        key,
      ).toBe(true);
      for (const segment of key.split("/")) {
        expect(segment === "." || segment === ".." || segment === "", key).toBe(false);
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
      }
    }
    const real = await realpath(root);
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    for (const e of entries) expect((await realpath(join(e.parentPath, e.name))).startsWith(real)).toBe(true);
  });

  it("account for every record once: written, filtered or quarantined", async () => {
    const written = await queryDuckDb(
      `SELECT DISTINCT _topic AS t, _partition AS p, CAST(_offset AS VARCHAR) AS o
       FROM read_parquet(${sqlString(join(root, "hostile/**/*.parquet"))}, hive_partitioning = false)`,
    );
    const writtenSet = new Set(written.map((r) => coord(String(r.t), Number(r.p), Number(r.o))));
    const quarantined: string[] = [];
    for (const { key } of await store.list("_quarantine/hostile/")) {
      const text = new TextDecoder().decode(await store.get(key));
      for (const line of text.trim().split("\n")) {
        const q = JSON.parse(line) as QuarantineLine;
        expect(q.error.message.length).toBeGreaterThan(0);
        quarantined.push(coord(q.topic, q.partition, q.offset));
      }
    }
    const quarantinedSet = new Set(quarantined);
    expect(quarantinedSet.size).toBe(quarantined.length);
    for (const c of quarantinedSet) expect(writtenSet.has(c), c).toBe(false);
    for (const c of [...writtenSet, ...quarantinedSet]) expect(inputs.has(c), c).toBe(true);
    expect(writtenSet.size + quarantinedSet.size + filtered).toBe(inputs.size);
    // The generator must reach every outcome, or the test proves less than it says.
    expect(writtenSet.size).toBeGreaterThan(inputs.size / 20);
    expect(quarantinedSet.size).toBeGreaterThan(inputs.size / 4);
    expect(filtered).toBeGreaterThan(0);
  });
});
