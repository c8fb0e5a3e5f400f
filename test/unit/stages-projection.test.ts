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
import { createPlanStage } from "../../shared/runtime/stages/plan.ts";
import { readRows } from "../../shared/runtime/stages/read-rows.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";

// Compaction reads the hours around the one it rewrites for their key columns only. Two rows of
// one record with one key are ordered by their whole content: read in part, each hour would
// order them its own way and both rows (or neither) would be published. A flatMap that copies
// each event five minutes later, across the hour, makes such pairs.
const base = clickstream.transform;
const pipeline = definePipeline({
  ...clickstream,
  name: "clicks_pairs",
  transform: (record: Parameters<typeof base>[0]) => {
    const row = base(record) as Record<string, unknown> | null;
    if (row === null) return null;
    const later = new Date(Date.parse(row.ts as string) + 5 * 60_000).toISOString();
    return [row, { ...row, ts: later, type: "echo" }];
  },
  sink: { ...clickstream.sink, table: "clicks_pairs", tableFormat: "hive" },
  aggregations: undefined,
} as unknown as Parameters<typeof definePipeline>[0]);
const enc = new TextEncoder();
const HOURS = ["dt=2026-11-23/hour=06", "dt=2026-11-23/hour=07"];
let dir: string;
let store: FsObjectStore;

beforeAll(async () => {
  dir = await tempDir("projection");
  store = new FsObjectStore(dir, { durable: false });
  // Events from 06:56:40 on, one a second, in hour 06; their copies five minutes later in hour 07.
  const startMs = Date.UTC(2026, 10, 23, 6, 56, 40);
  const records = Array.from({ length: 60 }, (_, i) => {
    const s = sampleRecord(i, false, { startMs, spacingMs: 1000 });
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
  await createIngest({ pipeline, store })(
    encodeKafkaEvent(records, { eventSource: "SelfManagedKafka", bootstrapServers: "x" }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("compaction reading neighbouring hours in part", () => {
  it("publishes one row per event_id when a record's two rows share the key across the hour", async () => {
    const deps = { pipeline, store };
    const plan = await createPlanStage(deps)({
      pipeline: pipeline.name,
      now: "2026-11-24T00:00:00Z",
      runId: "pairs",
    });
    expect(plan.partitions).toEqual(HOURS);
    const compact = createCompactStage(deps);
    for (const partition of plan.partitions)
      await compact({ pipeline: pipeline.name, runId: "pairs", partition });

    const ids: string[] = [];
    for (const hour of HOURS) {
      const manifest = JSON.parse(
        new TextDecoder().decode(await store.get(`published/clicks_pairs/${hour}/_SUCCESS`)),
      ) as Manifest;
      for (const f of manifest.files) {
        for (const row of await readRows(f.key, (await store.get(f.key))!, fileSchema(pipeline)))
          ids.push(row.event_id as string);
      }
    }
    // 60 records, one in 50 dropped as bot traffic: each kept event is published exactly once.
    const events = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 50 !== 49).length;
    expect(ids).toHaveLength(events);
    expect(new Set(ids).size).toBe(events);
  });
});
