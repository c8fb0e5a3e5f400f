import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventShapeError } from "../../shared/core/errors.ts";
import { csvRecords, splitCsv } from "../../shared/core/files/csv-records.ts";
import { cutBatches, forEachLine, lineRecords } from "../../shared/core/files/file-records.ts";
import {
  compressionOf,
  DEFAULT_CSV,
  fileTopic,
  formatOfName,
  isHiddenPath,
} from "../../shared/core/files/file-source.ts";
import { LineRangePlanner } from "../../shared/core/files/file-units.ts";
import { decimalText } from "../../shared/core/files/parquet-values.ts";
import {
  hivePartitionValues,
  pathTimeSpan,
  typedPartitionValues,
} from "../../shared/core/files/path-partitions.ts";
import { parseQueueMessage } from "../../shared/core/files/queue-messages.ts";
import { commitKey, dataFileKey, topicInName } from "../../shared/core/keys.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(b);
const stream = { topic: "file:///x.jsonl#v", timestamp: 1, format: "jsonl" as const };

describe("file source: lines", () => {
  it("splits LF and CRLF lines, skips a BOM at the file's start only, and numbers lines from the piece's first", () => {
    const got: [string, number][] = [];
    forEachLine({ bytes: enc("\ufeffa\r\nb\n\nc"), firstLine: 1, atFileStart: true }, (b, n) =>
      got.push([dec(b), n]),
    );
    expect(got).toEqual([
      ["a", 1],
      ["b", 2],
      ["", 3],
      ["c", 4],
    ]);
    const later: string[] = [];
    forEachLine({ bytes: enc("\ufeffx\n"), firstLine: 7, atFileStart: false }, (b) => later.push(dec(b)));
    expect(later).toEqual(["\ufeffx"]);
  });

  it("keeps empty text lines as records but not blank JSON lines", () => {
    const piece = { bytes: enc('{"a":1}\n\n  \n{"a":2}\n'), firstLine: 1, atFileStart: true };
    expect(lineRecords(piece, stream).map((r) => r.offset)).toEqual([1, 4]);
    expect(lineRecords(piece, { ...stream, format: "text" }).map((r) => r.offset)).toEqual([1, 2, 3, 4]);
  });

  it("cuts a file into line ranges that cover it exactly, each knowing its first line, however the bytes arrive", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (lines, trailing, target, chunkSizes) => {
          const text = enc(lines.join("\n") + (trailing ? "\n" : ""));
          const planner = new LineRangePlanner(target);
          for (let at = 0, i = 0; at < text.length; i++) {
            const size = chunkSizes[i % chunkSizes.length]!;
            planner.push(text.subarray(at, at + size));
            at += size;
          }
          const units = planner.finish();
          let at = 0;
          for (const [i, u] of units.entries()) {
            if (u.kind !== "bytes") throw new Error("not a byte range");
            expect(u.start).toBe(at);
            expect(u.firstLine).toBe(1 + text.subarray(0, u.start).filter((b) => b === 10).length);
            if (i < units.length - 1) expect(text[u.end - 1]).toBe(10);
            at = u.end;
          }
          expect(at).toBe(text.length);
        },
      ),
    );
  });

  it("cuts records into batches between records only, the same way every time", () => {
    const records = lineRecords(
      { bytes: enc("a\nbb\nccc\n".repeat(50)), firstLine: 1, atFileStart: true },
      {
        ...stream,
        format: "text",
      },
    );
    const batches = cutBatches(records, { maxBytes: 300, maxRecords: 7 });
    expect(batches.flat()).toEqual(records);
    expect(batches.every((b) => b.length <= 7)).toBe(true);
    expect(cutBatches(records, { maxBytes: 300, maxRecords: 7 })).toEqual(batches);
  });
});

describe("file source: CSV", () => {
  const field = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('a,"b"', "x\ny", "ü", "", "  "));
  it("reads back every field csv-parse is given, with the line each record starts on", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { maxLength: 20 }),
        fc.boolean(),
        (rows, crlf) => {
          const eol = crlf ? "\r\n" : "\n";
          const quote = (f: string) => `"${f.replace(/"/g, '""')}"`;
          const text = rows.map((r) => r.map(quote).join(",")).join(eol) + eol;
          const got = splitCsv({ bytes: enc(text), firstLine: 1, atFileStart: true }, DEFAULT_CSV);
          expect(got.map((r) => r.fields)).toEqual(rows);
          let line = 1;
          for (const [i, r] of got.entries()) {
            expect(r.line).toBe(line);
            line += 1 + (rows[i]!.join("").match(crlf ? /\r?\n/g : /\n/g)?.length ?? 0);
          }
        },
      ),
    );
  });

  it("turns a malformed record into an error naming its first line, and reads on", () => {
    const text = 'id,name\n1,"ok"\n2,"bad"x\n3,"unclosed\n4,fine\n';
    const got = splitCsv({ bytes: enc(text), firstLine: 1, atFileStart: true }, DEFAULT_CSV);
    expect(got.map((r) => [r.line, r.fields ?? "error", dec(r.bytes)])).toEqual([
      [1, ["id", "name"], "id,name"],
      [2, ["1", "ok"], '1,"ok"'],
      [3, "error", '2,"bad"x'],
      [4, "error", '3,"unclosed'],
      [5, ["4", "fine"], "4,fine"],
    ]);
    const [, ...rest] = got;
    const records = csvRecords(rest, ["id", "name"], { ...stream, format: "csv" });
    expect(records.map((r) => ("error" in r.decoded! ? "bad" : r.decoded!.value))).toEqual([
      { id: "1", name: "ok" },
      "bad",
      "bad",
      { id: "4", name: "fine" },
    ]);
  });
});

