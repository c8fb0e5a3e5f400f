import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Manifest } from "../../shared/core/stages/manifest.ts";
import { fileSchema } from "../../shared/core/table-layout.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { createCompactStage } from "../../shared/runtime/stages/compact.ts";
import { createMaintainStage } from "../../shared/runtime/stages/maintain.ts";
import { createPlanStage } from "../../shared/runtime/stages/plan.ts";
import { readRows } from "../../shared/runtime/stages/read-rows.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { tempDir } from "../helpers/lake.ts";

// ~20 KiB files: a few dozen small raw files make several compacted ones. The Hive-layout
// publish (`_SUCCESS` manifests) is what these tests pin; Iceberg tables have their own.
const pipeline = definePipeline({
  ...clickstream,
  name: "clicks_small",
  sink: { ...clickstream.sink, table: "clicks_small", targetFileSizeMiB: 0.02, tableFormat: "hive" },
  aggregations: undefined,
} as unknown as Parameters<typeof definePipeline>[0]);
const HOUR = "dt=2026-11-23/hour=06";
// The transform drops every 50th record (bot traffic): offsets 49, 99, … have no row.
const kept = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 50 !== 49);
const enc = new TextEncoder();
let dir: string;
let store: FsObjectStore;

async function ingestBatches(batches: number, perBatch: number): Promise<void> {
  const ingest = createIngest({ pipeline, store });
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: perBatch }, (_, j) => {
      const i = b * perBatch + j;
      const s = sampleRecord(i, false, { spacingMs: 1000 });
      return {
        topic: "clickstream",
        partition: 0,
        offset: i,
        timestamp: s.eventTime,
        timestampType: "CREATE_TIME" as const,
        key: enc.encode(s.key),
        value: s.value,
        headers: [],
      };
    });
    await ingest(encodeKafkaEvent(records, { eventSource: "SelfManagedKafka", bootstrapServers: "x" }));
  }
}

async function runCompact(s: ObjectStore, runId: string, force = false) {
  const plan = await createPlanStage({ pipeline, store: s })({
    pipeline: pipeline.name,
    now: "2026-11-24T00:00:00Z",
    runId,
    force,
  });
  const out = await createCompactStage({ pipeline, store: s })({
    pipeline: pipeline.name,
    runId,
    partition: plan.partitions[0],
  });
  // The run's last stage removes what no manifest lists any more (the only stage that deletes).
  await createMaintainStage({ pipeline, store: s })({ pipeline: pipeline.name });
  return out;
}

async function snapshot(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { key } of await store.list(prefix))
    out.set(key, Buffer.from((await store.get(key))!).toString("base64"));
  return out;
}

