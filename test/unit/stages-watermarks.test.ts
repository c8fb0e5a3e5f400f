import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { dedupeRows, type LineageRow } from "../../shared/core/stages/dedupe.ts";
import {
  type CommitView,
  maxEventTimes,
  ROW_WATERMARK,
  watermarkedFiles,
} from "../../shared/core/stages/watermarks.ts";

const M = 60_000;
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const L = 30 * M;

const pipeline = (eventTime: "kafka-timestamp" | { field: string }) =>
  definePipeline({
    name: "orders",
    source: { topics: ["orders"], valueFormat: "json" as const },
    schema: { at: { type: "timestamp" as const } },
    transform: () => null,
    partitioning: { eventTime, granularity: "hour" as const },
    sink: { table: "orders", format: "parquet" as const },
  });

const ingested = (offset: number, at: number, timestamp = T0 + 7 * 24 * 60 * M, partition = 0) => ({
  values: { at },
  record: { topic: "orders", partition, offset, timestamp },
});

/** A commit record of one topic-partition range with one file and the range's largest event time. */
function commit(
  first: number,
  last: number,
  max: number | null,
  partition = 0,
  file = `f${first}-${last}`,
): CommitView {
  const range = { topic: "orders", partition, first, last };
  return {
    batch: [range],
    files: [{ key: fileKey(partition, first, file), partition: "dt=2026-11-23/hour=06", rows: 1 }],
    maxEventTimes: [{ ...range, maxEventTime: max }],
  };
}
/** Raw file keys as ingest writes them; a `name=` folder tells the test's files apart. */
const fileKey = (partition: number, first: number, name: string) =>
  `orders/dt=2026-11-23/hour=06/name=${name}/orders+${partition}+${String(first).padStart(20, "0")}.parquet`;
const byKey = (files: ReturnType<typeof watermarkedFiles>) =>
  Object.fromEntries(files.map((f) => [/name=([^/]+)/.exec(f.key)![1], f.watermark]));

describe("maxEventTimes (what ingest puts in a commit record)", () => {
  it("takes the event-time field, not the Kafka timestamp, per committed range", () => {
    const rows = [
      ingested(0, T0 + 5 * M),
      ingested(1, T0 + 9 * M),
      ingested(2, T0 + 20 * M),
      ingested(3, T0, T0, 1),
    ];
    const ranges = [
      { topic: "orders", partition: 0, first: 0, last: 1 }, // offset 2 landed past a failure: not committed
      { topic: "orders", partition: 1, first: 3, last: 3 },
      { topic: "orders", partition: 2, first: 0, last: 9 },
    ];
    expect(maxEventTimes(pipeline({ field: "at" }), rows, ranges).map((r) => r.maxEventTime)).toEqual([
      T0 + 9 * M,
      T0,
      null,
    ]);
    expect(maxEventTimes(pipeline("kafka-timestamp"), rows, ranges.slice(0, 1))[0]!.maxEventTime).toBe(
      T0 + 7 * 24 * 60 * M,
    );
  });
});