describe("file source: names, lineage, events", () => {
  it("tells formats by name and compression by magic bytes, and skips Hadoop's hidden files", () => {
    expect(
      ["a.jsonl", "a.json.gz", "a.csv.zst", "a.tsv", "part-0.txt", "x.snappy.parquet", "part-00000"].map(
        formatOfName,
      ),
    ).toEqual(["jsonl", "jsonl", "csv", "csv", "text", "parquet", undefined]);
    expect(compressionOf(new Uint8Array([0x1f, 0x8b]))).toBe("gzip");
    expect(compressionOf(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
    expect(compressionOf(enc("PAR1"))).toBe("none");
    expect(["_SUCCESS", "dt=1/.part-0.crc", "_temporary/0/x", "dt=1/a.json"].map(isHiddenPath)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("names a file stream in keys by its file name and a hash of URI and version: safe, stable, distinct", () => {
    const v1 = fileTopic({ uri: "s3://b/in/dt=2026-11-23/hour=6/part 1#x.json", version: "e1" });
    const v2 = fileTopic({ uri: "s3://b/in/dt=2026-11-23/hour=6/part 1#x.json", version: "e2" });
    expect(topicInName(v1)).toMatch(/^part_1_x\.json~[0-9a-f]{16}$/);
    expect(topicInName(v1)).toBe(topicInName(v1));
    expect(topicInName(v1)).not.toBe(topicInName(v2));
    expect(dataFileKey("t", "dt=2026-11-23/hour=06", v1, 0, 5, "parquet")).toMatch(
      /^t\/dt=2026-11-23\/hour=06\/part_1_x\.json~[0-9a-f]{16}\+0\+0{19}5\.parquet$/,
    );
    expect(commitKey("t", [{ topic: v1, partition: 0, first: 1, last: 9 }])).not.toContain("s3://");
    // Kafka topics are named as before.
    expect(topicInName("orders")).toBe("orders");
    expect(commitKey("t", [{ topic: "orders", partition: 1, first: 1, last: 2 }])).toContain("/orders+1+");
  });

  it("reads Hive partition folders (hour=6 and hour=06, escaped values, the default partition) and types schema columns only", () => {
    const v = hivePartitionValues("dt=2026-11-23/hour=6/label=a%2Fb/n=__HIVE_DEFAULT_PARTITION__/part.json");
    expect(v).toEqual({ dt: "2026-11-23", hour: "6", label: "a/b", n: null });
    expect(pathTimeSpan(v)).toEqual({
      start: Date.parse("2026-11-23T06:00:00Z"),
      end: Date.parse("2026-11-23T07:00:00Z"),
    });
    expect(pathTimeSpan({ dt: "2026-11-23", hour: "06" })!.start).toBe(Date.parse("2026-11-23T06:00:00Z"));
    expect(pathTimeSpan({ dt: "2026-11-23" })).toEqual({
      start: Date.parse("2026-11-23T00:00:00Z"),
      end: Date.parse("2026-11-24T00:00:00Z"),
    });
    expect(
      typedPartitionValues(
        { ...v, n: "7", k: "12" },
        { n: { type: "int32" }, k: { type: "int64" }, label: { type: "string" } },
      ),
    ).toEqual({
      label: "a/b",
      n: 7,
      k: 12n,
    });
  });

  it("writes decimals exactly", () => {
    expect([
      decimalText(1250n, 2),
      decimalText(-5n, 2),
      decimalText(123n, 0),
      decimalText(10n ** 30n + 1n, 3),
    ]).toEqual(["12.50", "-0.05", "123", "1000000000000000000000000000.001"]);
  });

  it("parses S3 Object Created events and unit messages, and names the field of a wrong shape", () => {
    const body = {
      source: "aws.s3",
      "detail-type": "Object Created",
      time: "2026-11-23T08:00:00Z",
      detail: {
        bucket: { name: "b" },
        object: { key: "in/a b.json", size: 3, etag: '"e"', "version-id": "v1" },
      },
    };
    expect(parseQueueMessage(JSON.stringify(body))).toEqual({
      kind: "object-created",
      bucket: "b",
      key: "in/a b.json",
      size: 3,
      etag: "e",
      versionId: "v1",
      time: Date.parse("2026-11-23T08:00:00Z"),
    });
    const bad = { ...body, detail: { ...body.detail, object: { key: "k", size: -1, etag: "e" } } };
    expect(() => parseQueueMessage(JSON.stringify(bad))).toThrow(EventShapeError);
    expect(() => parseQueueMessage(JSON.stringify(bad))).toThrow(/detail\.object\.size/);
    expect(() => parseQueueMessage('{"source":"aws.s3","detail-type":"Object Deleted"}')).toThrow(
      /Object Created/,
    );
  });
});
