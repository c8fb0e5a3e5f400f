import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commitKey, conflictFileKey, dataFileKey } from "../../shared/core/keys.ts";

describe("object keys", () => {
  it("name a one-partition commit by its range, and any batch with a file name short enough for every file system", () => {
    expect(commitKey("t", [{ topic: "clicks", partition: 3, first: 5, last: 9 }])).toBe(
      "_lakestream/commits/t/clicks+3+00000000000000000005-00000000000000000009.json",
    );
    const range = fc.record({
      topic: fc.stringMatching(/^[A-Za-z0-9._-]{1,249}$/),
      partition: fc.nat(10_000),
      first: fc.nat(),
      last: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 50 }), (ranges) => {
        const key = commitKey("table", ranges);
        expect(Buffer.byteLength(key.split("/").at(-1)!)).toBeLessThanOrEqual(255);
        expect(commitKey("table", ranges)).toBe(key);
      }),
    );
  });

  it("keep a conflicting file beside the first one, told apart by its last offset", () => {
    const key = dataFileKey("t", "dt=2026-01-01/hour=00", "clicks", 0, 7, "parquet");
    expect(conflictFileKey(key, 42)).toBe(
      "t/dt=2026-01-01/hour=00/clicks+0+00000000000000000007+00000000000000000042.parquet",
    );
  });
});
