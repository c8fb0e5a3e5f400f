import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  escapeHivePathName,
  HIVE_DEFAULT_PARTITION,
  hiveSegment,
  MAX_SEGMENT_BYTES,
  unescapeHivePathName,
} from "../../shared/core/hive-path.ts";
import { dataFileKey } from "../../shared/core/keys.ts";

const nasty = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom("/", ".", "%", "=", "\\", "\n", "\u0000", "\u007f", "a", "é", "😀"),
    maxLength: 40,
  }),
  fc.constantFrom("..", ".", "../../etc", "%2F", "a=b", "__HIVE_DEFAULT_PARTITION__"),
);

describe("Hive partition paths", () => {
  it("escape as Hive does, and unescape back to the value", () => {
    expect(escapeHivePathName("a/b:c=d%e")).toBe("a%2Fb%3Ac%3Dd%25e");
    expect(escapeHivePathName("")).toBe(HIVE_DEFAULT_PARTITION);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (v) => {
        expect(unescapeHivePathName(escapeHivePathName(v))).toBe(v);
      }),
    );
  });

  it("never let a value leave its table prefix, whatever it holds", () => {
    fc.assert(
      fc.property(nasty, (value) => {
        let segment: string;
        try {
          segment = hiveSegment("type", value);
        } catch (e) {
          // Only over-long values are refused, and they are refused, not truncated.
          expect(e).toBeInstanceOf(RangeError);
          expect(Buffer.byteLength(`type=${escapeHivePathName(value)}`)).toBeGreaterThan(MAX_SEGMENT_BYTES);
          return;
        }
        expect(
          [...segment].some((ch) => ch === "/" || ch === "\\" || ch.charCodeAt(0) < 0x20 || ch === "\u007f"),
        ).toBe(false);
        const key = dataFileKey("events", `dt=2026-01-01/${segment}`, "t", 0, 1, "parquet");
        expect(posix.normalize(key)).toBe(key);
        expect(key.split("/")).toHaveLength(4);
        expect(key.startsWith("events/dt=2026-01-01/type=")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a value whose escaped segment would pass the file-name limit", () => {
    expect(() => hiveSegment("type", "x".repeat(300))).toThrow(RangeError);
  });
});
