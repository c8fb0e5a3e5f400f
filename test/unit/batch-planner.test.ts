import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileBatchPlanner } from "../../shared/core/batch.ts";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { QuarantineLine } from "../../shared/core/quarantine-line.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

const plan = compileBatchPlanner(clickstream);

function quarantineLines(body: Uint8Array): QuarantineLine[] {
  return new TextDecoder()
    .decode(body)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const batchArb = fc.record({
  from: fc.integer({ min: 0, max: 1_000_000 }),
  count: fc.integer({ min: 1, max: 300 }),
  badEvery: fc.integer({ min: 2, max: 40 }),
  spacingMs: fc.integer({ min: 1, max: 120_000 }),
  partitions: fc.integer({ min: 1, max: 3 }),
});

function eventFor({
  from,
  count,
  badEvery,
  spacingMs,
  partitions,
}: typeof batchArb extends fc.Arbitrary<infer T> ? T : never) {
  const records = Array.from({ length: partitions }, (_, p) =>
    sampleRawRecords(from, count, { badEvery, spacingMs, partition: p }),
  ).flat();
  return { records, event: sampleEvent(records) };
}

describe("batch planner (pure core)", () => {
  it("puts every input record in exactly one place: rows in data files, a quarantine line, or filtered out", () => {
    fc.assert(
      fc.property(batchArb, (spec) => {
        const { records, event } = eventFor(spec);
        const p = plan(decodeKafkaEvent(event));
        const id = (t: string, part: number, o: number) => `${t}/${part}/${o}`;
        const withRows = new Set(p.rows.map((r) => id(r.record.topic, r.record.partition, r.record.offset)));
        const quarantined = p.quarantineFiles
          .flatMap((f) => quarantineLines(f.body))
          .map((l) => id(l.topic, l.partition, l.offset));
        expect(new Set(quarantined).size).toBe(quarantined.length);
        for (const q of quarantined) expect(withRows.has(q)).toBe(false);
        expect(withRows.size + quarantined.length + p.filtered).toBe(records.length);
        expect(p.recordsIn).toBe(records.length);
        expect(p.dataFiles.reduce((n, f) => n + f.rows, 0)).toBe(p.rows.length);
        expect(new Set(p.dataFiles.map((f) => f.key)).size).toBe(p.dataFiles.length);
      }),
      { numRuns: 40 },
    );
  });

  it("keeps the original bytes and a typed reason for each quarantined record", () => {
    const records = sampleRawRecords(0, 50, { badEvery: 5 });
    const p = plan(decodeKafkaEvent(sampleEvent(records)));
    const lines = p.quarantineFiles.flatMap((f) => quarantineLines(f.body));
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      const original = records.find((r) => r.offset === line.offset)!;
      expect(Buffer.from(line.value!, "base64")).toEqual(Buffer.from(original.value!));
      expect(Buffer.from(line.key!, "base64")).toEqual(Buffer.from(original.key!));
      expect(line.headers).toEqual([{ key: "source", value: Buffer.from("test").toString("base64") }]);
      expect(["DeserializeError", "SchemaViolationError", "TransformError"]).toContain(line.error.name);
      expect(line.error.message.length).toBeGreaterThan(0);
    }
  });

  it("gives byte-identical keys and files when the same batch is planned again (replay)", () => {
    fc.assert(
      fc.property(batchArb, (spec) => {
        const { event } = eventFor(spec);
        const a = plan(decodeKafkaEvent(event));
        const b = plan(decodeKafkaEvent(structuredClone(event)));
        expect(b.dataFiles.map((f) => f.key)).toEqual(a.dataFiles.map((f) => f.key));
        for (const [i, f] of b.dataFiles.entries())
          expect(Buffer.compare(f.body, a.dataFiles[i]!.body)).toBe(0);
        expect(b.quarantineFiles.map((f) => f.key)).toEqual(a.quarantineFiles.map((f) => f.key));
      }),
      { numRuns: 15 },
    );
  });

  it("writes the same files without row objects (keepRows: false) and reports each record's event time", () => {
    const columnsOnly = compileBatchPlanner(clickstream, { keepRows: false });
    fc.assert(
      fc.property(batchArb, (spec) => {
        const { event } = eventFor(spec);
        const a = plan(decodeKafkaEvent(event));
        const b = columnsOnly(decodeKafkaEvent(event));
        expect(b.rows).toEqual([]);
        expect(b.dataFiles.map((f) => [f.key, Buffer.from(f.body).toString("base64")])).toEqual(
          a.dataFiles.map((f) => [f.key, Buffer.from(f.body).toString("base64")]),
        );
        // clickstream writes one row per record: its event time is the row's `ts`.
        expect(b.eventTimes).toEqual(
          a.rows.map((r) => ({
            topic: r.record.topic,
            partition: r.record.partition,
            offset: r.record.offset,
            eventTime: r.values.ts,
          })),
        );
      }),
      { numRuns: 10 },
    );
  });

  it("names data files <table>/dt=/hour=/<topic>+<partition>+<first offset, 20 digits>.parquet from event time", () => {
    const records = sampleRawRecords(7, 3, { startMs: Date.UTC(2026, 0, 2, 3, 59, 52), spacingMs: 1000 });
    const p = plan(decodeKafkaEvent(sampleEvent(records)));
    expect(p.dataFiles.map((f) => f.key)).toEqual([
      "clickstream_events/dt=2026-01-02/hour=03/clickstream+0+00000000000000000007.parquet",
      "clickstream_events/dt=2026-01-02/hour=04/clickstream+0+00000000000000000008.parquet",
    ]);
  });

  it("never splits one record's flatMap rows across two files, even when the target size is tiny", () => {
    const flat = definePipeline({
      ...clickstream,
      name: "flat",
      transform: (r) => {
        const row = clickstream.transform(r) as Record<string, unknown> | null;
        return row ? [row, { ...row, type: "copy-1" }, { ...row, type: "copy-2" }] : null;
      },
      sink: { ...clickstream.sink, targetFileSizeMiB: 0.0005 },
    } as Parameters<typeof definePipeline>[0]);
    const p = compileBatchPlanner(flat)(decodeKafkaEvent(sampleEvent(sampleRawRecords(0, 120))));
    expect(p.dataFiles.length).toBeGreaterThan(10);
    for (const f of p.dataFiles) expect(f.rows % 3).toBe(0);
  });
});
