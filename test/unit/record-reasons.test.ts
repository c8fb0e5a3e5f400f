import { describe, expect, it } from "vitest";
import { compileBatchPlanner } from "../../shared/core/batch.ts";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { compileRecordProcessor, type RecordOutcome } from "../../shared/core/process-record.ts";
import type { QuarantineLine } from "../../shared/core/quarantine-line.ts";
import { compileNormalizer } from "../../shared/core/row-normalize.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { sampleRawRecords } from "../helpers/sample-events.ts";

/**
 * Regression tests of issue 11, items 1, 6 and 7: hostile record values go to quarantine with
 * a reason that names what is wrong, and never fail the batch.
 */

const text = new TextEncoder();
const plan = compileBatchPlanner(clickstream);

function lines(body: Uint8Array): QuarantineLine[] {
  return new TextDecoder()
    .decode(body)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as QuarantineLine);
}

function raw(offset: number, value: string | Uint8Array, over: Partial<RawRecord> = {}): RawRecord {
  return {
    topic: "t",
    partition: 0,
    offset,
    timestamp: Date.UTC(2026, 10, 23, 7),
    timestampType: "CREATE_TIME",
    key: null,
    value: typeof value === "string" ? text.encode(value) : value,
    headers: [],
    ...over,
  };
}

function quarantinedError(outcome: RecordOutcome) {
  if (outcome.kind !== "quarantined") throw new Error(`expected quarantine, got ${outcome.kind}`);
  return outcome.error;
}

describe("Kafka timestamps outside the Parquet timestamp range (issue 11, item 1)", () => {
  it.each([2 ** 63, 1.5, 1e300, -1e300, 8.64e15 + 1])(
    "quarantine a record stamped %s and land the rest of the batch",
    (timestamp) => {
      const records = sampleRawRecords(0, 20);
      const hostile = records.map((r, i) => (i === 7 ? { ...r, timestamp } : r));
      const p = plan([{ topic: "clickstream", partition: 0, records: hostile }]);
      expect(p.quarantined).toBe(1);
      const [line] = p.quarantineFiles.flatMap((f) => lines(f.body));
      expect(line).toMatchObject({ offset: 7, error: { name: "KafkaTimestampError" } });
      expect(line!.error.message).toMatch(/Kafka timestamp .* epoch milliseconds/);
      expect(p.dataFiles.reduce((n, f) => n + f.rows, 0) + p.filtered).toBe(19);
    },
  );

  it("quarantines a timestamp column whose integer millis would overflow Parquet's microseconds", () => {
    const t = compileNormalizer({ type: "timestamp" });
    expect(() => t(1e300, "ts")).toThrow(/outside the range of a timestamp/);
    expect(() => t(9.3e15, "ts")).toThrow(/outside the range of a timestamp/);
    expect(t(8.64e15, "ts")).toBe(8.64e15);
  });
});

describe("impossible dates and epoch seconds (issue 11, item 6)", () => {
  it.each(["2026-02-30T10:00:00Z", "2026-02-29T00:00Z", "2026-04-31T23:00:00+02:00", "2026-02-30"])(
    "refuses the timestamp %s instead of moving it to another day",
    (value) => {
      expect(() => compileNormalizer({ type: "timestamp" })(value, "ts")).toThrow(/no such day/);
    },
  );

  it("accepts a leap day and the last day of a month", () => {
    const t = compileNormalizer({ type: "timestamp" });
    expect(t("2028-02-29T12:00:00Z", "ts")).toBe(Date.UTC(2028, 1, 29, 12));
    expect(t("2026-04-30T23:00:00+02:00", "ts")).toBe(Date.UTC(2026, 3, 30, 21));
  });

  it("refuses a number that reads as epoch seconds, naming the unit setting", () => {
    const t = compileNormalizer({ type: "timestamp" });
    expect(() => t(1_764_000_000, "ts")).toThrow(/epoch seconds\? .*unit: "s"/);
    expect(t(1_764_000_000_000, "ts")).toBe(1_764_000_000_000);
  });

  it("reads numbers as the column's declared unit", () => {
    expect(compileNormalizer({ type: "timestamp", unit: "s" })(1_764_000_000, "ts")).toBe(1_764_000_000_000);
    expect(compileNormalizer({ type: "timestamp", unit: "s" })(1_764_000_000.25, "ts")).toBe(
      1_764_000_000_250,
    );
    expect(() => compileNormalizer({ type: "timestamp", unit: "s" })(0.0001, "ts")).toThrow(/millisecond/);
    expect(compileNormalizer({ type: "timestamp", unit: "ms" })(1_764_000_000, "ts")).toBe(1_764_000_000);
    expect(() =>
      definePipeline({ ...clickstreamInput(), schema: { ts: { type: "timestamp", unit: "h" as "s" } } }),
    ).toThrow(/schema\.ts\.unit/);
  });
});

describe("reasons name what is wrong (issue 11, item 7)", () => {
  const strings = definePipeline({
    ...clickstreamInput(),
    source: { topics: ["t"], valueFormat: "string", keyFormat: "string" },
    schema: { v: { type: "string" }, k: { type: "string", nullable: true } },
    transform: ({ value, key }) => ({ v: value, k: key }),
    partitioning: { eventTime: "kafka-timestamp", granularity: "hour", columns: ["v"] },
  });
  const process = compileRecordProcessor(strings);

  it("says the key, not the value, is invalid UTF-8", () => {
    const error = quarantinedError(process(raw(1, "fine", { key: Uint8Array.of(0xc3, 0x28) })));
    expect(error.name).toBe("DeserializeError");
    expect(error.message).toMatch(/key is not valid UTF-8/);
    expect(error.message).not.toMatch(/value/);
    expect((error as unknown as { field: string }).field).toBe("key");
    const bad = quarantinedError(process(raw(2, Uint8Array.of(0xff))));
    expect(bad.message).toMatch(/value is not valid UTF-8/);
  });

  it("reports an over-long partition value as a partition value error naming the column", () => {
    const error = quarantinedError(process(raw(3, "x".repeat(300))));
    expect(error.name).toBe("PartitionValueError");
    expect(error.message).toMatch(/^v: .*longer than 200 bytes/);
    expect((error as unknown as { field: string }).field).toBe("v");
  });

  it("keeps EventTimeError for an event time outside years 1970-9999", () => {
    const error = quarantinedError(process(raw(4, "ok", { timestamp: -5 })));
    expect(error.name).toBe("EventTimeError");
  });
});

function clickstreamInput() {
  return {
    name: "reasons",
    source: { topics: ["t"], valueFormat: "json" as const },
    schema: { ts: { type: "timestamp" as const } },
    transform: () => null,
    partitioning: { eventTime: "kafka-timestamp" as const, granularity: "hour" as const },
    sink: { table: "reasons", format: "parquet" as const },
  };
}