beforeAll(async () => {
  dir = await tempDir("compact");
  store = new FsObjectStore(dir, { durable: false });
  await ingestBatches(30, 40);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("compact", () => {
  it("turns N small raw files into ceil(size / target) files, lists exactly them in the manifest, and the folder ends holding just those", async () => {
    const raw = await store.list(`clicks_small/${HOUR}/`);
    const rawBytes = raw.reduce((n, f) => n + f.size, 0);
    const expected = Math.ceil(rawBytes / (0.02 * 1024 * 1024));
    expect(raw.length).toBe(30);
    expect(expected).toBeGreaterThan(1);

    // A file left by a run killed midway on other input: not in any manifest, so it must go.
    const orphan = `published/clicks_small/${HOUR}/part-00000-0000000000orphan0000.parquet`;
    await store.put(orphan, enc.encode("half a file"));

    const out = await runCompact(store, "first");
    expect(out).toMatchObject({
      filesIn: 30,
      rowsIn: 1176,
      rowsOut: 1176,
      duplicates: 0,
      filesOut: expected,
    });
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get(`published/clicks_small/${HOUR}/_SUCCESS`)),
    ) as Manifest;
    const listed = (await store.list(`published/clicks_small/${HOUR}/`)).map((f) => f.key);
    expect(listed.filter((k) => k.endsWith(".parquet"))).toEqual(manifest.files.map((f) => f.key));
    expect(manifest.files).toHaveLength(expected);
    expect(manifest.offsets).toEqual([
      { topic: "clickstream", partition: 0, first: 0, last: 1198, offsets: 1176 },
    ]);
    expect(manifest.files.every((f) => f.bytes <= 0.02 * 1024 * 1024)).toBe(true);

    const offsets: bigint[] = [];
    for (const f of manifest.files) {
      for (const r of await readRows(f.key, (await store.get(f.key))!, fileSchema(pipeline))) {
        offsets.push(r._offset as bigint);
      }
    }
    expect(offsets).toEqual(kept(1200).map(BigInt));
  });

  it("changes nothing when run again on the same input, even forced", async () => {
    const before = await snapshot("published/");
    const out = await runCompact(store, "second", true);
    expect(out.unchanged).toBe(1);
    expect(await snapshot("published/")).toEqual(before);
  });

  it("finishes the same version when rerun after a crash between data files and manifest", async () => {
    // Replaying half of the batches under other cuts (bisected) adds overlapping raw files.
    const ingest = createIngest({ pipeline, store });
    const records = Array.from({ length: 30 }, (_, j) => {
      const s = sampleRecord(500 + j, false, { spacingMs: 1000 });
      return {
        topic: "clickstream",
        partition: 0,
        offset: 500 + j,
        timestamp: s.eventTime,
        timestampType: "CREATE_TIME" as const,
        key: enc.encode(s.key),
        value: s.value,
        headers: [],
      };
    });
    await ingest(encodeKafkaEvent(records, { eventSource: "SelfManagedKafka", bootstrapServers: "x" }));
    let puts = 0;
    const crashing: ObjectStore = {
      url: store.url,
      get: (k) => store.get(k),
      list: (p) => store.list(p),
      delete: (k) => store.delete(k),
      put: async (k, b, o) => {
        if (k.startsWith("published/") && ++puts === 2) throw new Error("killed");
        return store.put(k, b, o);
      },
    };
    await expect(runCompact(crashing, "crash")).rejects.toThrow("killed");
    const out = await runCompact(store, "rerun");
    expect(out).toMatchObject({ rowsIn: 1176 + 30, duplicates: 30, rowsOut: 1176 });
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get(`published/clicks_small/${HOUR}/_SUCCESS`)),
    ) as Manifest;
    const listed = (await store.list(`published/clicks_small/${HOUR}/`)).map((f) => f.key);
    expect(listed.filter((k) => k.endsWith(".parquet"))).toEqual(manifest.files.map((f) => f.key));
    expect(manifest.runId).toBe("rerun");
  });

  it("drops an upstream's replay (the same events at new offsets) by event_id and counts it apart", async () => {
    const ingest = createIngest({ pipeline, store });
    // Written back a week later by another engine: new offsets, wall-clock Kafka timestamps.
    const replay = Array.from({ length: 40 }, (_, j) => {
      const s = sampleRecord(j, false, { spacingMs: 1000 });
      return {
        topic: "clickstream",
        partition: 0,
        offset: 5000 + j,
        timestamp: Date.UTC(2026, 10, 30),
        timestampType: "CREATE_TIME" as const,
        key: enc.encode(s.key),
        value: s.value,
        headers: [],
      };
    });
    await ingest(encodeKafkaEvent(replay, { eventSource: "SelfManagedKafka", bootstrapServers: "x" }));
    const out = await runCompact(store, "replayed");
    expect(out).toMatchObject({ rowsIn: 1176 + 30 + 40, duplicates: 30, keyDuplicates: 40, rowsOut: 1176 });
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get(`published/clicks_small/${HOUR}/_SUCCESS`)),
    ) as Manifest;
    // The first deliveries stay: no published row comes from the replay's offsets.
    expect(manifest.offsets).toEqual([
      { topic: "clickstream", partition: 0, first: 0, last: 1198, offsets: 1176 },
    ]);
  });
});