describe("watermarkedFiles (what the plan hands to aggregate)", () => {
  it("gives a batch the largest event time of earlier batches of its topic-partition minus the lateness", () => {
    const files = watermarkedFiles(
      [
        commit(200, 299, T0 + 250 * M, 0, "fc"),
        commit(0, 99, T0 + 100 * M, 0, "fa"),
        commit(100, 199, T0 + 300 * M, 0, "fb"),
        commit(0, 49, T0 + 900 * M, 1, "fp1"),
        commit(50, 60, T0, 1, "fq1"),
      ],
      L,
    );
    expect(byKey(files)).toEqual({
      fa: undefined, // no earlier batch: never late
      fb: T0 + 100 * M - L,
      fc: T0 + 300 * M - L, // an earlier batch's maximum holds, though this batch's is lower
      fp1: undefined,
      fq1: T0 + 900 * M - L, // partitions are independent
    });
  });

  it("skips ranges without rows and commit records written before watermarks existed", () => {
    const old = { ...commit(100, 199, T0 + 500 * M, 0, "fold") } as CommitView & { maxEventTimes?: unknown };
    delete old.maxEventTimes;
    const files = watermarkedFiles([commit(0, 99, null, 0, "fa"), old, commit(200, 299, T0, 0, "fc")], L);
    expect(byKey(files)).toEqual({ fa: undefined, fold: undefined, fc: undefined });
  });

  it("maps the files of a several-partition batch by their key, and gives a file listed twice the lower watermark", () => {
    const two: CommitView = {
      batch: [
        { topic: "orders", partition: 0, first: 100, last: 199 },
        { topic: "orders", partition: 1, first: 10, last: 19 },
      ],
      files: [
        { key: fileKey(0, 100, "fx0"), partition: "dt=2026-11-23/hour=06", rows: 1 },
        { key: fileKey(1, 10, "fx1"), partition: "dt=2026-11-23/hour=06", rows: 1 },
      ],
      maxEventTimes: [],
    };
    // A re-cut retry listed fx0 again in a batch starting at 50: fewer earlier records, lower watermark.
    const recut: CommitView = { ...commit(50, 199, T0, 0), files: [two.files[0]!] };
    const files = watermarkedFiles(
      [commit(0, 99, T0 + 100 * M, 0), commit(0, 9, T0 + 40 * M, 1), commit(0, 49, T0 + 20 * M, 0), two],
      L,
    );
    expect(byKey(files)).toMatchObject({ fx0: T0 + 100 * M - L, fx1: T0 + 40 * M - L });
    const both = watermarkedFiles(
      [
        commit(0, 99, T0 + 100 * M, 0),
        commit(0, 9, T0 + 40 * M, 1),
        commit(0, 49, T0 + 20 * M, 0),
        two,
        recut,
      ],
      L,
    );
    expect(byKey(both)).toMatchObject({ fx0: T0 + 20 * M - L });
    expect(both.filter((f) => f.key === two.files[0]!.key)).toHaveLength(1);
  });

  it("equals the running maximum of earlier batches, whatever order the commit records are listed in", () => {
    const batches = fc.array(
      fc.tuple(fc.integer({ min: 1, max: 50 }), fc.option(fc.integer({ min: 0, max: 1e6 }))),
      {
        minLength: 1,
        maxLength: 12,
      },
    );
    fc.assert(
      fc.property(batches, fc.integer({ min: 0, max: 1e5 }), fc.nat(), (sizes, lateness, seed) => {
        let first = 0;
        const commits = sizes.map(([size, max], i) => {
          const c = commit(first, first + size - 1, max, 0, `f${i}`);
          first += size;
          return c;
        });
        let running: number | undefined;
        const expected: Record<string, number | undefined> = {};
        for (const [i, [, max]] of sizes.entries()) {
          expected[`f${i}`] = running === undefined ? undefined : running - lateness;
          if (max !== null) running = Math.max(running ?? max, max);
        }
        const shuffled = [...commits].sort(
          (a, b) => hash(a.files[0]!.key, seed) - hash(b.files[0]!.key, seed),
        );
        expect(byKey(watermarkedFiles(shuffled, lateness))).toEqual(expected);
      }),
    );
  });
});

describe("dedupeRows carries the watermark", () => {
  const row = (offset: number): LineageRow => ({ _topic: "t", _partition: 0, _offset: BigInt(offset) });
  it("of the kept file, or the lowest among the files holding the offset (late only if late in every delivery)", () => {
    const { rows } = dedupeRows([
      { key: "a", rows: [row(1), row(2), row(3)], watermark: 500 },
      { key: "b", rows: [row(2)], watermark: 100 },
      { key: "c", rows: [row(3), row(4)] },
      { key: "d", rows: [row(5)], watermark: 50 },
    ]);
    expect(rows.map((r) => [Number(r._offset), r[ROW_WATERMARK]])).toEqual([
      [1, 500],
      [2, 100],
      [3, undefined],
      [4, undefined],
      [5, 50],
    ]);
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 2654435761);
  return h;
}
