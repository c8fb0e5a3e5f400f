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

describe("offsetSpans", () => {
  it("reports first, last and distinct offsets per topic-partition", () => {
    const rows = [row(1), row(1), row(2), row(7), row(3, 0, 1)];
    expect(offsetSpans(rows)).toEqual([
      { topic: "t", partition: 0, first: 1, last: 7, offsets: 3 },
      { topic: "t", partition: 1, first: 3, last: 3, offsets: 1 },
    ]);
  });
});
