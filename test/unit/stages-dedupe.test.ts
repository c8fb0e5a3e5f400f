import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dedupeRows, type FileRows, type LineageRow, offsetSpans } from "../../shared/core/stages/dedupe.ts";

const row = (offset: number, n = 0, partition = 0): LineageRow => ({
  _topic: "t",
  _partition: partition,
  _offset: BigInt(offset),
  n,
});

describe("dedupeRows", () => {
  it("keeps every flatMap row of an offset from the first file holding it, none from later files", () => {
    const files: FileRows[] = [
      { key: "b", rows: [row(5, 1), row(5, 2), row(6, 1)] },
      { key: "a", rows: [row(4, 1), row(5, 9)] },
    ];
    const { rows, duplicates, keptPerFile } = dedupeRows(files);
    // File "a" sorts first, so it owns offset 5 (one row); "b" keeps only offset 6.
    expect(rows.map((r) => [Number(r._offset), r.n])).toEqual([
      [4, 1],
      [5, 9],
      [6, 1],
    ]);
    expect(duplicates).toBe(2);
    expect(keptPerFile.get("b")).toBe(1);
  });

  it("keeps the rows of an offset that one file holds several times (flatMap) and their order", () => {
    const { rows, duplicates } = dedupeRows([
      { key: "x", rows: [row(1, 1), row(1, 2), row(1, 3)] },
      { key: "y", rows: [row(1, 1), row(1, 2), row(1, 3)] },
    ]);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(duplicates).toBe(3);
  });

  it("holds each offset once whatever the overlap and the file order (bisected retries)", () => {
    const cut = fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 30 })), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(cut, (ranges) => {
        const files = ranges.map(([first, len], i) => ({
          key: `f${String(first).padStart(3, "0")}-${i}`,
          rows: Array.from({ length: len }, (_, k) => row(first + k, first + k, 0)),
        }));
        const a = dedupeRows(files).rows;
        const b = dedupeRows([...files].reverse()).rows;
        const offsets = a.map((r) => Number(r._offset));
        expect(new Set(offsets).size).toBe(offsets.length);
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
        expect(new Set(offsets)).toEqual(new Set(files.flatMap((f) => f.rows.map((r) => Number(r._offset)))));
        expect(b).toEqual(a);
      }),
    );
  });
});

describe("dedupeRows on files that do not overlap (the usual case, decided without a row map)", () => {
  it("keeps every row in source order, each with its file's watermark, as the general rule does", () => {
    // Each file: one partition, a run of offsets (some repeated, as a flatMap writes them).
    const file = fc.record({
      partition: fc.integer({ min: 0, max: 1 }),
      repeats: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
      watermark: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(file, { minLength: 1, maxLength: 6 }), (specs) => {
        const next = [0, 0];
        const files: FileRows[] = specs.map((spec, i) => {
          const rows: LineageRow[] = [];
          for (const count of spec.repeats) {
            const offset = next[spec.partition]!++;
            for (let k = 0; k < count; k++) rows.push(row(offset, k, spec.partition));
          }
          // Keys out of offset order: the result must not depend on them.
          const w = spec.watermark === undefined ? {} : { watermark: spec.watermark };
          return { key: `k${(specs.length - i) % 4}-${i}`, rows, ...w };
        });
        const expected = files
          .flatMap((f) => f.rows.map((r, index) => ({ r, index, w: f.watermark })))
          .sort(
            (a, b) =>
              a.r._partition - b.r._partition || Number(a.r._offset - b.r._offset) || a.index - b.index,
          )
          .map(({ r, w }) => [r._partition, Number(r._offset), r.n, w]);
        const { rows, duplicates, keptPerFile } = dedupeRows([...files].reverse());
        expect(rows.map((r) => [r._partition, Number(r._offset), r.n, r._watermark])).toEqual(expected);
        expect(duplicates).toBe(0);
        for (const f of files) expect(keptPerFile.get(f.key)).toBe(f.rows.length);
      }),
    );
  });
});

describe("offsetSpans", () => {
  it("reports first, last and distinct offsets per topic-partition", () => {
    const rows = [row(1), row(1), row(2), row(7), row(3, 0, 1)];
    expect(offsetSpans(rows)).toEqual([
      { topic: "t", partition: 0, first: 1, last: 7, offsets: 3 },
      { topic: "t", partition: 1, first: 3, last: 3, offsets: 1 },
    ]);
  });
});
