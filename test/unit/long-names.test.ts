import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conflictFileKey, dataFileKey, quarantineKey } from "../../shared/core/keys.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { sampleEvent } from "../helpers/sample-events.ts";

/** Regression tests of issue 11, item 4: keys stay within file-name limits for every legal topic. */

const LONGEST_TOPIC = "t".repeat(249);
const text = new TextEncoder();

function pipelineFor(topic: string, columns: string[] = []) {
  const schema: Record<string, { type: "string" }> = { v: { type: "string" } };
  for (const c of columns) schema[c] = { type: "string" };
  return definePipeline({
    name: "long_names",
    source: { topics: [topic], valueFormat: "json" },
    schema,
    transform: ({ value }) => value as Record<string, string>,
    partitioning: { eventTime: "kafka-timestamp", granularity: "hour", columns },
    sink: { table: "long_names", format: "parquet" },
  });
}

function records(topic: string, values: unknown[]) {
  return values.map((v, offset) => ({
    topic,
    partition: 2_147_483_647,
    offset: Number.MAX_SAFE_INTEGER - values.length + offset,
    timestamp: Date.UTC(2026, 10, 23, 7),
    timestampType: "CREATE_TIME" as const,
    key: null,
    value: text.encode(typeof v === "string" ? v : JSON.stringify(v)),
    headers: [],
  }));
}

describe("object keys for long Kafka topic names (issue 11, item 4)", () => {
  it("keep every file name within 255 bytes and every key within S3's 1,024, for every legal topic", () => {
    const topic = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._-]{1,249}$/),
      fc.stringMatching(/^[A-Za-z0-9._-]{180,249}$/),
      fc.constant(LONGEST_TOPIC),
    );
    fc.assert(
      fc.property(topic, fc.nat(2_147_483_647), fc.nat(), (t, partition, offset) => {
        const data = dataFileKey("table", "dt=2026-11-23/hour=07", t, partition, offset, "jsonl.gz");
        const keys = [
          data,
          conflictFileKey(data, Number.MAX_SAFE_INTEGER),
          quarantineKey("_quarantine", "table", t, partition, offset),
        ];
        for (const key of keys) {
          for (const segment of key.split("/")) expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
          expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
        }
        // Two topics never share a file name.
        expect(dataFileKey("table", "p", t, partition, offset, "parquet")).not.toBe(
          dataFileKey("table", "p", `${t}x`.slice(-249), partition, offset, "parquet"),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("ingest a 249-character topic into a lake on disk, good and bad records alike", async () => {
    const pipeline = pipelineFor(LONGEST_TOPIC);
    const store = new FsObjectStore(await tempDir("long-topic"), { durable: false });
    const ingest = createIngest({ pipeline, store });
    const result = await ingest(sampleEvent(records(LONGEST_TOPIC, [{ v: "a" }, "not json", { v: "b" }])));
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ rowsWritten: 2, quarantined: 1 });
    const keys = (await store.list("")).map((o) => o.key);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key.split("/").at(-1)!.length).toBeLessThanOrEqual(255);
  });

  it("quarantine a record whose partition path would make the key too long, and land the rest", async () => {
    const columns = ["c1", "c2", "c3", "c4", "c5"];
    const pipeline = pipelineFor("t", columns);
    const store = new FsObjectStore(await tempDir("long-path"), { durable: false });
    const long = Object.fromEntries(columns.map((c) => [c, "x".repeat(190)]));
    const short = Object.fromEntries(columns.map((c) => [c, "x"]));
    const result = await createIngest({ pipeline, store })(
      sampleEvent(
        records("t", [
          { v: "a", ...short },
          { v: "b", ...long },
        ]),
      ),
    );
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ rowsWritten: 1, quarantined: 1 });
    const line = JSON.parse(
      new TextDecoder().decode(await store.get(result.summary.quarantineFiles[0]!)).trim(),
    );
    expect(line.error).toMatchObject({ name: "PartitionValueError" });
    expect(line.error.message).toMatch(/partition path .* longer than/);
  });
});
